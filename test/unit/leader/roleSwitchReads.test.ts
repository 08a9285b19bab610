// A window's reader (what the views, the commands such as Export History, and the Task Log hold
// for the life of the window) keeps answering while the window changes role and after it: the
// leader's store of before the change is closed, and a closed sql.js database answers every read
// with 'Error: out of memory' (SQLite's message for a closed handle). Export History failed that
// way in the main integration suite after the agent-install test handed the schedules over and back.
import * as assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { EngineRegistry } from '../../../src/extension/core/engines/registry';
import { parseEnvironments } from '../../../src/extension/core/environments/parse';
import { Coordinator } from '../../../src/extension/core/leader/coordinator';
import { ReplicaStore } from '../../../src/extension/core/leader/replicaStore';
import { highestTerm, tryClaim, writeHeartbeat, type LeaderClaim } from '../../../src/extension/core/leader/terms';
import { silentLogger, systemClock } from '../../../src/extension/core/ports';
import { cleanUp, sleep, tempStorage } from './helpers';

const coordinators: Coordinator[] = [];

async function until(what: string, pred: () => boolean, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe('leader: a reader taken once reads through role changes', function () {
  this.timeout(60_000);
  afterEach(async () => {
    for (const c of coordinators.splice(0)) await c.dispose();
    await cleanUp();
  });

  it('reads of the history never fail while the window steps down and leads again, and show the same task', async () => {
    const storage = tempStorage();
    const dest = join(storage, 'dest');
    mkdirSync(dest);
    const entries = parseEnvironments([{ id: 'demo', name: 'Demo', type: 'command', command: 'echo data > "$BACKUP_FILE"', destination: dest, schedule: '0 3 * * *' }], { workspaceFolder: storage, home: storage, env: {} });
    const c = await Coordinator.start(
      {
        storageDir: storage,
        engines: new EngineRegistry({ clock: systemClock, logger: silentLogger, secrets: { get: async () => undefined }, defaultCwd: storage, settings: {} }),
        clock: systemClock,
        logger: silentLogger,
        trusted: true,
        defaultCwd: storage,
        bounds: { maxAgeDays: 90, maxTasks: 5000, maxLinesPerTask: 2000 },
        election: { heartbeatMs: 50, checkMs: 25, staleMs: 1000 },
        replicaPollMs: 60_000,
      },
      entries,
    );
    coordinators.push(c);
    await until('the window leads', () => c.role === 'leader');
    // Taken once, as registerCommands and the Task Log take it at activation.
    const reader = c.reader;
    const outcome = await c.runNow('demo');
    assert.equal(outcome.kind, 'started', JSON.stringify(outcome));
    const id = (outcome as { taskId: number }).taskId;
    await until('the backup succeeds', () => reader.getTask(id)?.status === 'succeeded');
    // The follower's copy is the file: wait until the leader has written the task to it.
    const file = await ReplicaStore.open({ dir: storage, clock: systemClock, logger: silentLogger, pollMs: 50 });
    try {
      await until('tasks.db holds the task', () => file.getTask(id)?.status === 'succeeded');
    } finally {
      file.dispose();
    }

    // Read on every turn of the event loop, as a poll or a command may come at any moment.
    const errors: string[] = [];
    const totals = new Set<number>();
    let reads = 0;
    let reading = true;
    const loop = (): void => {
      if (!reading) return;
      try {
        totals.add(reader.queryTasks({ sort: 'id', descending: false, offset: 0, limit: 1000 }).total);
        reads++;
      } catch (e) {
        errors.push((e as Error).message);
      }
      setImmediate(loop);
    };
    loop();

    // Another process claims a higher term: the window steps down to a follower (its leader store
    // is closed, a copy of tasks.db opened); once that claim's heartbeat is stale it leads again.
    const dir = join(storage, 'leader');
    const claim: LeaderClaim = { pid: 1, hostname: 'elsewhere', instanceId: 'fake', startedAt: 0, endpoint: '' };
    const term = highestTerm(dir) + 1;
    assert.ok(tryClaim(dir, term, claim));
    writeHeartbeat(dir, { ...claim, term, heartbeatAt: Date.now(), seq: 1 });
    await until('the window follows', () => c.role === 'follower');
    await c.settled();
    const followerReads = reads;
    await until('the window leads again', () => c.role === 'leader');
    await c.settled();
    await until('a read after leading again', () => reads > followerReads + 10);
    reading = false;

    assert.deepEqual(errors.slice(0, 3), [], `${errors.length} of ${reads + errors.length} reads failed`);
    assert.deepEqual([...totals], [1], 'every read saw the one task');
    assert.equal(reader.getTask(id)?.status, 'succeeded');
  });
});
