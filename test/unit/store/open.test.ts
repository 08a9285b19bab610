// Opening tasks.db in every state a user's disk can hold: none, healthy, older, damaged, foreign.
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import initSqlJs from 'sql.js';
import { MIGRATIONS, prepareSchema, SCHEMA_VERSION, SchemaError } from '../../../src/extension/core/store/schema';
import { openStore, removeTempDirs, sqlite3, task, tempDir } from './helpers';

describe('store: opening tasks.db', function () {
  this.timeout(20_000); // the first open compiles the WASM; the CI box may be busy
  afterEach(removeTempDirs);

  it('creates a file the sqlite3 CLI opens, at the current schema version', async () => {
    const dir = tempDir();
    const { store, warnings } = await openStore(dir);
    assert.deepEqual(warnings, []);
    const t = store.createTask(task());
    store.appendLog(t.id, 'info', 'hello', 1);
    await store.dispose();
    const db = join(dir, 'tasks.db');
    assert.equal(sqlite3(db, 'PRAGMA integrity_check'), 'ok');
    assert.equal(sqlite3(db, 'SELECT count(*) FROM tasks'), '1');
    assert.equal(sqlite3(db, "SELECT text FROM log_lines WHERE task_id = 1"), 'hello');
    assert.equal(sqlite3(db, 'PRAGMA user_version'), String(SCHEMA_VERSION));
    assert.equal(existsSync(`${db}.tmp`), false);
  });

  it('reopens with tasks, log lines, scheduler state and the revision counter intact', async () => {
    const dir = tempDir();
    const a = await openStore(dir);
    const t0 = task().queuedAt;
    const t = a.store.createTask(task({ status: 'running', startedAt: t0 + 5 }));
    a.store.appendLog(t.id, 'warn', 'disk almost full', t0 + 6);
    const done = a.store.updateTask(t.id, { status: 'succeeded', finishedAt: t0 + 9, result: { size: 42, summary: 'one archive' } });
    a.store.setState('lastFire:docs', '123');
    await a.store.dispose();

    const b = await openStore(dir);
    assert.deepEqual(b.warnings, []);
    assert.deepEqual(b.store.getTask(t.id), done);
    assert.equal(done.warnings, 1);
    assert.deepEqual(b.store.logAfter(t.id, 0, 10).map((l) => l.text), ['disk almost full']);
    assert.equal(b.store.getState('lastFire:docs'), '123');
    // A UI cursor taken before the restart stays meaningful: revisions never restart from zero.
    assert.ok(b.store.createTask(task()).revision > done.revision);
    assert.deepEqual(b.persists, [], 'opening a healthy file writes nothing');
    await b.store.dispose();
  });

  it('removes a temp file left by a crash mid-write and keeps tasks.db', async () => {
    const dir = tempDir();
    const a = await openStore(dir);
    a.store.createTask(task());
    await a.store.dispose();
    writeFileSync(join(dir, 'tasks.db.tmp'), 'half a datab');
    writeFileSync(join(dir, 'tasks.db.4242.tmp'), 'another window\'s half');
    const b = await openStore(dir);
    assert.deepEqual(b.warnings, []);
    assert.equal(b.store.queryTasks({}).total, 1);
    assert.equal(existsSync(join(dir, 'tasks.db.tmp')), false);
    assert.equal(existsSync(join(dir, 'tasks.db.4242.tmp')), false);
    await b.store.dispose();
  });

  describe('a bad file is moved aside, a fresh history starts, and opening does not throw', () => {
    /** Each case writes a bad tasks.db into `dir`. */
    const cases: Record<string, (dir: string) => Promise<void> | void> = {
      'garbage bytes': (dir) => writeFileSync(join(dir, 'tasks.db'), Buffer.alloc(9000, 0x5a)),
      'an empty file': (dir) => writeFileSync(join(dir, 'tasks.db'), ''),
      'a truncated file': async (dir) => {
        const s = await openStore(dir);
        for (let i = 0; i < 300; i++) {
          const t = s.store.createTask(task({ error: `error text ${i}`.repeat(20) }));
          for (let j = 0; j < 10; j++) s.store.appendLog(t.id, 'info', `line ${j} of ${i}`.repeat(5), j);
        }
        await s.store.dispose();
        const file = join(dir, 'tasks.db');
        truncateSync(file, Math.floor(statSync(file).size * 0.6));
      },
      'an SQLite file with a different schema': (dir) => void sqlite3(join(dir, 'tasks.db'), 'CREATE TABLE photos (id INTEGER, path TEXT); INSERT INTO photos VALUES (1, "a.jpg");'),
      'our version number but a table missing': async (dir) => {
        const s = await openStore(dir);
        await s.store.dispose();
        sqlite3(join(dir, 'tasks.db'), 'DROP TABLE log_lines');
      },
      'a folder where the file should be': (dir) => mkdirSync(join(dir, 'tasks.db')),
    };

    for (const [name, makeBad] of Object.entries(cases)) {
      it(name, async () => {
        const dir = tempDir();
        await makeBad(dir);
        const badPath = join(dir, 'tasks.db');
        const badBytes = statSync(badPath).isFile() ? readFileSync(badPath) : undefined;

        const { store, warnings } = await openStore(dir);
        assert.equal(warnings.length, 1);
        assert.match(warnings[0], /moved to tasks\.db\.corrupt-\d{8}T\d{6}Z/);
        const aside = readdirSync(dir).filter((n) => n.startsWith('tasks.db.corrupt-'));
        assert.equal(aside.length, 1);
        if (badBytes) assert.deepEqual(readFileSync(join(dir, aside[0])), badBytes, 'the bad file is kept byte for byte');

        assert.equal(store.queryTasks({}).total, 0);
        store.createTask(task());
        await store.dispose();
        assert.equal(sqlite3(badPath, 'PRAGMA integrity_check'), 'ok');
        assert.equal(sqlite3(badPath, 'SELECT count(*) FROM tasks'), '1');
      });
    }

    it('a second bad file on the same second gets its own name', async () => {
      const dir = tempDir();
      writeFileSync(join(dir, 'tasks.db'), 'junk one');
      await (await openStore(dir)).store.dispose();
      writeFileSync(join(dir, 'tasks.db'), 'junk two');
      const { store } = await openStore(dir);
      await store.dispose();
      const aside = readdirSync(dir).filter((n) => n.startsWith('tasks.db.corrupt-')).sort();
      assert.equal(aside.length, 2);
      assert.deepEqual(aside.map((n) => readFileSync(join(dir, n), 'utf8')).sort(), ['junk one', 'junk two']);
    });
  });

  describe('migrations', () => {
    const newer = [...MIGRATIONS, 'ALTER TABLE tasks ADD COLUMN note TEXT'];

    it('a file at an older version is migrated step by step and keeps its rows', async () => {
      const SQL = await initSqlJs();
      const db = new SQL.Database();
      assert.equal(prepareSchema(db), 'created');
      db.run("INSERT INTO tasks (env_id, kind, trigger, status, queued_at, revision) VALUES ('docs', 'backup', 'manual', 'succeeded', 1, 1)");
      assert.equal(prepareSchema(db, newer), 'migrated');
      assert.equal(db.exec('PRAGMA user_version')[0].values[0][0], newer.length);
      assert.deepEqual(db.exec('SELECT env_id, note FROM tasks')[0].values, [['docs', null]]);
      assert.equal(prepareSchema(db, newer), 'current');
      db.close();
    });

    it('a failing step rolls back and leaves the previous version', async () => {
      const SQL = await initSqlJs();
      const db = new SQL.Database();
      prepareSchema(db);
      const broken = [...MIGRATIONS, 'ALTER TABLE tasks ADD COLUMN note TEXT; SELECT * FROM no_such_table'];
      assert.throws(() => prepareSchema(db, broken), SchemaError);
      assert.equal(db.exec('PRAGMA user_version')[0].values[0][0], MIGRATIONS.length);
      assert.equal(db.exec("SELECT count(*) FROM pragma_table_info('tasks') WHERE name = 'note'")[0].values[0][0], 0);
      db.close();
    });
  });
});
