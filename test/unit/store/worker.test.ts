// The store worker (replica.ts, storeWorker.ts): the extension host's store saves and text-searches
// through a worker thread's copy of the database. What a user must never see: a saved file that
// differs from the history the window shows, a search that answers differently, a lost change
// when the worker dies, or a save by a window that no longer leads.
import * as assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import type { SqlValue } from 'sql.js';
import type { Logger } from '../../../src/extension/core/ports';
import { defaultWasmPath, loadSqlJs } from '../../../src/extension/core/store/openTaskStore';
import { StoreReplica } from '../../../src/extension/core/store/replica';
import { fingerprint, LOG_CHARS_SQL, openSeed, readWithIdentity } from '../../../src/extension/core/store/replicaSeed';
import { MIGRATIONS } from '../../../src/extension/core/store/schema';
import type { SqlTaskStore } from '../../../src/extension/core/store/sqlStore';
import type { TaskQuery } from '../../../src/shared/model';
import { manualClock, openStore, removeTempDirs, sleep, sqlite3, task, tempDir } from './helpers';

const DAY = 86_400_000;

function capturingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, debug() {}, info() {}, warn: (m) => warnings.push(m), error() {} };
}

async function openWithWorker(dir: string, extra: Parameters<typeof openStore>[1] = {}) {
  let worker: Worker | undefined;
  const logger = capturingLogger();
  const opened = await openStore(dir, { worker: true, logger, onWorker: (w) => (worker = w), ...extra });
  return { ...opened, logger, worker: () => worker! };
}

/** A day of a busy history: runs with follow-ups, long logs (trimmed), state, failures. */
function writeMix(store: SqlTaskStore, start: number, n: number): void {
  for (let i = 0; i < n; i++) {
    const at = start + i * 3_600_000;
    const b = store.createTask(task({ envId: `env-${i % 3}`, status: 'running', queuedAt: at, startedAt: at }));
    for (let l = 0; l < 30 + (i % 4) * 20; l++) store.appendLog(b.id, l % 7 === 0 ? 'warn' : 'info', `adding src/module-${i}/file-${l}.ts`, at + l);
    const failed = i % 5 === 0;
    store.updateTask(b.id, { status: failed ? 'failed' : 'succeeded', finishedAt: at + 1000, error: failed ? `No space left on device (${i})` : null, result: failed ? null : { size: i * 1000, summary: `${i} files, 100% done` } });
    if (!failed) {
      const v = store.createTask(task({ envId: b.envId, kind: 'verify', status: 'succeeded', queuedAt: at + 2000, finishedAt: at + 3000, parentId: b.id }));
      store.appendLog(v.id, 'info', `verified archive-${i}.tar.gz`, at + 2500);
    }
    store.setState(`last-${b.envId}`, String(at));
  }
}

/** What the sqlite3 CLI shows of a file: every table's rows and the schema, as text. */
const dump = (dir: string) => sqlite3(join(dir, 'tasks.db'), '.dump');

describe('store: saves and text searches in a worker thread', function () {
  this.timeout(30_000); // the first open compiles the WASM; the CI box may be busy
  afterEach(removeTempDirs);

  it('the file the worker writes holds exactly what the window holds, after writes, prunes and clears', async () => {
    const dir = tempDir();
    const clock = manualClock(Date.UTC(2026, 10, 1));
    const { store, worker, logger } = await openWithWorker(dir, { clock, bounds: { maxAgeDays: 20, maxTasks: 40, maxLinesPerTask: 50, maxTotalLogChars: 40_000 } });
    assert.equal(store.inWorker, true);
    writeMix(store, clock.now() - 30 * DAY, 60);
    store.applyBounds(clock.now()); // prunes by age and count, and shortens old logs past the text budget
    assert.equal((await store.clearHistory({ envIds: ['env-1'], before: clock.now() - 25 * DAY })) >= 0, true);
    writeMix(store, clock.now(), 10);
    await store.clearHistory({ envIds: ['env-2'] });
    while (store.pendingWrite) await store.flush(); // pruning and shortening logs go in batches
    const byWorker = dump(dir);
    assert.equal(store.inWorker, true, 'the worker saved');
    // Now the window's own copy writes the file: the two must be the same history.
    await worker().terminate();
    store.markDirty();
    await store.flush();
    assert.equal(store.inWorker, false);
    assert.equal(logger.warnings.length, 1, logger.warnings.join('\n'));
    assert.equal(dump(dir), byWorker);
    assert.ok(Number(sqlite3(join(dir, 'tasks.db'), 'SELECT count(*) FROM tasks')) > 0, 'not an empty history');
    await store.dispose();
  });

  it('a backlog is pruned in batches on its own, without waiting for a save, and the file the worker writes follows', async () => {
    const dir = tempDir();
    const { store, worker } = await openWithWorker(dir, { coalesceMs: 3_600_000 });
    for (let i = 0; i < 2500; i++) store.appendLog(store.createTask(task()).id, 'info', `log of task ${i} `.padEnd(400, '-'), i);
    await store.flush();
    store.setBounds({ maxAgeDays: 90, maxTasks: 5, maxLinesPerTask: 100 });
    assert.ok(store.queryTasks({}).total > 5, 'one call prunes one batch, not everything at once');
    // No save is due for an hour: the batches follow each other on later turns of the event loop.
    while (store.queryTasks({}).total > 5) await sleep(10);
    while (store.pendingWrite) await store.flush(); // the rest: free pages given back, then saved
    const byWorker = dump(dir);
    assert.equal(sqlite3(join(dir, 'tasks.db'), 'SELECT count(*) FROM tasks'), '5');
    assert.equal(sqlite3(join(dir, 'tasks.db'), 'PRAGMA freelist_count'), '0');
    await worker().terminate();
    store.markDirty();
    await store.flush();
    assert.equal(dump(dir), byWorker, 'the file the window writes itself is the same');
    await store.dispose();
  });

  it('a text search gives the same page as the search in the window', async () => {
    const dir = tempDir();
    const { store } = await openWithWorker(dir);
    writeMix(store, Date.UTC(2026, 10, 1), 40);
    const t = store.createTask(task({ envId: 'late', status: 'running' }));
    store.appendLog(t.id, 'info', 'a line still buffered: 50%_literal', 1); // not yet in the database
    const queries: TaskQuery[] = [
      { text: 'No space left', limit: 5 },
      { text: 'module-17/file-3', limit: 50 }, // only in log lines, part of a path
      { text: 'archive-3', runs: true, limit: 10 }, // in a follow-up's log: the run matches
      { text: '100%', envIds: ['env-1'], sort: 'size', descending: true, offset: 2, limit: 3 },
      { text: '50%_literal' },
      { text: 'nothing like this' },
    ];
    for (const q of queries) {
      const inWorker = await store.searchTasks(q);
      assert.deepEqual(inWorker, store.queryTasks(q), JSON.stringify(q));
    }
    assert.equal((await store.searchTasks({ text: '50%_literal' })).rows[0]?.id, t.id, 'a line appended just before is found');
    assert.equal(store.inWorker, true);
    await store.dispose();
  });

  it('a worker that dies loses nothing: the window saves and searches by itself, with a warning', async () => {
    const dir = tempDir();
    const { store, worker, logger } = await openWithWorker(dir);
    writeMix(store, Date.UTC(2026, 10, 1), 10);
    await store.flush();
    writeMix(store, Date.UTC(2026, 10, 2), 10); // sent to the worker, maybe not yet applied there
    await worker().terminate();
    const late = store.createTask(task({ envId: 'after' }));
    store.appendLog(late.id, 'info', 'written after the worker died', 1);
    assert.equal((await store.searchTasks({ text: 'after the worker died' })).rows[0]?.id, late.id);
    await store.flush();
    assert.equal(store.inWorker, false);
    assert.match(logger.warnings.join('\n'), /store worker stopped.*saved and searched in the extension host's thread/);
    const total = store.queryTasks({}).total;
    assert.equal(sqlite3(join(dir, 'tasks.db'), 'SELECT count(*) FROM tasks'), String(total));
    assert.equal(sqlite3(join(dir, 'tasks.db'), `SELECT text FROM log_lines WHERE task_id = ${late.id}`), 'written after the worker died');
    await store.dispose();
  });

  it('a worker that cannot start leaves the window saving by itself', async () => {
    const dir = tempDir();
    const { store, logger } = await openWithWorker(dir, { workerScript: join(dir, 'no-such-worker.js') });
    store.createTask(task({ envId: 'mail' }));
    await store.flush();
    assert.equal(sqlite3(join(dir, 'tasks.db'), 'SELECT env_id FROM tasks'), 'mail');
    assert.equal(store.inWorker, false);
    assert.match(logger.warnings.join('\n'), /store worker/);
    await store.dispose();
  });

  it('a window that stops leading while the worker writes does not replace tasks.db', async () => {
    const dir = tempDir();
    let asked = 0;
    let leads = true;
    const saveErrors: string[] = [];
    const { store } = await openWithWorker(dir, {
      // The host checks before it asks the worker; the worker asks again right before the rename.
      canPersist: () => {
        asked++;
        return leads || asked === 1;
      },
      onSaveError: (m) => saveErrors.push(m),
    });
    store.createTask(task({ envId: 'before' }));
    await store.flush();
    leads = false;
    asked = 0;
    store.createTask(task({ envId: 'after' }));
    await assert.rejects(store.flush(), /another window leads now/);
    // Once before the host asks the worker, once by the worker right before its rename (refused),
    // once to tell a lost leadership from a failed save.
    assert.equal(asked, 3);
    assert.equal(sqlite3(join(dir, 'tasks.db'), 'SELECT group_concat(env_id) FROM tasks'), 'before');
    assert.deepEqual(readdirSync(dir).filter((n) => n.endsWith('.tmp')), [], 'no temp file left');
    assert.deepEqual(saveErrors, [], 'losing the leadership is not a save error');
    assert.equal(store.inWorker, true);
    store.close();
    assert.ok(existsSync(join(dir, 'tasks.db')));
  });
  it('the worker starts from the file as read and migrates it as the window did: no export on the window\'s thread', async () => {
    const dir = tempDir();
    // A history written by the first release (schema 1), with backups and their verifies.
    sqlite3(join(dir, 'tasks.db'), `PRAGMA page_size = 16384; PRAGMA auto_vacuum = INCREMENTAL; ${MIGRATIONS[0]} PRAGMA user_version = 1;
      INSERT INTO tasks (env_id, kind, trigger, status, queued_at, started_at, finished_at, revision) VALUES
        ('docs', 'backup', 'scheduled', 'succeeded', 1000, 1000, 2000, 1), ('docs', 'verify', 'scheduled', 'succeeded', 3000, 3000, 4000, 2),
        ('mail', 'backup', 'manual', 'failed', 5000, 5000, 6000, 3);
      INSERT INTO log_lines VALUES (1, 1, 1500, 'info', 'adding notes.md'), (3, 1, 5500, 'error', 'No space left on device');
      INSERT INTO meta VALUES ('revision', '3');`);
    const SQL = await loadSqlJs(defaultWasmPath());
    const realExport = SQL.Database.prototype.export;
    let exports = 0;
    SQL.Database.prototype.export = function (this: InstanceType<typeof SQL.Database>) {
      exports++;
      return realExport.call(this);
    };
    let opened: Awaited<ReturnType<typeof openWithWorker>>;
    try {
      opened = await openWithWorker(dir, { bounds: { maxAgeDays: 1_000_000, maxTasks: 5000, maxLinesPerTask: 2000 } }); // the 1970 tasks stay
    } finally {
      SQL.Database.prototype.export = realExport;
    }
    const { store, worker, logger } = opened;
    assert.equal(exports, 0, 'the window did not export its copy to start the worker');
    // Schema 2's columns exist in the worker's copy too: these writes use them.
    writeMix(store, Date.UTC(2026, 10, 1), 8);
    await store.flush();
    const byWorker = dump(dir);
    assert.equal(store.inWorker, true);
    assert.deepEqual(logger.warnings, []);
    assert.equal(sqlite3(join(dir, 'tasks.db'), 'SELECT parent_id FROM tasks WHERE id = 2'), '1', 'the migration linked the old verify in the saved file');
    await worker().terminate();
    store.markDirty();
    await store.flush();
    assert.equal(dump(dir), byWorker, 'the file the window writes itself is the same');
    await store.dispose();
  });

  it('the file\'s integrity is checked and its log text counted in the worker, and a damaged file is moved aside with the worker going on from a new history', async () => {
    const dir = tempDir();
    const first = await openStore(dir);
    for (let i = 0; i < 300; i++) {
      const t = first.store.createTask(task({ error: `error ${i}`.repeat(20) }));
      for (let l = 0; l < 20; l++) first.store.appendLog(t.id, 'info', `line ${l} of ${i} `.padEnd(100, '-'), l);
    }
    await first.store.dispose();
    const logChars = () => Number(sqlite3(join(dir, 'tasks.db'), 'SELECT sum(length(text)) FROM log_lines'));
    assert.ok(logChars() > 500_000);
    const SQL = await loadSqlJs(defaultWasmPath());
    const { exec, prepare } = SQL.Database.prototype;
    const here: string[] = [];
    SQL.Database.prototype.exec = function (this: InstanceType<typeof SQL.Database>, sql: string, params?: SqlValue[]) {
      if (/quick_check/.test(sql)) here.push(sql);
      return exec.call(this, sql, params);
    };
    SQL.Database.prototype.prepare = function (this: InstanceType<typeof SQL.Database>, sql: string, params?: SqlValue[]) {
      if (sql === LOG_CHARS_SQL) here.push(sql);
      return prepare.call(this, sql, params);
    };
    try {
      // A budget the file is over: the window prunes by the worker's count of the log text.
      const healthy = await openWithWorker(dir, { bounds: { maxAgeDays: 90, maxTasks: 5000, maxLinesPerTask: 10, maxTotalLogChars: 400_000 } });
      assert.deepEqual(here, [], 'neither on the window\'s thread');
      assert.equal(healthy.store.queryTasks({}).total, 300);
      while (healthy.store.pendingWrite) await healthy.store.flush();
      assert.ok(logChars() <= 400_000, `${logChars()} characters of log text saved, budget 400,000`);
      assert.equal(healthy.store.inWorker, true);
      await healthy.store.dispose();
    } finally {
      Object.assign(SQL.Database.prototype, { exec, prepare });
    }
    truncateSync(join(dir, 'tasks.db'), Math.floor(statSync(join(dir, 'tasks.db')).size * 0.6));
    const { store, warnings, logger } = await openWithWorker(dir);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /moved to tasks\.db\.corrupt-/);
    assert.equal(store.queryTasks({}).total, 0);
    store.createTask(task({ envId: 'after' }));
    await store.flush();
    assert.equal(store.inWorker, true, 'the worker saved the new history');
    assert.deepEqual(logger.warnings.filter((w) => /store worker/.test(w)), []);
    assert.equal(sqlite3(join(dir, 'tasks.db'), 'SELECT group_concat(env_id) FROM tasks'), 'after');
    await store.dispose();
  });

  describe('a worker whose copy would not start where the window\'s did is not used', () => {
    const startReplica = (start: ConstructorParameters<typeof StoreReplica>[0], expect?: string) =>
      new Promise<string>((resolve) => new StoreReplica(start, { canPersist: () => true, onGone: resolve }).expect(expect ?? ''));

    it('another database than the window\'s', async () => {
      const dir = tempDir();
      const { store } = await openStore(dir);
      store.createTask(task());
      await store.flush();
      const SQL = await loadSqlJs(defaultWasmPath());
      const empty = await openSeed(SQL, { kind: 'new' });
      // The worker reads the file (one task); the window's copy is said to be a new history.
      const lost = await startReplica({ seed: { kind: 'file', path: store.path, identity: (await readWithIdentity(store.path)).identity }, wasmPath: defaultWasmPath() }, fingerprint(empty));
      assert.match(lost, /no longer matches \(it did not start from the same database\)/);
      empty.close();
      await store.dispose();
    });

    it('tasks.db replaced after the window read it', async () => {
      const dir = tempDir();
      const { store } = await openStore(dir);
      store.createTask(task());
      await store.flush();
      const { identity } = await readWithIdentity(store.path);
      store.createTask(task()); // another save (a rename over tasks.db) before the worker reads it
      await store.flush();
      const lost = await startReplica({ seed: { kind: 'file', path: store.path, identity }, wasmPath: defaultWasmPath() });
      assert.match(lost, /tasks\.db changed on disk before the store worker read it/);
      await store.dispose();
    });
  });
});
