// The Task Log's text search through the store worker's index (textIndex.ts, textMirror.ts)
// must answer exactly as the LIKE scan it replaces: the same tasks, totals, order and pages.
// Each search is asked twice, of the worker (the index) and of the window's own copy (the
// scan, queryTasks), over generated histories with the awkward cases: LIKE's special
// characters, case outside ASCII, texts that only match across two lines or two fields, short
// texts, logs that were trimmed, summaries that were replaced, tasks pruned and cleared.
import * as assert from 'node:assert/strict';
import { defaultWasmPath, loadSqlJs } from '../../../src/extension/core/store/openTaskStore';
import { prepareSchema } from '../../../src/extension/core/store/schema';
import { SqlRunner } from '../../../src/extension/core/store/sqlRunner';
import type { SqlTaskStore } from '../../../src/extension/core/store/sqlStore';
import { buildWhere } from '../../../src/extension/core/store/taskQuery';
import { TextIndex } from '../../../src/extension/core/store/textIndex';
import { SORT_COLUMNS, type TaskQuery } from '../../../src/shared/model';
import { manualClock, openStore, removeTempDirs, sleep, task, tempDir } from './helpers';

const DAY = 86_400_000;
const WORDS = [
  'adding', 'src/module-7/file-12.ts', 'No space left on device', 'ÉTÉ', 'été', 'straße', 'STRASSE', '\u212Aelvin', 'İstanbul', 'istanbul',
  '100%', 'a_b', 'a%b', 'back\\slash', '😀 done', 'tab\there', 'CamelCase', 'camelcase', 'x', 'xy', 'end-of-line', 'start', '.', '%', '_',
];
const QUERIES = [
  'a', 'A', 'e', 'é', 'É', 'x', 'xy', '%', '_', '\\', '.', '%_', 'a_b', 'a%b', 'A_B', '100%', 'back\\s', 'ss', 'ß', 'k', 'K', '\u212A', 'i̇', 'İ',
  'no space', 'NO SPACE LEFT', 'module-7/file', 'SRC/MODULE', 'file-12.ts', '😀', 'line\nstart', 'end-of-linestart', 'summarypart', 'done.', 'tab\th',
  'camelcase', 'replaced-old', 'replaced-new', 'trimmed-away', 'never-there', 'files, 1',
];

let seed = 7;
const rnd = (n: number) => (seed = (seed * 48271) % 2147483647) % n;
const pick = <T>(xs: readonly T[]) => xs[rnd(xs.length)];
const phrase = () => Array.from({ length: 1 + rnd(4) }, () => pick(WORDS)).join(pick([' ', '', '/', '-']));

/** Tasks with errors, skip reasons, summaries and logs made of WORDS; some split across lines or fields. */
function writeHistory(store: SqlTaskStore, start: number, n: number): number[] {
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    const at = start + i * 3_600_000;
    const parent = i % 3 !== 0 && ids.length ? ids[ids.length - 1] : undefined;
    const t = store.createTask(task({ envId: `env-${i % 3}`, kind: parent ? 'verify' : 'backup', status: 'running', queuedAt: at, startedAt: at, parentId: parent }));
    ids.push(t.id);
    const lines = rnd(12);
    for (let l = 0; l < lines; l++) store.appendLog(t.id, 'info', phrase(), at + l);
    // 'end-of-line' ends one line and 'start' begins the next: never one match.
    if (i % 4 === 0) {
      store.appendLog(t.id, 'info', 'text at the end-of-line', at + 20);
      store.appendLog(t.id, 'info', 'start of the next', at + 21);
    }
    const failed = i % 5 === 0;
    store.updateTask(t.id, {
      status: failed ? 'failed' : i % 7 === 0 ? 'skipped' : 'succeeded',
      finishedAt: at + 1000 + rnd(5000),
      error: failed ? `${phrase()} summary` : null,
      skipReason: i % 7 === 0 ? phrase() : null,
      result: failed ? null : { size: rnd(1e6), summary: i % 6 === 0 ? 'part of a summary' : `${rnd(50)} files, ${phrase()}` },
    });
    // A summary replaced later: only the new one is found.
    if (i % 9 === 0) {
      store.updateTask(t.id, { result: { summary: 'replaced-old' } });
      store.updateTask(t.id, { result: { summary: 'replaced-new' } });
    }
  }
  return ids;
}

function queries(text: string): TaskQuery[] {
  return [
    { text, limit: 50 },
    { text, limit: 7, offset: 7 },
    { text, runs: true, limit: 20 },
    { text, runs: true, limit: 5, offset: 5, sort: 'status' },
    { text, envIds: ['env-1'], sort: pick(SORT_COLUMNS), descending: rnd(2) === 0, limit: 10 },
    { text, statuses: ['failed', 'skipped'], kinds: ['backup'], limit: 1000 },
  ];
}

async function untilIndexed(store: SqlTaskStore): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if ((await store.workerStats())?.index.ready) return;
    await sleep(10);
  }
  throw new Error('the text index was never ready');
}

/**
 * Every query through the index and through the scan: the same page, and the index answered,
 * both ways it can (the matching tasks, and for a text most tasks hold, those that do not match).
 */
async function assertSameAnswers(store: SqlTaskStore, texts: string[]): Promise<void> {
  await untilIndexed(store);
  const ways = new Set<string | undefined>();
  for (const text of texts) {
    for (const q of queries(text)) {
      const byIndex = await store.searchTasks(q);
      const { lastSearch } = (await store.workerStats())!;
      assert.equal(lastSearch.indexed, true, `the index answered ${JSON.stringify(q)}`);
      ways.add(lastSearch.from);
      assert.deepEqual(byIndex, store.queryTasks(q), JSON.stringify(q));
    }
  }
  assert.deepEqual([...ways].sort(), ['hits', 'misses'], 'answered from the matches and from the tasks that do not match');
}

describe('store: text search through the worker\'s index answers as the scan does', function () {
  this.timeout(60_000);
  afterEach(removeTempDirs);

  it('same tasks, totals, order and pages, over LIKE specials, case, non-ASCII, short texts and texts split across lines or fields', async () => {
    const clock = manualClock(Date.UTC(2026, 10, 1));
    const { store } = await openStore(tempDir(), { worker: true, clock, bounds: { maxAgeDays: 1000, maxTasks: 100_000, maxLinesPerTask: 100_000 } });
    writeHistory(store, clock.now() - 10 * DAY, 300);
    // Random parts of what was written, besides the fixed cases.
    const found = (await store.searchTasks({ text: 'e', limit: 1000 })).total;
    assert.ok(found > 100, 'a history with text in it');
    const samples = Array.from({ length: 30 }, () => {
      const w = phrase();
      const from = rnd(w.length);
      return w.slice(from, from + 1 + rnd(12));
    });
    await assertSameAnswers(store, [...QUERIES, ...samples]);
    // Found at all: a text whose only match spans two lines or two fields is not one.
    assert.equal((await store.searchTasks({ text: 'end-of-linestart' })).total, 0);
    assert.ok((await store.searchTasks({ text: 'replaced-new' })).total > 0);
    assert.equal((await store.searchTasks({ text: 'replaced-old' })).total, 0);
    await store.dispose();
  });

  it('after logs are trimmed, tasks pruned and cleared, and lines still buffered, only what is left is found', async () => {
    const clock = manualClock(Date.UTC(2026, 10, 1));
    const { store } = await openStore(tempDir(), { worker: true, clock, bounds: { maxAgeDays: 5, maxTasks: 150, maxLinesPerTask: 30, maxTotalLogChars: 20_000 } });
    await untilIndexed(store);
    const ids = writeHistory(store, clock.now() - 8 * DAY, 250);
    // A long log: its early lines are trimmed away (the first few stay, see logTrim.ts).
    const long = store.createTask(task({ status: 'running', queuedAt: clock.now(), startedAt: clock.now() }));
    for (let l = 0; l < 200; l++) store.appendLog(long.id, 'info', l >= 25 && l < 100 ? `trimmed-away ${l}` : `kept ${l} ${phrase()}`, clock.now() + l);
    store.applyBounds(clock.now()); // by age, by count, and logs over the text budget are shortened
    store.clearHistory({ envIds: ['env-2'], before: clock.now() - 3 * DAY });
    while (store.pendingWrite) await store.flush();
    await untilIndexed(store);
    // Asked once before the line exists: the next search must not reuse that answer.
    assert.equal((await store.searchTasks({ text: 'never-there-before' })).total, 0);
    store.appendLog(ids[ids.length - 1], 'info', 'buffered NEVER-THERE-BEFORE', clock.now()); // not yet in the database
    assert.equal((await store.searchTasks({ text: 'never-there-before' })).total, 1, 'the line written since is found');
    await assertSameAnswers(store, [...QUERIES, 'never-there-before', 'kept 1']);
    assert.equal((await store.searchTasks({ text: 'trimmed-away' })).total, 0, 'trimmed lines are not found');
    assert.equal((await store.searchTasks({ text: 'never-there-before' })).total, 1, 'buffered lines are');
    // A text most tasks hold is answered from the tasks that do not match: a task written after
    // that answer, without the text, must not count as a match when the search is asked again.
    const most = await store.searchTasks({ text: 'e', limit: 1000 });
    assert.equal((await store.workerStats())!.lastSearch.from, 'misses');
    const plain = store.createTask(task({ status: 'running', queuedAt: clock.now() + 1000, startedAt: clock.now() + 1000 }));
    const again = await store.searchTasks({ text: 'e', limit: 1000 });
    assert.equal(again.total, most.total, 'the new task holds no "e"');
    assert.ok(!again.rows.some((r) => r.id === plain.id));
    assert.deepEqual(again, store.queryTasks({ text: 'e', limit: 1000 }));
    await store.dispose();
  });

  it('a search asked while the index is still being built is answered by the scan, the same way', async () => {
    const dir = tempDir();
    const first = await openStore(dir, { bounds: { maxAgeDays: 1000, maxTasks: 100_000, maxLinesPerTask: 100_000 } });
    writeHistory(first.store, Date.now() - 10 * DAY, 400);
    await first.store.dispose();
    const { store } = await openStore(dir, { worker: true, bounds: { maxAgeDays: 1000, maxTasks: 100_000, maxLinesPerTask: 100_000 } });
    // Sent before the worker has even loaded: the build has not begun when it is answered.
    const early = await store.searchTasks({ text: 'module-7', limit: 50 });
    assert.equal((await store.workerStats())!.lastSearch.indexed, false);
    assert.deepEqual(early, store.queryTasks({ text: 'module-7', limit: 50 }));
    assert.ok(early.total > 0);
    await assertSameAnswers(store, ['module-7', 'É', 'e']);
    await store.dispose();
  });
});

describe('store: the text index follows deletes and rebuilds itself', function () {
  this.timeout(60_000);

  /** The worker's set-up without the worker: a database, its runner, the index on it. */
  async function indexed(minDeadChars: number) {
    const SQL = await loadSqlJs(defaultWasmPath());
    const db = new SQL.Database();
    prepareSchema(db);
    const sql = new SqlRunner(db);
    const index = new TextIndex(db, sql, { minDeadChars, idleMs: 5 });
    const like = (text: string) =>
      sql.rows(`SELECT id FROM tasks ${buildWhere({ text }).sql} ORDER BY id`, buildWhere({ text }).params).map((r) => r[0] as number);
    const byIndex = (text: string) => index.matching(text)?.sort((a, b) => a - b);
    return { db, sql, index, like, byIndex };
  }

  const addTask = (sql: SqlRunner, id: number, lines: string[], summary: string | null) => {
    sql.run("INSERT INTO tasks (id, env_id, kind, trigger, status, queued_at, summary, revision) VALUES (?, 'e', 'backup', 'manual', 'succeeded', 1, ?, 1)", [id, summary]);
    lines.forEach((l, i) => sql.run('INSERT INTO log_lines (task_id, seq, time, level, text) VALUES (?, ?, 0, ?, ?)', [id, i + 1, 'info', l]));
  };

  it('after trims, replaced summaries and deleted tasks, and after the rebuild they cause, it finds what LIKE finds', async () => {
    const { sql, index, like, byIndex } = await indexed(100);
    while (!index.stats().ready) await sleep(5);
    for (let id = 1; id <= 60; id++) addTask(sql, id, Array.from({ length: 20 }, (_, l) => `task ${id} line ${l} ${l % 2 ? 'Odd' : 'even'}`), `summary ${id}`);
    index.afterWrites();
    // Trim, as sqlStore.ts does it: lines 3-15 of every third task go, a marker comes, the task
    // counts what was dropped; in the same batch as more lines.
    for (let id = 3; id <= 60; id += 3) {
      sql.run('DELETE FROM log_lines WHERE task_id = ? AND seq BETWEEN 3 AND 15', [id]);
      sql.run('INSERT INTO log_lines (task_id, seq, time, level, text) VALUES (?, 21, 0, ?, ?)', [id, 'info', `marker of ${id}`]);
      sql.run('UPDATE tasks SET dropped_lines = 13, marker_seq = 21 WHERE id = ?', [id]);
      sql.run('INSERT INTO log_lines (task_id, seq, time, level, text) VALUES (?, 22, 0, ?, ?)', [id, 'info', `after the trim ${id}`]);
    }
    sql.run("UPDATE tasks SET summary = 'replaced ' || id WHERE id % 5 = 0", []);
    sql.run('DELETE FROM log_lines WHERE task_id > 50', []);
    sql.run('DELETE FROM tasks WHERE id > 50', []);
    index.afterWrites();
    const texts = ['line 4 ', 'line 14 odd', 'marker of', 'after the trim', 'summary 10', 'replaced', 'task 55', 'task 3 line 1', 'ODD', 'e'];
    for (const t of texts) assert.deepEqual(byIndex(t), like(t), t);
    // More gone than left: it rebuilds from the database once writes pause, scanning meanwhile.
    sql.run('DELETE FROM log_lines WHERE task_id > 5', []);
    sql.run('DELETE FROM tasks WHERE id > 5', []);
    const builds = index.stats().builds;
    index.afterWrites();
    while (index.stats().builds === builds) await sleep(5);
    assert.ok(index.stats().deadChars < 100, 'the rebuilt index holds no gone texts');
    for (const t of texts) assert.deepEqual(byIndex(t), like(t), t);
    assert.deepEqual(byIndex('task 3 line 1'), [3]);
    index.close();
  });
});
