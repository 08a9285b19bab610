// The controller's answers to well-formed requests: init, the poll cursor protocol (unchanged vs
// changes, known rows not resent, log lines after a seq, environment list only when it changed),
// getTask, actions and copyLog.
import { strict as assert } from 'node:assert';
import { TaskLogController } from '../../../src/extension/ui/taskLogController';
import type { ChangesReply, HostReply, PollRequest } from '../../../src/shared/protocol';
import { FakeTaskLogSource } from './fakeTaskLogSource';

function recordingLogger() {
  const lines: string[] = [];
  const rec = (m: string) => { lines.push(m); };
  return { lines, logger: { debug: rec, info: rec, warn: rec, error: rec } };
}

describe('TaskLogController', () => {
  let src: FakeTaskLogSource;
  let ctl: TaskLogController;
  let log: ReturnType<typeof recordingLogger>;
  let pollMs = 2000;
  beforeEach(() => {
    src = new FakeTaskLogSource();
    log = recordingLogger();
    pollMs = 2000;
    ctl = new TaskLogController(src, log.logger, { pollMs: () => pollMs, writeClipboard: async (t) => { clipboard = t; } });
  });
  let clipboard = '';

  const poll = (extra: Partial<PollRequest> = {}) => ctl.handle({ type: 'poll', id: 7, cursor: 0, query: { limit: 10 }, ...extra }) as Promise<HostReply>;

  /** A first poll as the webview makes it, then the follow-up fields it would send. */
  async function primed(extra: Partial<PollRequest> = {}) {
    await ctl.handle({ type: 'ready', id: 1 });
    const first = await poll({ refresh: true, ...extra }) as ChangesReply;
    return { first, next: { cursor: first.cursor, known: first.page!.order, envVersion: first.environments?.version, ...extra } };
  }

  it('answers ready with the poll interval and environments', async () => {
    const r = await ctl.handle({ type: 'ready', id: 1 });
    assert.equal(r?.type, 'init');
    assert.deepEqual(r && r.type === 'init' && [r.id, r.pollMs, r.environments.length], [1, 2000, 2]);
  });

  it('replies "unchanged" when nothing changed, and it is tiny', async () => {
    src.addTask(); src.addTask();
    const { first, next } = await primed();
    assert.equal(first.type, 'changes');
    assert.equal(first.page!.rows.length, 2);
    const r = await poll(next);
    assert.deepEqual(r, { type: 'unchanged', id: 7 });
    assert.ok(JSON.stringify(r).length < 40);
  });

  it('resends only rows that changed since the cursor', async () => {
    const a = src.addTask(); src.addTask();
    const { next } = await primed();
    src.update(a.id, { status: 'failed' });
    const r = await poll(next) as ChangesReply;
    assert.equal(r.type, 'changes');
    assert.deepEqual(r.page!.rows.map((t) => [t.id, t.status]), [[a.id, 'failed']]);
    assert.equal(r.page!.order.length, 2);
    assert.equal(r.cursor, src.revision);
  });

  it('re-queries on refresh (new filter) and on removals', async () => {
    src.addTask({ status: 'failed' }); const b = src.addTask();
    const { next } = await primed();
    const f = await poll({ ...next, refresh: true, query: { statuses: ['failed'] } }) as ChangesReply;
    assert.equal(f.page!.total, 1);
    src.remove(b.id);
    const r = await poll(next) as ChangesReply;
    assert.deepEqual(r.page!.order, [1]);
  });

  it('starts over when the cursor is ahead of the store (store recreated)', async () => {
    src.addTask();
    src.appendLog(1, 'info', 'first line of the new store');
    const r = await poll({ cursor: 999, known: [1], selectedTaskId: 1, logAfterSeq: 50 }) as ChangesReply;
    assert.equal(r.cursor, src.revision);
    assert.equal(r.page!.rows.length, 1, 'known rows are resent after a reset');
    assert.deepEqual(r.log!.lines.map((l) => l[3]), ['first line of the new store'], 'and the log from its start');
  });

  it('sends new log lines of the selected task after logAfterSeq, as tuples, in batches', async () => {
    const t = src.addTask({ status: 'running' });
    for (let i = 0; i < 2500; i++) src.appendLog(t.id, i % 2 ? 'info' : 'warn', `line ${i + 1}`);
    const { first, next } = await primed({ selectedTaskId: t.id });
    assert.equal(first.log!.lines.length, 2000);
    assert.equal(first.log!.more, true);
    assert.deepEqual(first.log!.lines[0], [1, 1_700_000_000_000, 2, 'line 1']);
    const r = await poll({ ...next, logAfterSeq: 2000 }) as ChangesReply;
    assert.equal(r.log!.lines.length, 500);
    assert.equal(r.log!.more, false);
    assert.deepEqual(await poll({ ...next, logAfterSeq: 2500 }), { type: 'unchanged', id: 7 });
  });

  it('sends the selected task when it changed (once: not beside its own page row), null when it was deleted', async () => {
    const t = src.addTask({ status: 'running' });
    const { next } = await primed({ selectedTaskId: t.id });
    src.update(t.id, { status: 'succeeded' });
    const onPage = await poll(next) as ChangesReply;
    assert.deepEqual([onPage.selected, onPage.page!.rows.map((r) => r.status)], [undefined, ['succeeded']]);
    src.update(t.id, { status: 'failed' });
    const offPage = await poll({ ...next, cursor: src.revision - 1, query: { kinds: ['prune'] } }) as ChangesReply;
    assert.equal(offPage.selected?.status, 'failed');
    const n2 = { ...next, cursor: src.revision };
    src.remove(t.id);
    assert.equal(((await poll(n2)) as ChangesReply).selected, null);
  });

  it('resends environments only when the list changed, and the poll interval when the setting changed', async () => {
    const { next } = await primed();
    src.envs = [...src.envs, { id: 'x', name: 'X' }];
    const r = await poll(next) as ChangesReply;
    assert.equal(r.environments!.list.length, 3);
    pollMs = 5000;
    const r2 = await poll({ ...next, envVersion: r.environments!.version }) as ChangesReply;
    assert.deepEqual([r2.type, r2.pollMs, r2.environments], ['changes', 5000, undefined]);
  });

  it('answers getTask, runs actions and reports their errors as error replies', async () => {
    const t = src.addTask();
    assert.equal(((await ctl.handle({ type: 'getTask', id: 3, taskId: t.id })) as { task: { id: number } }).task.id, t.id);
    assert.deepEqual(await ctl.handle({ type: 'getTask', id: 3, taskId: 999 }), { type: 'task', id: 3, task: null });
    assert.deepEqual(await ctl.handle({ type: 'action', id: 4, action: 'cancel', taskId: t.id }), { type: 'actionResult', id: 4, ok: true, message: 'Cancelled' });
    const bad = await ctl.handle({ type: 'action', id: 5, action: 'retry', taskId: 999 });
    assert.equal(bad?.type, 'error');
    assert.deepEqual(src.actions, [['cancel', t.id], ['retry', 999]]);
    assert.ok(log.lines.some((l) => l.includes('no task 999')));
  });

  it('copies the whole log filtered by level', async () => {
    const t = src.addTask();
    src.appendLog(t.id, 'debug', 'noise'); src.appendLog(t.id, 'error', 'boom');
    const r = await ctl.handle({ type: 'copyLog', id: 9, taskId: t.id, minLevel: 'info' });
    assert.deepEqual(r, { type: 'actionResult', id: 9, ok: true, message: 'Copied 1 log line' });
    assert.match(clipboard, /\[error\] boom$/);
  });

  it('opens the whole log in an editor when given a way to, instead of calling runAction', async () => {
    const opened: Array<[string, number]> = [];
    const c = new TaskLogController(src, log.logger, { openLogDocument: async (text, id) => { opened.push([text, id]); } });
    const t = src.addTask();
    src.appendLog(t.id, 'debug', 'first'); src.appendLog(t.id, 'info', 'second');
    assert.deepEqual(await c.handle({ type: 'action', id: 2, action: 'openLog', taskId: t.id }), { type: 'actionResult', id: 2, ok: true });
    assert.equal(opened.length, 1);
    assert.match(opened[0][0], /\[debug\] first\n.*\[info\] second$/);
    assert.deepEqual(src.actions, []);
  });

  it('logs a webview log notice and replies nothing', async () => {
    assert.equal(await ctl.handle({ type: 'log', level: 'error', message: 'render failed' }), undefined);
    assert.ok(log.lines.includes('Task Log webview: render failed'));
  });
});
