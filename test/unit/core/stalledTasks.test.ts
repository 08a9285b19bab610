// No task runs for ever unseen: a silent task is flagged stalled, and a cancelled (or timed-out)
// task whose work never stops is abandoned, so its environment is free again. Fake clock; the
// stuck work is a promise nobody settles (a file-system call that never returns).
import * as assert from 'node:assert/strict';
import type { TaskRecord, TaskResult } from '../../../src/shared/model';
import { silentLogger, type TaskContext } from '../../../src/extension/core/ports';
import { TaskManager, type TaskSpec } from '../../../src/extension/core/tasks/taskManager';
import { installFakeClock, type FakeClock } from '../fakes/fakeClock';
import { MemoryStore } from '../fakes/memoryStore';

const MIN = 60_000;

describe('stalled and abandoned tasks', () => {
  let clock: FakeClock;
  let store: MemoryStore;
  let tm: TaskManager;
  beforeEach(() => {
    clock = installFakeClock('2026-11-29T10:00:00Z');
    store = new MemoryStore();
    tm = new TaskManager({ store, clock, logger: silentLogger, progressIntervalMs: 1000, stallMs: () => 30 * MIN, abandonAfterMs: 10_000 });
  });
  afterEach(() => clock.uninstall());

  /** Work that reports once, then waits on a call that never returns; it registers a cleanup. */
  function stuckWork(cleaned: string[]) {
    return (ctx: TaskContext) => {
      ctx.progress({ files: 3, current: 'big.iso' });
      ctx.onAbandon?.(() => cleaned.push('partial file removed'));
      return new Promise<TaskResult>(() => undefined);
    };
  }
  const spec = (envId: string, work: TaskSpec['work'], extra: Partial<TaskSpec> = {}): TaskSpec => ({ envId, kind: 'backup', trigger: 'scheduled', work, ...extra });
  const started = (o: ReturnType<TaskManager['start']>) => {
    assert.ok(o.kind === 'started' || o.kind === 'queued', o.kind);
    return o as { task: TaskRecord; done: Promise<TaskRecord> };
  };
  const texts = (id: number) => store.logs.filter((l) => l.taskId === id).map((l) => l.text);

  it('a task with no progress and no log line for the stall time is flagged stalled, and unflagged when it moves again', async () => {
    let ctxOf!: TaskContext;
    const out = started(tm.start(spec('a', (ctx) => {
      ctxOf = ctx;
      ctx.progress({ files: 1 });
      return new Promise(() => undefined);
    })));
    const lastSign = clock.now();
    await clock.tick(29 * MIN);
    assert.equal(tm.liveRecord(out.task.id)!.progress?.stalledSince, undefined);
    await clock.tick(2 * MIN);
    const flagged = store.getTask(out.task.id)!;
    assert.equal(flagged.status, 'running');
    assert.equal(flagged.progress?.stalledSince, lastSign, 'stored, so the views and followers see it');
    assert.equal(flagged.progress?.files, 1, 'the progress it had is kept');
    assert.match(texts(out.task.id).at(-1)!, /^Stalled: no progress and no log line for 3\d minutes\. Cancel stops it and frees a/);

    ctxOf.log('info', 'still here');
    assert.equal(store.getTask(out.task.id)!.progress?.stalledSince, undefined);
    assert.equal(texts(out.task.id).at(-1), 'still here');
    assert.ok(texts(out.task.id).includes('Progress again: no longer stalled'));
  });

  it('a log line keeps a task from being flagged', async () => {
    let ctxOf!: TaskContext;
    const out = started(tm.start(spec('a', (ctx) => {
      ctxOf = ctx;
      return new Promise(() => undefined);
    })));
    for (let i = 0; i < 6; i++) {
      await clock.tick(20 * MIN);
      ctxOf.log('info', `tick ${i}`);
    }
    assert.equal(store.getTask(out.task.id)!.progress?.stalledSince, undefined);
  });

  it('cancelling a stalled task whose call never returns records it cancelled at once, frees the environment and runs its cleanup', async () => {
    const cleaned: string[] = [];
    const out = started(tm.start(spec('a', stuckWork(cleaned))));
    await clock.tick(31 * MIN);
    assert.ok(store.getTask(out.task.id)!.progress?.stalledSince);
    assert.equal(tm.cancel(out.task.id), true);
    const t = await out.done;
    assert.equal(t.status, 'cancelled');
    assert.deepEqual(cleaned, ['partial file removed']);
    assert.ok(texts(t.id).some((l) => /it was abandoned and its environment freed/.test(l)));
    assert.equal(tm.isBusy('a'), false);
    const next = started(tm.start(spec('a', async () => ({ summary: 'ok' }))));
    assert.equal((await next.done).status, 'succeeded', 'the next run of the environment works');
  });

  it('a cancelled task that is not stalled gets a grace time to stop, then is abandoned', async () => {
    const cleaned: string[] = [];
    const out = started(tm.start(spec('a', stuckWork(cleaned))));
    await clock.tick(MIN);
    tm.cancel(out.task.id);
    await clock.tick(9_000);
    assert.equal(store.getTask(out.task.id)!.finishedAt, null, 'still waiting for the work to stop');
    assert.equal(tm.isBusy('a'), true);
    await clock.tick(1_000);
    assert.equal((await out.done).status, 'cancelled');
    assert.equal(tm.isBusy('a'), false);
    assert.deepEqual(cleaned, ['partial file removed']);
  });

  it('work that stops when cancelled is not abandoned and its cleanup is not run by the manager', async () => {
    const cleaned: string[] = [];
    const out = started(tm.start(spec('a', (ctx) => {
      ctx.onAbandon?.(() => cleaned.push('x'));
      return new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)));
    })));
    tm.cancel(out.task.id);
    assert.equal((await out.done).status, 'cancelled');
    assert.deepEqual(cleaned, []);
    assert.ok(!texts(out.task.id).some((l) => /abandoned/.test(l)));
  });

  it('a timed-out task whose call never returns fails as timed out and frees its environment', async () => {
    const out = started(tm.start(spec('a', stuckWork([]), { timeoutMs: 5 * MIN })));
    await clock.tick(5 * MIN + 10_000);
    const t = await out.done;
    assert.equal(t.status, 'failed');
    assert.match(t.error!, /^timed out after 5 min$/);
    assert.equal(tm.isBusy('a'), false);
  });

  it('a stuck task does not hold up the other environments (scheduled runs of b keep running)', async () => {
    started(tm.start(spec('a', stuckWork([]))));
    const done: string[] = [];
    for (let i = 0; i < 5; i++) {
      const o = started(tm.start(spec('b', async () => ({ summary: `run ${i}` }))));
      done.push((await o.done).status);
      await clock.tick(MIN);
    }
    assert.deepEqual(done, ['succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded']);
    assert.equal(tm.isBusy('a'), true, 'a is still held by its (stuck) task until someone cancels it');
  });
});
