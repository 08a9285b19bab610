// The real thread pool: calls that never return (opens of a named pipe nobody writes to, standing
// in for a hung mount) pile up on one environment's destination while another environment backs
// up on an every-second schedule through the same process-wide guard. Without the guard's bound
// the opens would take all four pool threads and the good backups would hang with them.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdirSync, openSync, promises as fsp, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EngineRegistry } from '../../../src/extension/core/engines/registry';
import { parseEnvironments } from '../../../src/extension/core/environments/parse';
import { fsGuard } from '../../../src/extension/core/fsguard';
import { silentLogger, systemClock } from '../../../src/extension/core/ports';
import { BackupService, isStarted } from '../../../src/extension/core/service';
import { openTaskStore } from '../../../src/extension/core/store/openTaskStore';
import type { TaskStore } from '../../../src/extension/core/store/taskStore';
import { cleanupTemp, tempDir } from '../archive/helpers';

describe('a path whose calls never return, on the real thread pool', function () {
  this.timeout(30_000);
  let dir: string;
  let fifo: string;
  let store: TaskStore;
  let service: BackupService;
  const handles: fsp.FileHandle[] = [];

  /** Lets every blocked open of the pipe return (a writer appears), then closes what they opened. */
  async function releasePipe(): Promise<void> {
    try {
      closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
    } catch {
      // ENXIO: no reader is blocked any more
    }
    await new Promise((r) => setTimeout(r, 100));
    for (const h of handles.splice(0)) await h.close().catch(() => undefined);
  }

  before(function () {
    if (process.platform === 'win32') this.skip();
  });

  beforeEach(async () => {
    dir = tempDir('bs-pool-');
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'src', 'a.txt'), 'alpha\n');
    mkdirSync(join(dir, 'stuck-dst'));
    fifo = join(dir, 'stuck-dst', 'pipe');
    execFileSync('mkfifo', [fifo]);
    fsGuard.configure({ callTimeoutMs: 1500, slowMs: 200 });
    ({ store } = await openTaskStore({ dir: join(dir, 'storage'), clock: systemClock, logger: silentLogger, bounds: { maxAgeDays: 90, maxTasks: 5000, maxLinesPerTask: 2000 } }));
    const engines = new EngineRegistry({ clock: systemClock, logger: silentLogger, secrets: { get: async () => undefined }, defaultCwd: dir, settings: {} });
    service = new BackupService({ store, engines, clock: systemClock, logger: silentLogger, defaultCwd: dir, trusted: true });
  });

  afterEach(async () => {
    await releasePipe();
    await service?.dispose();
    await store?.dispose();
    fsGuard.configure({ callTimeoutMs: 180_000, slowMs: 2000 });
    cleanupTemp();
  });

  it('takes at most two pool threads, fails its own runs, and never stops the other environment; once it answers, its next run works', async () => {
    const stuckDst = join(dir, 'stuck-dst');
    service.setEnvironments(parseEnvironments([
      { id: 'good', name: 'Good', type: 'folder', source: join(dir, 'src'), destination: join(dir, 'good-dst'), schedule: '* * * * * *' },
      { id: 'stuck', name: 'Stuck', type: 'folder', source: join(dir, 'src'), destination: stuckDst, schedule: '* * * * * *' },
    ], { workspaceFolder: dir, home: dir, env: {}, workspaceIds: new Set() }));

    // Twelve calls on the stuck destination at once, each an open that blocks a pool thread.
    let entered = 0;
    const opens = Array.from({ length: 12 }, () =>
      fsGuard.run(stuckDst, 'destination', async () => {
        entered++;
        const h = await fsp.open(fifo, 'r');
        handles.push(h);
        return h;
      }).then(() => 'answered', (e: Error) => e.message),
    );
    let mostInPool = 0;
    const sampler = setInterval(() => (mostInPool = Math.max(mostInPool, fsGuard.slowCallsInPool)), 20);
    service.start();
    await new Promise((r) => setTimeout(r, 4500));
    clearInterval(sampler);
    service.scheduler.dispose(); // no new occurrences while we look

    assert.equal(entered, 2, 'two opens entered the pool, the other ten never did');
    assert.ok(mostInPool <= 2, `at most two of our calls sat in the pool on the slow path (saw ${mostInPool})`);
    const results = await Promise.all(opens);
    assert.ok(results.every((r) => /^The destination .*stuck-dst (did not respond|is not answering)/.test(r)), results.join('\n'));

    const all = store.queryTasks({ sort: 'id', limit: 200 }).rows;
    const good = all.filter((t) => t.envId === 'good' && t.finishedAt !== null);
    // An occurrence that fires while the previous stuck run is still failing is skipped, as the
    // concurrency rule says (on a loaded machine a run can take longer than the 1 s schedule).
    const skipped = all.filter((t) => t.envId === 'stuck' && t.status === 'skipped');
    for (const t of skipped) assert.match(t.skipReason ?? '', /^stuck was busy with task #\d+/);
    const stuck = all.filter((t) => t.envId === 'stuck' && t.finishedAt !== null && t.status !== 'skipped');
    assert.ok(good.length >= 3, `the good environment ran on schedule (${good.length} runs)`);
    assert.deepEqual([...new Set(good.map((t) => t.status))], ['succeeded']);
    assert.ok(stuck.length >= 3, `the stuck environment's runs ended too, none hanging (${stuck.length})`);
    for (const t of stuck) {
      assert.equal(t.status, 'failed');
      assert.match(t.error!, /^The destination .*stuck-dst (did not respond|is not answering)/);
    }

    console.log(`      measured: ${entered} of 12 blocked opens entered the pool (at most ${mostInPool} of our calls on slow paths at once); in 4.5 s the good environment made ${good.length} backups, the stuck one failed ${stuck.length} runs (${skipped.length} skipped while one was failing)`);
    await releasePipe();
    assert.equal(fsGuard.refusal(stuckDst), undefined, 'the path answered: no longer refused');
    const out = service.runNow('stuck');
    assert.ok(isStarted(out), out.kind);
    const t = await out.done;
    assert.equal(t.status, 'succeeded', t.error ?? '');
  });
});
