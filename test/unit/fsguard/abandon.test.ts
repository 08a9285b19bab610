// A cancelled task whose work never stops leaves no partial archive behind: the TaskManager runs
// the cleanup the work registered (real files), and a partial file of this process that no live
// writer owns any more is removed by the environment's next run.
import * as assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AtomicFile, removeStalePartials } from '../../../src/extension/core/engines/archive/atomicFile';
import { archiveName, tempName } from '../../../src/extension/core/engines/archive/naming';
import { silentLogger, systemClock } from '../../../src/extension/core/ports';
import { TaskManager } from '../../../src/extension/core/tasks/taskManager';
import { MemoryStore } from '../fakes/memoryStore';
import { cleanupTemp, tempDir } from '../archive/helpers';

/** Polls (the test's timeout bounds the wait). */
async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 20));
}

describe('abandoned work and its partial file', () => {
  afterEach(cleanupTemp);

  it('cancelling a stalled task that is stuck after writing part of its archive removes the partial file', async () => {
    const dest = tempDir('bs-abandon-');
    const store = new MemoryStore();
    const tm = new TaskManager({ store, clock: systemClock, logger: silentLogger, stallMs: () => 150, abandonAfterMs: 60_000 });
    let wrote!: () => void;
    const written = new Promise<void>((r) => (wrote = r));
    const out = tm.start({
      envId: 'docs',
      kind: 'backup',
      trigger: 'manual',
      work: async (ctx) => {
        const file = await AtomicFile.create(dest, archiveName('docs', 'folder', Date.now()));
        ctx.onAbandon?.(() => file.discard());
        await file.write(Buffer.alloc(4096, 1));
        wrote();
        return new Promise(() => undefined); // the next call never returns
      },
    });
    assert.equal(out.kind, 'started');
    if (out.kind !== 'started') return;
    await written;
    assert.equal(readdirSync(dest).filter((n) => n.endsWith('.partial')).length, 1);
    await until(() => store.getTask(out.task.id)!.progress?.stalledSince !== undefined); // past the stall time
    tm.cancel(out.task.id);
    const t = await out.done;
    assert.equal(t.status, 'cancelled');
    await until(() => readdirSync(dest).length === 0); // the manager does not await the cleanup
    await tm.dispose();
  });

  it("the next run removes a partial file of this process that no live writer owns, and keeps a live one's", async () => {
    const dest = tempDir('bs-abandon-');
    const orphan = tempName(archiveName('docs', 'folder', Date.parse('2026-11-29T01:00:00Z')));
    writeFileSync(join(dest, orphan), 'half an archive');
    const live = await AtomicFile.create(dest, archiveName('docs', 'folder', Date.parse('2026-11-29T02:00:00Z')));
    const logs: string[] = [];
    await removeStalePartials(dest, 'docs', (l) => logs.push(l));
    assert.deepEqual(readdirSync(dest), [live.tempPath.slice(dest.length + 1)]);
    assert.deepEqual(logs, [`Removed stale temporary file ${orphan}`]);
    await live.discard();
  });
});
