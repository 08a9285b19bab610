// followRun (what a `backup` VS Code task's terminal shows) over a real TaskManager: the run's log
// lines in order, the exit code as the outcome, "busy" refused with nothing started, and closing
// the terminal cancelling the backup.
import * as assert from 'node:assert/strict';
import type { TaskResult } from '../../../src/shared/model';
import type { CommandOutcome } from '../../../src/extension/core/backups';
import { systemClock, silentLogger, type TaskContext } from '../../../src/extension/core/ports';
import { EXIT, followRun } from '../../../src/extension/core/tasks/followRun';
import { TaskManager } from '../../../src/extension/core/tasks/taskManager';
import { MemoryStore } from '../fakes/memoryStore';

describe('followRun', () => {
  let store: MemoryStore;
  let tm: TaskManager;
  let work: (ctx: TaskContext) => Promise<TaskResult>;
  let verifyWork: ((ctx: TaskContext) => Promise<TaskResult>) | undefined;

  const backups = () => ({
    reader: store,
    onDidChangeTask: tm.onDidChangeTask,
    cancel: async (id: number) => tm.cancel(id),
    busyWith: (envId: string) => tm.busyWith(envId),
    runNow: async (envId: string): Promise<CommandOutcome> => {
      const followUps = () => (verifyWork ? [{ envId, kind: 'verify' as const, trigger: 'manual' as const, work: verifyWork }] : []);
      const o = tm.start({ envId, kind: 'backup', trigger: 'manual', work: (ctx) => work(ctx), followUps });
      return o.kind === 'busy' ? { kind: 'busy', busyWithId: o.busyWith.id, message: `${envId} is busy with task #${o.busyWith.id}` } : { kind: o.kind, taskId: o.task.id };
    },
  });

  function hooks(signal?: AbortSignal) {
    const seen: string[] = [];
    return {
      seen,
      hooks: {
        signal,
        started: (id: number) => seen.push(`started #${id}`),
        log: (l: { text: string }) => seen.push(l.text),
        refused: (m: string) => seen.push(`refused: ${m}`),
        finished: (t: { kind: string; status: string }) => seen.push(`finished ${t.kind} ${t.status}`),
        followUp: (id: number, kind: string) => seen.push(`then ${kind} #${id}`),
      },
    };
  }

  beforeEach(() => {
    verifyWork = undefined;
    store = new MemoryStore();
    tm = new TaskManager({ store, clock: systemClock, logger: silentLogger });
  });
  afterEach(() => tm.dispose());

  it('shows every log line, then the outcome; exit 0 for a backup that succeeds', async () => {
    work = async (ctx) => {
      for (let i = 1; i <= 1200; i++) ctx.log('info', `line ${i}`);
      await new Promise((r) => setTimeout(r, 700)); // longer than a log tick
      ctx.log('info', 'last line');
      return { archivePath: '/tmp/x.tar.gz' };
    };
    const h = hooks();
    assert.equal(await followRun(backups(), 'docs', h.hooks), EXIT.succeeded);
    assert.equal(h.seen[0], 'started #1');
    assert.deepEqual(h.seen.slice(1, -1), [...Array.from({ length: 1200 }, (_, i) => `line ${i + 1}`), 'last line']);
    assert.equal(h.seen.at(-1), 'finished backup succeeded');
  });

  it('follows the good backup\'s verify: a verify that fails makes the run exit 1', async () => {
    work = async (ctx) => {
      ctx.log('info', 'archived');
      return { archivePath: '/tmp/x.tar.gz' };
    };
    verifyWork = async (ctx) => {
      ctx.log('info', 'reading the archive back');
      throw new Error('checksum mismatch');
    };
    const h = hooks();
    assert.equal(await followRun(backups(), 'docs', h.hooks), EXIT.failed);
    assert.deepEqual(h.seen, ['started #1', 'archived', 'finished backup succeeded', 'then verify #2', 'reading the archive back', 'checksum mismatch', 'finished verify failed']);
    verifyWork = async () => ({ summary: 'ok' });
    assert.equal(await followRun(backups(), 'docs', hooks().hooks), EXIT.succeeded);
  });

  it('exit 1 for a backup that fails, with its error logged', async () => {
    work = async () => {
      throw new Error('tar: exit code 2');
    };
    const h = hooks();
    assert.equal(await followRun(backups(), 'docs', h.hooks), EXIT.failed);
    assert.ok(h.seen.includes('tar: exit code 2'));
  });

  it('exit 3 and nothing started when the environment is busy', async () => {
    let release!: () => void;
    work = () => new Promise((r) => (release = () => r({})));
    const first = hooks();
    const running = followRun(backups(), 'docs', first.hooks);
    await new Promise((r) => setTimeout(r, 10));
    const second = hooks();
    assert.equal(await followRun(backups(), 'docs', second.hooks), EXIT.refused);
    assert.deepEqual(second.seen, ['refused: docs is busy with task #1']);
    assert.equal(store.tasks.size, 1);
    release();
    assert.equal(await running, EXIT.succeeded);
  });

  it('closing the terminal (abort) cancels the backup: exit 2, the task is cancelled', async () => {
    work = (ctx) => new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)));
    const stop = new AbortController();
    const h = hooks(stop.signal);
    const code = followRun(backups(), 'docs', h.hooks);
    await new Promise((r) => setTimeout(r, 20));
    stop.abort();
    assert.equal(await code, EXIT.cancelled);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(store.getTask(1)?.status, 'cancelled');
  });
});
