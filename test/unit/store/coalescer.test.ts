// Coalescer.flush waits only for the changes made before it was called: many callers flushing
// at once (30 scheduled runs, each writing "occurrence handled" before it starts, then creating
// its task) share writes instead of queueing one write each.
import * as assert from 'node:assert/strict';
import { Coalescer } from '../../../src/extension/core/store/coalescer';

describe('Coalescer.flush', () => {
  it('30 callers that each change then flush (their change interleaved with the others\' writes) cost a few writes, not 30', async () => {
    let writes = 0;
    let state = 0;
    const c = new Coalescer<number>({
      delayMs: 1000,
      snapshot: () => state,
      write: async () => {
        writes++;
        await new Promise((r) => setTimeout(r, 20));
      },
      onError: () => undefined,
    });
    // As the service does: mark handled, flush, then create the task (another change).
    await Promise.all(
      Array.from({ length: 30 }, async (_, i) => {
        await new Promise((r) => setTimeout(r, i % 3)); // the jobs fire within a few ms
        state++;
        c.markDirty();
        await c.flush();
        state++;
        c.markDirty(); // the task row, after its "handled" mark is on disk
      }),
    );
    await c.flush();
    c.stop();
    assert.ok(writes <= 6, `${writes} writes`);
  });

  it('a flush still writes a change made while an older write was in flight', async () => {
    const written: number[] = [];
    let state = 0;
    let release!: () => void;
    const c = new Coalescer<number>({
      delayMs: 1000,
      snapshot: () => state,
      write: async (s) => {
        if (written.length === 0) await new Promise<void>((r) => (release = r));
        written.push(s);
      },
      onError: () => undefined,
    });
    state = 1;
    c.markDirty();
    const first = c.flush();
    await new Promise((r) => setImmediate(r));
    state = 2;
    c.markDirty();
    const second = c.flush();
    release();
    await Promise.all([first, second]);
    c.stop();
    assert.deepEqual(written, [1, 2]);
  });
});
