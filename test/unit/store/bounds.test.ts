// History stays bounded (lines per task, tasks, age, total lines) without losing what matters:
// running tasks, the start and the end of a log, and a marker saying what was dropped.
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { headLines } from '../../../src/extension/core/store/logTrim';
import { manualClock, openStore, removeTempDirs, sleep, sqlite3, task, tempDir } from './helpers';

const DAY = 86_400_000;

describe('store: bounded history', function () {
  this.timeout(20_000); // the first open compiles the WASM; the CI box may be busy
  afterEach(removeTempDirs);

  function checkTrimmedLog(lines: { seq: number; text: string; level: string }[], max: number, appended: number, text = (i: number) => `line ${i}`) {
    const head = headLines(max);
    assert.ok(lines.length <= max, `${lines.length} lines kept, limit ${max}`);
    assert.deepEqual(lines.slice(0, head).map((l) => l.text), Array.from({ length: head }, (_, i) => text(i + 1)), 'the first lines stay');
    const markers = lines.filter((l) => l.text.includes('dropped'));
    assert.equal(markers.length, 1, 'exactly one marker');
    const tail = lines.slice(head + 1);
    assert.equal(lines[head], markers[0], 'the marker sits in the gap');
    assert.equal(tail.at(-1)!.text, text(appended), 'the newest line stays');
    tail.forEach((l, i) => assert.equal(l.seq, tail[0].seq + i, 'the tail has no holes'));
    const dropped = appended - head - tail.length;
    assert.match(markers[0].text, new RegExp(`^… ${dropped} log lines dropped`));
    assert.equal(markers[0].level, 'info', 'the marker is not a warning');
  }

  /**
   * applyBounds goes in batches of a few milliseconds (the host's thread is every extension's):
   * on a busy machine one call may do only part of it, so wait, as the store does, until the
   * backlog is gone and saved.
   */
  async function boundsApplied(store: Awaited<ReturnType<typeof openStore>>['store'], now: number): Promise<void> {
    store.applyBounds(now);
    do {
      await store.flush();
      await new Promise((r) => setImmediate(r));
    } while (store.pendingWrite);
  }

  it('a long log keeps its first lines, its newest lines and one marker with the dropped count', async () => {
    const { store } = await openStore(tempDir(), { bounds: { maxAgeDays: 90, maxTasks: 100, maxLinesPerTask: 100 } });
    const t = store.createTask(task({ status: 'running' }));
    for (let i = 1; i <= 1000; i++) store.appendLog(t.id, i % 10 === 0 ? 'warn' : 'info', `line ${i}`, i);
    const rec = store.getTask(t.id)!;
    const lines = store.logAfter(t.id, 0, 10_000);
    checkTrimmedLog(lines, 100, 1000);
    assert.equal(rec.lastSeq, 1000);
    assert.equal(rec.logCount, lines.length);
    assert.equal(rec.warnings, 100, 'warnings count every warn line appended, dropped ones too');
    await store.dispose();
  });

  it('trims the same way when lines arrive one read at a time', async () => {
    const { store } = await openStore(tempDir(), { bounds: { maxAgeDays: 90, maxTasks: 100, maxLinesPerTask: 50 } });
    const t = store.createTask(task({ status: 'running' }));
    for (let i = 1; i <= 333; i++) {
      store.appendLog(t.id, 'info', `line ${i}`, i);
      assert.ok(store.getTask(t.id)!.logCount <= 50); // each read writes the line before it
    }
    checkTrimmedLog(store.logAfter(t.id, 0, 10_000), 50, 333);
    // A reader following the log with logAfter sees every line it has not seen, in order.
    assert.deepEqual(store.logAfter(t.id, 330, 10).map((l) => l.text), ['line 331', 'line 332', 'line 333']);
    await store.dispose();
  });

  it('maxTasks drops the oldest finished tasks with their logs, never a running or queued one', async () => {
    const dir = tempDir();
    const { store } = await openStore(dir, { bounds: { maxAgeDays: 90, maxTasks: 5, maxLinesPerTask: 100 } });
    const running = [store.createTask(task({ status: 'running' })), store.createTask(task({ status: 'queued' }))];
    const finished = Array.from({ length: 10 }, () => store.createTask(task()));
    for (const t of finished) store.appendLog(t.id, 'info', 'x', 1);
    const cursor = store.changesSince(0).revision;
    store.applyBounds(Date.UTC(2026, 10, 28, 12));
    const left = store.queryTasks({ sort: 'id', limit: 100 }).rows.map((r) => r.id);
    assert.deepEqual(left, [...running.map((r) => r.id), ...finished.slice(5).map((r) => r.id)]);
    assert.equal(store.changesSince(cursor).removed, true, 'readers learn that rows went away');
    await store.flush();
    assert.equal(sqlite3(join(dir, 'tasks.db'), `SELECT count(*) FROM log_lines WHERE task_id <= ${finished[4].id}`), '0');
    await store.dispose();
  });

  it('a large backlog is pruned over several saves, and the file shrinks back', async () => {
    const dir = tempDir();
    const { store, persists } = await openStore(dir, { coalesceMs: 5 });
    for (let i = 0; i < 2500; i++) store.appendLog(store.createTask(task()).id, 'info', `log of task ${i} `.padEnd(400, '-'), i);
    await store.flush();
    const bigFile = persists.at(-1)!.bytes;
    persists.length = 0;
    store.setBounds({ maxAgeDays: 90, maxTasks: 5, maxLinesPerTask: 100 });
    assert.ok(store.queryTasks({}).total > 5, 'one call prunes one slice, not everything at once');
    while (store.pendingWrite) await store.flush();
    assert.equal(store.queryTasks({}).total, 5);
    assert.ok(persists.length >= 2, `${persists.length} saves`);
    const db = join(dir, 'tasks.db');
    assert.equal(sqlite3(db, 'SELECT count(*) FROM tasks'), '5');
    assert.equal(sqlite3(db, 'PRAGMA freelist_count'), '0');
    assert.ok(persists.at(-1)!.bytes < bigFile / 4, `${persists.at(-1)!.bytes} bytes after, ${bigFile} before`);
    await store.dispose();
  });

  it('maxAgeDays drops finished tasks older than the limit, not old running ones', async () => {
    const clock = manualClock();
    const now = clock.now();
    const { store } = await openStore(tempDir(), { clock, bounds: { maxAgeDays: 30, maxTasks: 100, maxLinesPerTask: 100 } });
    const old = store.createTask(task({ queuedAt: now - 40 * DAY, finishedAt: now - 40 * DAY }));
    const recent = store.createTask(task({ queuedAt: now - 40 * DAY, finishedAt: now - 20 * DAY }));
    const stuck = store.createTask(task({ status: 'running', queuedAt: now - 60 * DAY }));
    store.applyBounds(now);
    assert.equal(store.getTask(old.id), undefined);
    assert.ok(store.getTask(recent.id));
    assert.ok(store.getTask(stuck.id));
    await store.dispose();
  });

  it('bounds apply on their own when tasks finish, before the next save', async () => {
    const dir = tempDir();
    const { store, persists } = await openStore(dir, { bounds: { maxAgeDays: 90, maxTasks: 2, maxLinesPerTask: 100 } });
    for (let i = 0; i < 5; i++) store.createTask(task());
    while (persists.length === 0) await sleep(10);
    assert.equal(sqlite3(join(dir, 'tasks.db'), 'SELECT count(*) FROM tasks'), '2');
    await store.dispose();
  });

  it('past maxTotalLogChars the oldest finished logs are cut short; new and running logs stay whole', async () => {
    const budget = 200_000;
    const { store } = await openStore(tempDir(), { bounds: { maxAgeDays: 90, maxTasks: 100, maxLinesPerTask: 500, maxTotalLogChars: budget } });
    const text = (i: number) => `line ${i} `.padEnd(100, '.'); // 300 lines = 30,000 characters per task
    const running = store.createTask(task({ status: 'running' }));
    const done = Array.from({ length: 10 }, () => store.createTask(task()));
    for (const t of [running, ...done]) for (let i = 1; i <= 300; i++) store.appendLog(t.id, 'info', text(i), i);
    await boundsApplied(store, Date.UTC(2026, 10, 28, 12));
    const chars = (id: number) => store.logAfter(id, 0, 10_000).reduce((n, l) => n + l.text.length, 0);
    const total = [running, ...done].reduce((n, t) => n + chars(t.id), 0);
    assert.ok(total <= budget, `${total} characters left, budget ${budget}`);
    assert.equal(store.getTask(running.id)!.logCount, 300, 'the running task keeps its log');
    assert.equal(store.getTask(done[9].id)!.logCount, 300, 'the newest finished task keeps its log');
    assert.ok(store.getTask(done[0].id)!.logCount <= 100, 'the oldest finished task was shortened');
    checkTrimmedLog(store.logAfter(done[0].id, 0, 1000), 100, 300, text);
    await store.dispose();
  });

  it('a log over the text budget is cut once its task finishes, not while it runs', async () => {
    const { store } = await openStore(tempDir(), { bounds: { maxAgeDays: 90, maxTasks: 100, maxLinesPerTask: 500, maxTotalLogChars: 20_000 } });
    const text = (i: number) => `line ${i} `.padEnd(100, '.');
    const t = store.createTask(task({ status: 'running' }));
    for (let i = 1; i <= 300; i++) store.appendLog(t.id, 'info', text(i), i);
    store.applyBounds(Date.UTC(2026, 10, 28, 12));
    assert.equal(store.getTask(t.id)!.logCount, 300);
    store.updateTask(t.id, { status: 'failed', finishedAt: t.queuedAt + 1 });
    await boundsApplied(store, Date.UTC(2026, 10, 28, 12));
    checkTrimmedLog(store.logAfter(t.id, 0, 1000), 100, 300, text);
    await store.dispose();
  });

  it('clearHistory deletes finished tasks matching the filter and says how many', async () => {
    const { store } = await openStore(tempDir());
    const a1 = store.createTask(task({ envId: 'a', queuedAt: 100, finishedAt: 100 }));
    store.createTask(task({ envId: 'a', queuedAt: 300, finishedAt: 300 }));
    store.createTask(task({ envId: 'b', queuedAt: 100, finishedAt: 100 }));
    store.createTask(task({ envId: 'a', status: 'running', queuedAt: 50 }));
    assert.equal(await store.clearHistory({ envIds: ['a'], before: 200 }), 1);
    assert.equal(store.getTask(a1.id), undefined);
    assert.equal(await store.clearHistory(), 2);
    assert.deepEqual(store.queryTasks({}).rows.map((r) => r.status), ['running']);
    await store.dispose();
  });

  it('a large Clear History goes in batches: the window reads meanwhile, and what changes during it stays', async () => {
    const { store } = await openStore(tempDir());
    const at = task().queuedAt; // recent: nothing here is old enough to be pruned meanwhile
    const running = store.createTask(task({ envId: 'a', status: 'running', queuedAt: at }));
    for (let i = 0; i < 3000; i++) {
      const t = store.createTask(task({ envId: i % 2 ? 'a' : 'b', queuedAt: at + i, finishedAt: at + i + 1 }));
      for (let l = 0; l < 5; l++) store.appendLog(t.id, 'info', `line ${l} of task ${i}`, l);
    }
    const b = store.queryTasks({ envIds: ['b'] }).total;
    const clearing = store.clearHistory({ envIds: ['a'] });
    const left = store.queryTasks({ envIds: ['a'] }).total;
    assert.ok(left > 1, `a batch, not all of it, before the event loop turns (${left} left)`);
    // Made while the clear is under way: a new finished task, and the running one finishing.
    const late = store.createTask(task({ envId: 'a', queuedAt: at + 10_000, finishedAt: at + 10_000 }));
    store.updateTask(running.id, { status: 'succeeded', finishedAt: at + 10_001 });
    assert.equal(await clearing, 1500);
    assert.deepEqual(store.queryTasks({ envIds: ['a'] }).rows.map((r) => r.id).sort(), [running.id, late.id].sort());
    assert.equal(store.queryTasks({ envIds: ['b'] }).total, b, 'other environments keep theirs');
    assert.deepEqual(store.logAfter(late.id - 1, 0, 10), [], 'the log lines went with their tasks');
    await store.dispose();
  });

  it('interruptUnfinished turns queued and running tasks into interrupted ones, once', async () => {
    const { store } = await openStore(tempDir());
    const q = store.createTask(task({ status: 'queued' }));
    const r = store.createTask(task({ status: 'running', startedAt: 10 }));
    const ok = store.createTask(task({ status: 'succeeded', finishedAt: 20 }));
    const out = store.interruptUnfinished(999);
    assert.deepEqual(out.map((t) => [t.id, t.status, t.finishedAt]), [[q.id, 'interrupted', 999], [r.id, 'interrupted', 999]]);
    assert.match(out[1].error!, /was running/);
    assert.match(out[0].error!, /waiting to run/);
    assert.deepEqual(store.getTask(ok.id), ok);
    assert.deepEqual(store.interruptUnfinished(1000), []);
    await store.dispose();
  });
});
