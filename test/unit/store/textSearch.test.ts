// The Task Log's text search goes through a trigram index (textIndex.ts) and must still find
// exactly what a plain LIKE '%text%' finds: any part of a word or a path, ASCII case ignored, %
// and _ literal, in the error, skip reason, summary and log lines, for running tasks too.
import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import initSqlJs from 'sql.js';
import { MIGRATIONS } from '../../../src/extension/core/store/schema';
import type { SqlTaskStore } from '../../../src/extension/core/store/sqlStore';
import { matchExpression } from '../../../src/extension/core/store/textIndex';
import { openStore, removeTempDirs, sqlite3, task, tempDir } from './helpers';

/** What LIKE '%q%' ESCAPE matches in SQLite: a substring, A-Z folded to a-z and nothing else. */
const fold = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
const contains = (text: string | null | undefined, q: string) => !!text && fold(text).includes(fold(q));

const TEXTS = [
  '/home/Ana/src/app/main.ts',
  'C:\\Users\\Bob\\My Documents\\report_2024%final.docx',
  'tar: exit code 2: No space left on device',
  'restic: Fatal: unable to open config file: Stat: stat /mnt/backup/config: no such file or directory',
  'Ünïcödé файл 日本語のファイル名 Éte été',
  'adding src/module-17/file-12345.ts (4567 bytes) ........',
  '100% done, 0 errors, a_b%c and a%b_c',
  'node_modules/@types/node/index.d.ts',
  'emoji 😀 in a name: 😀😀.txt',
  'MixedCase/PATH/With-Dashes_and.dots',
];

const QUERIES = [
  'main.ts', '/src/app', 'ANA/SRC', 'report_2024', '2024%f', '%', '_', 'a_b%c', 'a%b_c', 'b_c', 'no space', 'NO SPACE LEFT', 'config: no such',
  'файл', 'ФАЙЛ', '日本語', 'ファイル', 'été', 'ÉTÉ', 'Éte', 'module-17/file', 'file-12345.ts', '4567 bytes', '........', '@types/node', 'index.d',
  '😀', '😀.t', 'with-dashes_AND', 'dots', 'xyz-not-there', 'ts', 'a', '%%', 'C:\\Users', '\\Bob\\', 'docx', 'exit code 2', 'exit code 3',
];

interface Seeded {
  store: SqlTaskStore;
  /** Every text of every task, by id, kept as the test changes them. */
  texts: Map<number, string[]>;
  parents: Map<number, number | null>;
}

async function seed(): Promise<Seeded & { dir: string }> {
  const dir = tempDir();
  const { store } = await openStore(dir, { bounds: { maxAgeDays: 100_000, maxTasks: 100_000, maxLinesPerTask: 100_000, maxTotalLogChars: 1e9 } });
  const texts = new Map<number, string[]>();
  const parents = new Map<number, number | null>();
  for (let i = 0; i < 60; i++) {
    const pick = (k: number) => TEXTS[(i * 7 + k) % TEXTS.length];
    const status = i % 6 === 0 ? 'running' : i % 5 === 0 ? 'failed' : 'succeeded';
    const head = [...texts.keys()].filter((id) => parents.get(id) === null).at(-1);
    const parentId = i % 4 === 3 && head !== undefined ? head : undefined;
    const t = store.createTask(task({ envId: `env-${i % 3}`, kind: parentId ? 'verify' : 'backup', status, parentId, queuedAt: 1000 + i, error: status === 'failed' ? pick(1) : null }));
    const mine: string[] = status === 'failed' ? [pick(1)] : [];
    if (i % 3 === 0) {
      store.updateTask(t.id, { result: { summary: `${pick(2)} (${i})` } });
      mine.push(`${pick(2)} (${i})`);
    }
    for (let j = 0; j < i % 4; j++) {
      const line = `${j}: ${pick(3 + j)}`;
      store.appendLog(t.id, j === 1 ? 'warn' : 'info', line, 2000 + j);
      mine.push(line);
    }
    texts.set(t.id, mine);
    parents.set(t.id, parentId ?? null);
  }
  return { store, texts, parents, dir };
}

function expectSame(s: Seeded, queries = QUERIES): void {
  for (const asked of queries) {
    const q = asked.trim(); // the store trims the search text
    const want = [...s.texts].filter(([, ts]) => ts.some((t) => contains(t, q))).map(([id]) => id).sort((a, b) => a - b);
    const page = s.store.queryTasks({ text: q, limit: 1000 });
    assert.deepEqual(page.rows.map((r) => r.id).sort((a, b) => a - b), want, `tasks for ${JSON.stringify(q)}`);
    assert.equal(page.total, want.length, `total for ${JSON.stringify(q)}`);
    // Runs: a run matches when any of its tasks does.
    const runs = [...new Set(want.map((id) => s.parents.get(id) ?? id))].sort((a, b) => a - b);
    const runPage = s.store.queryTasks({ text: q, runs: true, limit: 1000 });
    assert.deepEqual(runPage.rows.map((r) => r.id).sort((a, b) => a - b), runs, `runs for ${JSON.stringify(q)}`);
  }
}

describe('store: text search through the trigram index', function () {
  this.timeout(20_000);
  afterEach(removeTempDirs);

  it('finds what LIKE finds: substrings, paths, case, % and _, unicode, running tasks', async () => {
    const s = await seed();
    expectSame(s);
    // Every substring of some texts, so nothing depends on the hand-picked queries.
    const subs = new Set<string>();
    for (const t of TEXTS.map((x) => Array.from(x))) for (let i = 0; i < t.length; i += 3) for (const n of [3, 4, 7, 12]) subs.add(t.slice(i, i + n).join('').toUpperCase());
    expectSame(s, [...subs].filter((q) => q.trim()));
    await s.store.dispose();
  });

  it('follows changes: a new summary or error, late log lines, a running task that finishes', async () => {
    const s = await seed();
    const [first] = [...s.texts.keys()];
    s.store.updateTask(first, { result: { summary: 'Quartz-Lattice summary' }, error: 'zebra_crossing%' });
    s.texts.set(first, [...s.texts.get(first)!.filter((t) => !t.includes('(0)')), 'Quartz-Lattice summary', 'zebra_crossing%']);
    const running = [...s.texts.keys()].find((id) => s.store.getTask(id)!.status === 'running')!;
    s.store.appendLog(running, 'info', 'walked /srv/Quokka/data', 5000);
    s.texts.get(running)!.push('walked /srv/Quokka/data');
    expectSame(s, ['quartz-lattice', 'zebra_crossing%', 'quokka/da', 'Lattice sum']);
    s.store.updateTask(running, { status: 'succeeded', finishedAt: 6000 });
    const done = [...s.texts.keys()].find((id) => id !== first && s.store.getTask(id)!.status === 'succeeded')!;
    s.store.appendLog(done, 'info', 'late line: Yak-Shaving', 7000);
    s.texts.get(done)!.push('late line: Yak-Shaving');
    expectSame(s, ['quokka/da', 'yak-shav', 'late line', ...QUERIES]);
    await s.store.dispose();
  });

  it('forgets pruned and cleared tasks, also after reopening', async () => {
    const s = await seed();
    const ids = [...s.texts.keys()];
    s.store.clearHistory({ envIds: ['env-1'] });
    for (const id of ids) if (!s.store.getTask(id)) s.texts.delete(id);
    s.store.setBounds({ maxAgeDays: 100_000, maxTasks: 20, maxLinesPerTask: 100_000, maxTotalLogChars: 1e9 });
    while (s.store.pendingWrite) await s.store.flush();
    for (const id of [...s.texts.keys()]) if (!s.store.getTask(id)) s.texts.delete(id);
    assert.ok(s.texts.size < ids.length - 20);
    for (const id of s.texts.keys()) s.parents.set(id, s.store.getTask(id)!.parentId ?? null); // a follow-up whose backup went is a run of its own
    expectSame(s);
    await s.store.dispose();
    // The index is in the file: the sqlite3 CLI sees one row per finished task left.
    const db = join(s.dir, 'tasks.db');
    assert.equal(sqlite3(db, "SELECT count(*) FROM task_text"), sqlite3(db, "SELECT count(*) FROM tasks WHERE status NOT IN ('queued', 'running')"));
    const { store } = await openStore(s.dir, { bounds: { maxAgeDays: 100_000, maxTasks: 20, maxLinesPerTask: 100_000, maxTotalLogChars: 1e9 } });
    expectSame({ ...s, store });
    await store.dispose();
  });

  it('a history from before the index (schema 2, older than 4) is searched right at once and indexed over the next saves', async () => {
    const SQL = await initSqlJs();
    const db = new SQL.Database();
    db.exec(`PRAGMA page_size = 16384; PRAGMA auto_vacuum = INCREMENTAL; ${MIGRATIONS[0]}; ${MIGRATIONS[1]}; PRAGMA user_version = 2`);
    const texts = new Map<number, string[]>();
    const parents = new Map<number, number | null>();
    for (let id = 1; id <= 450; id++) {
      const error = id % 3 === 0 ? TEXTS[id % TEXTS.length] : null;
      db.run("INSERT INTO tasks (id, env_id, kind, trigger, status, queued_at, error, revision, run_status, log_count, last_seq) VALUES (?, 'e', 'backup', 'manual', ?, ?, ?, ?, 'succeeded', 1, 1)", [id, error ? 'failed' : 'succeeded', Date.UTC(2026, 10, 28) + id, error, id]);
      const line = `${id}: ${TEXTS[(id * 3) % TEXTS.length]}`;
      db.run("INSERT INTO log_lines (task_id, seq, time, level, text) VALUES (?, 1, ?, 'info', ?)", [id, id, line]);
      texts.set(id, error ? [error, line] : [line]);
      parents.set(id, null);
    }
    const dir = tempDir();
    writeFileSync(join(dir, 'tasks.db'), db.export());
    db.close();
    const { store, warnings } = await openStore(dir);
    assert.deepEqual(warnings, []);
    assert.equal(store.queryTasks({}).total, 450);
    const s = { store, texts, parents };
    expectSame(s); // nothing indexed yet: the old tasks are scanned
    store.markDirty();
    await store.flush(); // one slice indexed
    expectSame(s);
    while (store.pendingWrite) await store.flush();
    await store.dispose();
    const file = join(dir, 'tasks.db');
    assert.equal(sqlite3(file, "SELECT value FROM meta WHERE key = 'text_unindexed_max'"), '0');
    assert.equal(sqlite3(file, 'SELECT count(*) FROM task_text'), '450');
    const reopened = await openStore(dir);
    expectSame({ ...s, store: reopened.store });
    await reopened.store.dispose();
  });

  it('too short a text has no trigram and is scanned; a long one asks for a bounded number', () => {
    assert.equal(matchExpression('ab'), undefined);
    assert.equal(matchExpression('abc'), 'abc');
    assert.ok(matchExpression('x'.repeat(3) + 'abcdefghijklmnopqrstuvwxyz0123456789')!.split(' ').length <= 16);
  });
});
