// tasks.db is moved aside only when it is really damaged: what says nothing about the file (a
// transient read error, a newer extension, a failed move) never starts a history over it.
import * as assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { ReplicaStore } from '../../../src/extension/core/leader/replicaStore';
import { silentLogger, systemClock } from '../../../src/extension/core/ports';
import { StoreOpenError } from '../../../src/extension/core/store/openTaskStore';
import { SCHEMA_VERSION } from '../../../src/extension/core/store/schema';
import { openStore, removeTempDirs, sqlite3, task, tempDir } from './helpers';

function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: simulated`), { code });
}

/** A history with two tasks, written and closed. */
async function historyWithTwoTasks(dir: string): Promise<Buffer> {
  const s = await openStore(dir);
  s.store.createTask(task({ envId: 'one' }));
  s.store.createTask(task({ envId: 'two' }));
  await s.store.dispose();
  return readFileSync(join(dir, 'tasks.db'));
}

const asideFiles = (dir: string) => readdirSync(dir).filter((n) => n.includes('.corrupt-'));

describe('store: tasks.db is moved aside only when it is really corrupt', function () {
  this.timeout(20_000);
  afterEach(removeTempDirs);

  for (const code of ['EMFILE', 'EIO']) {
    it(`a transient ${code} on read is retried and the history opens intact`, async () => {
      const dir = tempDir();
      await historyWithTwoTasks(dir);
      let calls = 0;
      const readFile = (p: string) => (++calls <= 2 ? Promise.reject(errno(code)) : fs.readFile(p));
      const { store, warnings, readOnly } = await openStore(dir, { readFile, readRetryMs: [1, 1, 1] });
      assert.equal(calls, 3);
      assert.deepEqual(warnings, []);
      assert.equal(readOnly, false);
      assert.equal(store.queryTasks({}).total, 2);
      assert.deepEqual(asideFiles(dir), []);
      await store.dispose();
    });
  }

  it('a read error that persists leaves the file exactly as it was and says so', async () => {
    const dir = tempDir();
    const before = await historyWithTwoTasks(dir);
    const readFile = () => Promise.reject(errno('EIO'));
    await assert.rejects(openStore(dir, { readFile, readRetryMs: [1, 1] }), (e: Error) => e instanceof StoreOpenError && /EIO/.test(e.message) && /left as it is/.test(e.message));
    assert.deepEqual(readFileSync(join(dir, 'tasks.db')), before);
    assert.deepEqual(asideFiles(dir), []);
  });

  it('a newer schema opens read-only with a "reload" notice, and the file is never written', async () => {
    const dir = tempDir();
    await historyWithTwoTasks(dir);
    sqlite3(join(dir, 'tasks.db'), `PRAGMA user_version = ${SCHEMA_VERSION + 1}; ALTER TABLE tasks ADD COLUMN added_later TEXT`);
    const before = readFileSync(join(dir, 'tasks.db'));
    const { store, warnings, readOnly } = await openStore(dir);
    assert.equal(readOnly, true);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /another window.*newer version.*reload/i);
    assert.equal(store.queryTasks({}).total, 2, 'the history is shown');
    await assert.rejects(store.flush().then(() => store.createTask(task())).then(() => store.flush()));
    store.close();
    assert.deepEqual(readFileSync(join(dir, 'tasks.db')), before);
    assert.deepEqual(asideFiles(dir), []);
  });

  it('a damaged file that cannot be moved aside is not replaced', async () => {
    // A real rename failure, even for root: the folder's path leaves room for "tasks.db" but not
    // for "tasks.db.corrupt-<stamp>" under PATH_MAX (4096), so rename() fails with ENAMETOOLONG.
    let dir = tempDir();
    while (dir.length < 4070 - 200) dir = join(dir, 'd'.repeat(200));
    dir = join(dir, 'e'.repeat(4070 - dir.length - 1));
    assert.equal(dir.length, 4070);
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'tasks.db');
    await fs.writeFile(file, Buffer.alloc(9000, 0x5a));
    await assert.rejects(openStore(dir), (e: Error) => e instanceof StoreOpenError && /no new history was started/.test(e.message));
    assert.deepEqual(await fs.readFile(file), Buffer.alloc(9000, 0x5a), 'the file is untouched');
    assert.deepEqual(asideFiles(dir), []);
  });

  it('a failed save leaves no temp file and is reported once per run of failures', async () => {
    const dir = tempDir();
    const reported: string[] = [];
    const { store } = await openStore(dir, { coalesceMs: 60_000, onSaveError: (m) => reported.push(m) });
    await store.flush();
    // A non-empty folder in place of tasks.db: the temp file is written, then rename() fails.
    rmSync(join(dir, 'tasks.db'));
    mkdirSync(join(dir, 'tasks.db', 'x'), { recursive: true });
    for (let i = 0; i < 3; i++) {
      store.createTask(task());
      await assert.rejects(store.flush());
      assert.deepEqual(readdirSync(dir).filter((n) => n.endsWith('.tmp')), [], 'no temp file left behind');
    }
    assert.equal(reported.length, 1);
    assert.match(reported[0], /could not be saved/);
    rmSync(join(dir, 'tasks.db'), { recursive: true });
    await store.flush();
    assert.equal(sqlite3(join(dir, 'tasks.db'), 'SELECT count(*) FROM tasks'), '3');
    mkdirSync(join(dir, 'moved'));
    await fs.rename(join(dir, 'tasks.db'), join(dir, 'moved', 'tasks.db'));
    mkdirSync(join(dir, 'tasks.db', 'x'), { recursive: true });
    store.createTask(task());
    await assert.rejects(store.flush());
    assert.equal(reported.length, 2, 'a new failure after a good save is reported again');
    rmSync(join(dir, 'tasks.db'), { recursive: true });
    await store.dispose();
  });

  describe("a follower's copy checks the schema version too", () => {
    let replica: ReplicaStore | undefined;
    afterEach(() => replica?.dispose());

    it('a newer file without a column this version reads is not loaded, and nothing throws', async () => {
      const dir = tempDir();
      await historyWithTwoTasks(dir);
      sqlite3(join(dir, 'tasks.db'), `PRAGMA user_version = ${SCHEMA_VERSION + 1}; ALTER TABLE tasks DROP COLUMN summary`);
      replica = await ReplicaStore.open({ dir, clock: systemClock, logger: silentLogger, pollMs: 60_000 });
      assert.deepEqual(replica.queryTasks({ text: 'x' }), { rows: [], total: 0 });
    });

    it('a newer file it can read is shown, with one "reload" notice', async () => {
      const dir = tempDir();
      await historyWithTwoTasks(dir);
      sqlite3(join(dir, 'tasks.db'), `PRAGMA user_version = ${SCHEMA_VERSION + 1}; ALTER TABLE tasks ADD COLUMN added_later TEXT`);
      const notices: string[] = [];
      replica = await ReplicaStore.open({ dir, clock: systemClock, logger: silentLogger, pollMs: 60_000, onWarning: (m) => notices.push(m) });
      assert.equal(replica.queryTasks({}).total, 2);
      sqlite3(join(dir, 'tasks.db'), "INSERT INTO tasks (env_id, kind, trigger, status, queued_at, revision) VALUES ('three', 'backup', 'manual', 'succeeded', 1, 99)");
      await replica.refresh();
      assert.equal(replica.queryTasks({}).total, 3);
      assert.equal(notices.length, 1);
      assert.match(notices[0], /reload/);
    });
  });
});
