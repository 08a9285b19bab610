import * as assert from 'node:assert/strict';
import type { TaskResult } from '../../../src/shared/model';
import type { TaskContext } from '../../../src/extension/core/ports';
import { silentLogger, systemClock } from '../../../src/extension/core/ports';
import { TaskManager, type TaskSpec } from '../../../src/extension/core/tasks/taskManager';
import { MemoryStore } from '../fakes/memoryStore';

/** Work that runs until released (or aborted), so a test controls when a task ends. */
function gate() {
  let release!: (r?: TaskResult) => void;
  let fail!: (e: Error) => void;
  const started = { value: false };
  const work = (ctx: TaskContext) =>
    new Promise<TaskResult>((resolve, reject) => {
      started.value = true;
      release = (r) => resolve(r ?? { summary: 'ok' });
      fail = reject;
      ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason));
    });
  return { work, release: (r?: TaskResult) => release(r), fail: (e: Error) => fail(e), started };
}

const spec = (envId: string, trigger: TaskSpec['trigger'], work: TaskSpec['work'], extra: Partial<TaskSpec> = {}): TaskSpec => ({ envId, kind: 'backup', trigger, work, ...extra });

describe('TaskManager', () => {
  let store: MemoryStore;
  let tm: TaskManager;
  beforeEach(() => {
    store = new MemoryStore();
    tm = new TaskManager({ store, clock: systemClock, logger: silentLogger, progressIntervalMs: 50 });
  });

  it('runs a task to success and records its times and result', async () => {
    const out = tm.start(spec('a', 'manual', async (ctx) => {
      ctx.log('info', 'working');
      return { archivePath: '/x.tar.gz', size: 10 };
    }));
    assert.equal(out.kind, 'started');
    const t = await (out as { done: Promise<import('../../../src/shared/model').TaskRecord> }).done;
    assert.equal(t.status, 'succeeded');
    assert.deepEqual(t.result, { archivePath: '/x.tar.gz', size: 10 });
    assert.ok(t.startedAt! <= t.finishedAt!);
    assert.deepEqual(store.logs.map((l) => l.text), ['working']);
  });

  it('a scheduled run of a busy environment is recorded as skipped with the reason', async () => {
    const g = gate();
    const first = tm.start(spec('a', 'manual', g.work));
    assert.equal(first.kind, 'started');
    const second = tm.start(spec('a', 'scheduled', async () => ({})));
    assert.equal(second.kind, 'busy');
    if (second.kind !== 'busy') return;
    assert.equal(second.skipped?.status, 'skipped');
    assert.match(second.skipped!.skipReason!, /a was busy with task #1 \(backup, running\)/);
    g.release();
  });

  it('a manual run of a busy environment starts nothing and reports busy', () => {
    const g = gate();
    tm.start(spec('a', 'scheduled', g.work));
    const before = store.tasks.size;
    const out = tm.start(spec('a', 'manual', async () => ({})));
    assert.equal(out.kind, 'busy');
    assert.equal(store.tasks.size, before, 'no task recorded');
    g.release();
  });

  it('different environments run in parallel', async () => {
    const a = gate();
    const b = gate();
    assert.equal(tm.start(spec('a', 'scheduled', a.work)).kind, 'started');
    assert.equal(tm.start(spec('b', 'scheduled', b.work)).kind, 'started');
    await new Promise((r) => setImmediate(r));
    assert.ok(a.started.value && b.started.value);
    assert.equal(tm.activeTasks().filter((t) => t.status === 'running').length, 2);
    a.release();
    b.release();
  });

  it('beyond maxParallel, tasks queue and start in order; a queued task can be cancelled', async () => {
    tm = new TaskManager({ store, clock: systemClock, logger: silentLogger, maxParallel: 1 });
    const a = gate();
    const b = gate();
    tm.start(spec('a', 'manual', a.work));
    const qb = tm.start(spec('b', 'manual', b.work));
    const qc = tm.start(spec('c', 'manual', async () => ({})));
    assert.equal(qb.kind, 'queued');
    assert.equal(qc.kind, 'queued');
    if (qc.kind !== 'queued' || qb.kind !== 'queued') return;
    assert.equal(tm.cancel(qc.task.id), true);
    assert.equal((await qc.done).status, 'cancelled');
    a.release();
    await new Promise((r) => setTimeout(r, 10));
    assert.ok(b.started.value);
    b.release();
    assert.equal((await qb.done).status, 'succeeded');
  });

  it('cancel aborts the work and records cancelled; the environment is free again', async () => {
    const g = gate();
    const out = tm.start(spec('a', 'manual', g.work));
    if (out.kind !== 'started') throw new Error(out.kind);
    assert.equal(tm.cancel(out.task.id), true);
    const t = await out.done;
    assert.equal(t.status, 'cancelled');
    assert.equal(tm.isBusy('a'), false);
  });

  it('a timeout aborts the work and fails the task saying so', async () => {
    const g = gate();
    const out = tm.start(spec('a', 'scheduled', g.work, { timeoutMs: 30 }));
    if (out.kind !== 'started') throw new Error(out.kind);
    const t = await out.done;
    assert.equal(t.status, 'failed');
    assert.equal(t.error, 'timed out after 30 ms');
  });

  it('a failing task records the error message as the failure', async () => {
    const out = tm.start(spec('a', 'manual', async () => {
      throw new Error('destination /nope is not writable');
    }));
    if (out.kind !== 'started') throw new Error(out.kind);
    const t = await out.done;
    assert.equal(t.status, 'failed');
    assert.equal(t.error, 'destination /nope is not writable');
    assert.equal(store.logs.at(-1)?.level, 'error');
  });

  it('progress is throttled: many updates make few store writes, the last value wins', async () => {
    const out = tm.start(spec('a', 'manual', async (ctx) => {
      for (let i = 1; i <= 10_000; i++) ctx.progress({ files: i });
      await new Promise((r) => setTimeout(r, 120));
      ctx.progress({ files: 10_001 });
      return {};
    }));
    if (out.kind !== 'started') throw new Error(out.kind);
    const t = await out.done;
    assert.ok(store.updates < 10, `store updates: ${store.updates}`);
    assert.equal(t.progress?.files, 10_001);
  });

  it('follow-up tasks (verify, prune) run after a success while still holding the environment', async () => {
    const order: string[] = [];
    const out = tm.start(spec('a', 'scheduled', async () => (order.push('backup'), { archivePath: '/a' }), {
      followUps: (r) => [
        { envId: 'a', kind: 'verify', trigger: 'scheduled', work: async () => (order.push(`verify ${r.archivePath}`), {}) },
        { envId: 'a', kind: 'prune', trigger: 'scheduled', work: async () => (order.push('prune'), {}) },
      ],
    }));
    const intruder = tm.start(spec('a', 'scheduled', async () => (order.push('intruder'), {})));
    assert.equal(intruder.kind, 'busy');
    if (out.kind !== 'started') throw new Error(out.kind);
    await out.done;
    assert.deepEqual(order, ['backup', 'verify /a', 'prune']);
    assert.deepEqual([...store.tasks.values()].map((t) => `${t.kind}:${t.status}`), ['backup:succeeded', 'backup:skipped', 'verify:succeeded', 'prune:succeeded']);
  });

  it('at start-up, tasks a dead host left running become interrupted', () => {
    store.createTask({ envId: 'a', kind: 'backup', trigger: 'scheduled', status: 'running', queuedAt: 1, startedAt: 1 });
    store.createTask({ envId: 'b', kind: 'backup', trigger: 'manual', status: 'succeeded', queuedAt: 1, finishedAt: 2 });
    const changed: number[] = [];
    tm.onDidChangeTask((t) => changed.push(t.id));
    const r = tm.recoverInterrupted();
    assert.deepEqual(r.map((t) => [t.id, t.status]), [[1, 'interrupted']]);
    assert.deepEqual(changed, [1]);
    assert.equal(store.getTask(2)?.status, 'succeeded');
  });
});
