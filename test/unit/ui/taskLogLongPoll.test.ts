// Long polling in the Task Log controller: a poll that finds nothing new is held until a change
// or the end of the poll interval, a newer poll or a hidden panel releases it at once, and new log
// lines of a running selected task (which come without an event) still end the hold.
import { strict as assert } from 'node:assert';
import * as FakeTimers from '@sinonjs/fake-timers';
import { TaskLogController } from '../../../src/extension/ui/taskLogController';
import { Emitter } from '../../../src/extension/core/util/emitter';
import type { ChangesReply, HostReply, PollRequest } from '../../../src/shared/protocol';
import { FakeTaskLogSource } from './fakeTaskLogSource';

class EventfulSource extends FakeTaskLogSource {
  readonly changed = new Emitter<void>();
  onDidChange(listener: () => void) {
    return this.changed.event(listener);
  }
}

function changes(r: HostReply | undefined): ChangesReply {
  assert.equal(r?.type, 'changes', `expected changes, got ${JSON.stringify(r)}`);
  return r as ChangesReply;
}

const silent = { debug() {}, info() {}, warn() {}, error() {} };

describe('TaskLogController long polling', () => {
  let clock: ReturnType<typeof FakeTimers.install>;
  let src: EventfulSource;
  let ctl: TaskLogController;

  beforeEach(() => {
    clock = FakeTimers.install({ now: 1_800_000_000_000, toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    src = new EventfulSource();
    ctl = new TaskLogController(src, silent, { pollMs: () => 2000 });
  });
  afterEach(() => clock.uninstall());

  /** Starts a poll and records when (fake time) its reply came. */
  function start(extra: Partial<PollRequest>) {
    const began = Date.now();
    const out: { reply?: HostReply; after?: number } = {};
    void (ctl.handle({ type: 'poll', id: 9, cursor: 0, query: { limit: 10 }, ...extra }) as Promise<HostReply>).then((r) => {
      out.reply = r;
      out.after = Date.now() - began;
    });
    return out;
  }

  async function primed(extra: Partial<PollRequest> = {}): Promise<Partial<PollRequest>> {
    await ctl.handle({ type: 'ready', id: 1 });
    const first = (await ctl.handle({ type: 'poll', id: 2, cursor: 0, query: { limit: 10 }, refresh: true, ...extra })) as ChangesReply;
    return { cursor: first.cursor, known: first.page!.order, envVersion: first.environments?.version, ...extra };
  }

  it('holds an idle poll for the poll interval, then answers "unchanged"', async () => {
    src.addTask();
    const next = await primed();
    const p = start(next);
    await clock.tickAsync(1990);
    assert.equal(p.reply, undefined);
    assert.equal(ctl.heldPolls, 1);
    await clock.tickAsync(20);
    assert.deepEqual(p.reply, { type: 'unchanged', id: 9 });
    assert.equal(p.after, 2000);
    assert.equal(ctl.heldPolls, 0);
  });

  it('answers a held poll as soon as a task changes, with the change', async () => {
    const t = src.addTask({ status: 'running', finishedAt: null });
    const next = await primed();
    const p = start(next);
    await clock.tickAsync(700);
    src.update(t.id, { status: 'succeeded', finishedAt: Date.now() });
    src.changed.fire();
    await clock.tickAsync(50);
    const r = p.reply as ChangesReply;
    assert.equal(r.type, 'changes');
    assert.deepEqual(r.page!.rows.map((x) => [x.id, x.status]), [[t.id, 'succeeded']]);
    assert.ok(p.after! - 700 <= 20, `answered ${p.after! - 700} ms after the change`);
  });

  it('a new or started task is answered within 300 ms (with its finish, when it comes first); progress of a task shown running waits for the interval', async () => {
    src.addTask();
    let next = await primed();
    // Created and started: answered 300 ms after the first of them...
    const a = start(next);
    await clock.tickAsync(100);
    const t = src.addTask({ status: 'queued', finishedAt: null, startedAt: null });
    src.changed.fire();
    await clock.tickAsync(50);
    src.update(t.id, { status: 'running', startedAt: Date.now() });
    src.changed.fire();
    await clock.tickAsync(240);
    assert.equal(a.reply, undefined);
    await clock.tickAsync(20);
    assert.deepEqual(changes(a.reply).page!.rows.map((x) => [x.id, x.status]), [[t.id, 'running']]);
    assert.equal(a.after, 400);
    next = { ...next, cursor: changes(a.reply).cursor, known: changes(a.reply).page!.order };
    // ...progress of the task the panel now shows running waits for the end of the interval...
    const b = start(next);
    await clock.tickAsync(500);
    src.update(t.id, { progress: { files: 10 } });
    src.changed.fire();
    await clock.tickAsync(1000);
    assert.equal(b.reply, undefined);
    // ...and its finish goes out at once.
    src.update(t.id, { status: 'succeeded', finishedAt: Date.now() });
    src.changed.fire();
    await clock.tickAsync(10);
    assert.deepEqual(changes(b.reply).page!.rows.map((x) => [x.id, x.status]), [[t.id, 'succeeded']]);
    assert.equal(b.after, 1505);
    // A quick task that finishes within the 300 ms goes out once, already finished.
    next = { ...next, cursor: changes(b.reply).cursor, known: changes(b.reply).page!.order };
    const c = start(next);
    const q = src.addTask({ status: 'running', finishedAt: null });
    src.changed.fire();
    await clock.tickAsync(120);
    src.update(q.id, { status: 'succeeded', finishedAt: Date.now() });
    src.changed.fire();
    await clock.tickAsync(10);
    assert.deepEqual(changes(c.reply).page!.rows.map((x) => [x.id, x.status]), [[q.id, 'succeeded']]);
  });

  it('progress of a running task the page does not show wakes a held poll once, then waits for the interval', async () => {
    src.addTask({ status: 'succeeded', envId: 'shown' });
    let next = await primed({ query: { limit: 10, envIds: ['shown'] } });
    // A task starts that the filtered page does not show: the news goes out soon...
    const a = start(next);
    const hidden = src.addTask({ status: 'running', finishedAt: null, envId: 'other' });
    src.changed.fire();
    await clock.tickAsync(310);
    assert.ok(a.reply, 'answered within 300 ms');
    next = { ...next, cursor: changes(a.reply).cursor };
    // ...its later progress ticks do not turn every held poll into a reply.
    const b = start(next);
    for (let i = 2; i < 8; i++) {
      await clock.tickAsync(250);
      src.update(hidden.id, { progress: { files: i } });
      src.changed.fire();
    }
    assert.equal(b.reply, undefined, 'still held after 1.5 s of progress');
    await clock.tickAsync(600);
    assert.equal(b.after, 2000);
  });

  it('a newer poll and a hidden panel release held polls at once', async () => {
    src.addTask();
    const next = await primed();
    const a = start(next);
    await clock.tickAsync(100);
    const b = start(next);
    await clock.tickAsync(0);
    assert.deepEqual(a.reply, { type: 'unchanged', id: 9 });
    assert.equal(a.after, 100);
    assert.equal(b.reply, undefined);
    ctl.releaseHeldPolls();
    await clock.tickAsync(0);
    assert.deepEqual(b.reply, { type: 'unchanged', id: 9 });
    assert.equal(ctl.heldPolls, 0);
  });

  it('ends the hold when the running selected task logs a line (no event), within a recheck', async () => {
    const t = src.addTask({ status: 'running', finishedAt: null });
    const next = await primed({ selectedTaskId: t.id, logAfterSeq: 0 });
    const p = start({ ...next, cursor: src.revision });
    await clock.tickAsync(600);
    src.logs.set(t.id, [{ taskId: t.id, seq: 1, time: Date.now(), level: 'info', text: 'adding a.txt' }]);
    await clock.tickAsync(260);
    const r = p.reply as ChangesReply;
    assert.equal(r?.type, 'changes');
    assert.deepEqual(r.log!.lines.map((l) => l[3]), ['adding a.txt']);
    assert.ok(p.after! <= 600 + 250);
  });

  it('without a change event (no onDidChange) answers at once, as before', async () => {
    const plain = new TaskLogController(new FakeTaskLogSource(), silent, { pollMs: () => 2000 });
    await plain.handle({ type: 'ready', id: 1 });
    const first = (await plain.handle({ type: 'poll', id: 2, cursor: 0, query: {}, refresh: true })) as ChangesReply;
    const r = await plain.handle({ type: 'poll', id: 3, cursor: first.cursor, query: {}, envVersion: first.environments?.version });
    assert.deepEqual(r, { type: 'unchanged', id: 3 });
  });
});
