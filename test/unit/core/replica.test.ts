import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReplicaStore } from '../../../src/extension/core/leader/replicaStore';
import { silentLogger, systemClock } from '../../../src/extension/core/ports';
import { openTaskStore } from '../../../src/extension/core/store/openTaskStore';
import type { SqlTaskStore } from '../../../src/extension/core/store/sqlStore';

describe('ReplicaStore (a follower window\'s copy of tasks.db)', () => {
  let dir: string;
  let writer: SqlTaskStore;
  let replica: ReplicaStore | undefined;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bs-replica-'));
    ({ store: writer } = await openTaskStore({ dir, clock: systemClock, logger: silentLogger, bounds: { maxAgeDays: 90, maxTasks: 5000, maxLinesPerTask: 2000 } }));
  });
  afterEach(async () => {
    replica?.dispose();
    await writer.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  const now = Date.now();

  it('shows what the leader persisted, raises exactly the changed rows, and never writes the file', async () => {
    const t = writer.createTask({ envId: 'a', kind: 'backup', trigger: 'manual', status: 'running', queuedAt: now, startedAt: now });
    writer.appendLog(t.id, 'info', 'hello', now);
    await writer.flush();
    replica = await ReplicaStore.open({ dir, clock: systemClock, logger: silentLogger, pollMs: 60_000 });
    assert.equal(replica.getTask(t.id)?.status, 'running');
    assert.deepEqual(replica.logAfter(t.id, 0, 10).map((l) => l.text), ['hello']);
    const seen: number[][] = [];
    replica.onDidChange((c) => seen.push(c.tasks.map((x) => x.id)));
    const other = writer.createTask({ envId: 'b', kind: 'backup', trigger: 'scheduled', status: 'queued', queuedAt: now + 3 });
    writer.updateTask(t.id, { status: 'succeeded', finishedAt: now + 4 });
    await writer.flush();
    await replica.refresh();
    assert.deepEqual(seen, [[t.id, other.id]]);
    assert.equal(replica.getTask(t.id)?.status, 'succeeded');
    await replica.refresh();
    assert.equal(seen.length, 1, 'an unchanged file raises nothing');
  });

  it('a history the leader has not written yet reads as empty', async () => {
    rmSync(join(dir, 'tasks.db'), { force: true });
    replica = await ReplicaStore.open({ dir: join(dir, 'none'), clock: systemClock, logger: silentLogger, pollMs: 60_000 });
    assert.deepEqual(replica.queryTasks({}), { rows: [], total: 0 });
  });
});
