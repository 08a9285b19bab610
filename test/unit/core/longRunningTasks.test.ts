// The TaskManager's places: a task still running after `longRunningMs` gives its place to a
// queued one (a large backup must not hold up the small runs falling due beside it), up to
// `maxLong` such long tasks; its environment stays busy all the while. By default 8 places and 4
// long tasks.
import * as assert from 'node:assert/strict';
import type { TaskResult } from '../../../src/shared/model';
import type { TaskContext } from '../../../src/extension/core/ports';
import { silentLogger, systemClock } from '../../../src/extension/core/ports';
import { TaskManager, type StartOutcome, type TaskSpec } from '../../../src/extension/core/tasks/taskManager';
import { MemoryStore } from '../fakes/memoryStore';

/** Work that runs until released, telling when it started. */
function gate() {
  let release!: () => void;
  let markStarted!: () => void;
  const started = new Promise<void>((r) => (markStarted = r));
  const work = (ctx: TaskContext) =>
    new Promise<TaskResult>((resolve, reject) => {
      markStarted();
      release = () => resolve({ summary: 'ok' });
      ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason));
    });
  return { work, started, release: () => release() };
}

const backup = (envId: string, work: TaskSpec['work']): TaskSpec => ({ envId, kind: 'backup', trigger: 'scheduled', work });
const done = (o: StartOutcome) => {
  if (o.kind === 'busy') throw new Error(`${o.kind}`);
  return o.done;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('TaskManager: long-running tasks and the places', () => {
  let store: MemoryStore;
  let tm: TaskManager;
  beforeEach(() => {
    store = new MemoryStore();
    tm = new TaskManager({ store, clock: systemClock, logger: silentLogger, maxParallel: 1, maxLong: 1, longRunningMs: 20 });
  });
  afterEach(() => tm.dispose());

  it('a queued run starts while a long one still runs, and both finish', async () => {
    const big = gate();
    const bigRun = tm.start(backup('big', big.work));
    assert.equal(bigRun.kind, 'started');
    const small = tm.start(backup('small', async () => ({ summary: 'small' })));
    assert.equal(small.kind, 'queued', 'the only place is taken');
    // Without the long task giving its place back this would wait for ever (the test times out).
    const s = await done(small);
    assert.equal(s.status, 'succeeded');
    assert.equal(store.getTask((bigRun as { task: { id: number } }).task.id)?.status, 'running', 'the big one still runs');
    big.release();
    assert.equal((await done(bigRun)).status, 'succeeded');
  });

  it('a long task keeps its environment: a scheduled run of it is skipped', async () => {
    const big = gate();
    const bigRun = tm.start(backup('big', big.work));
    await done(tm.start(backup('other', async () => ({})))); // started only once big left its place
    const again = tm.start(backup('big', async () => ({})));
    assert.equal(again.kind, 'busy');
    assert.equal(again.kind === 'busy' && again.skipped?.status, 'skipped');
    big.release();
    await done(bigRun);
  });

  it('at most maxLong long tasks: beyond them a long task keeps its place until one ends', async () => {
    const a = gate();
    const b = gate();
    const started: string[] = [];
    const ra = tm.start(backup('a', a.work));
    const rb = tm.start(backup('b', b.work));
    const rc = tm.start(backup('c', async () => (started.push('c'), {})));
    assert.deepEqual([ra.kind, rb.kind, rc.kind], ['started', 'queued', 'queued']);
    await b.started; // a turned long and gave its place to b
    await sleep(100); // b turns long too, but the one long place is a's: c must wait
    assert.deepEqual(started, [], 'c started while two long tasks ran in one place and one long place');
    a.release();
    await done(ra);
    // a's long place is free: b moves there and c gets the place b held.
    assert.equal((await done(rc)).status, 'succeeded');
    assert.equal(store.getTask((rb as { task: { id: number } }).task.id)?.status, 'running');
    b.release();
    await done(rb);
  });

  it('by default: 8 tasks start at once and the 9th queues; of long tasks at most 4 give their place back', async () => {
    await tm.dispose();
    tm = new TaskManager({ store, clock: systemClock, logger: silentLogger, longRunningMs: 20 });
    const gates = Array.from({ length: 13 }, gate);
    const runs = gates.map((g, i) => tm.start(backup(`env-${i}`, g.work)));
    assert.deepEqual(runs.map((r) => r.kind), [...Array(8).fill('started'), ...Array(5).fill('queued')]);
    // The first 8 turn long; 4 of them give their places to the next 4, the other 4 keep theirs.
    await Promise.all(gates.slice(8, 12).map((g) => g.started));
    let thirteenth = false;
    void gates[12].started.then(() => (thirteenth = true));
    await sleep(100); // long enough for the next 4 to turn long too: still no place is given back
    assert.equal(thirteenth, false, 'a 13th task started while 4 long tasks already ran outside the places');
    for (const g of gates.slice(0, 12)) g.release();
    await gates[12].started;
    gates[12].release();
    assert.deepEqual((await Promise.all(runs.map(done))).map((t) => t.status), Array(13).fill('succeeded'));
  });
});
