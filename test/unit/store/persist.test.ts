// When tasks.db is written: once per coalescing window, never while idle, at once on flush/dispose.
import * as assert from 'node:assert/strict';
import { readdirSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { openStore, removeTempDirs, sleep, sqlite3, task, tempDir } from './helpers';

describe('store: saving tasks.db', function () {
  this.timeout(20_000); // the first open compiles the WASM; the CI box may be busy
  afterEach(removeTempDirs);

  it('a burst of changes inside one window costs one write', async () => {
    const dir = tempDir();
    const { store, persists } = await openStore(dir, { coalesceMs: 150 });
    await store.flush(); // the first write of a new file
    persists.length = 0;
    const t = store.createTask(task({ status: 'running' }));
    for (let i = 0; i < 1500; i++) store.appendLog(t.id, 'info', `line ${i}`, i);
    store.updateTask(t.id, { progress: { percent: 50 } });
    assert.equal(persists.length, 0, 'nothing is written synchronously');
    while (persists.length === 0) await sleep(20);
    await sleep(300); // two more windows: nothing else is pending, so nothing else is written
    assert.equal(persists.length, 1);
    assert.equal(persists[0].revision, store.changesSince(0).revision);
    assert.equal(sqlite3(join(dir, 'tasks.db'), 'SELECT count(*) FROM log_lines'), '1500');
    await store.dispose();
  });

  it('an idle store writes nothing', async () => {
    const dir = tempDir();
    const { store, persists } = await openStore(dir, { coalesceMs: 10 });
    store.createTask(task());
    store.setState('k', 'v');
    await store.flush();
    const before = statSync(join(dir, 'tasks.db')).mtimeMs;
    persists.length = 0;
    // Reads, and writes that change nothing, are not changes.
    store.queryTasks({ text: 'x' });
    store.changesSince(0);
    store.logAfter(1, 0, 10);
    store.setState('k', 'v');
    store.setBounds({ maxAgeDays: 90, maxTasks: 5000, maxLinesPerTask: 2000 }); // prunes nothing here
    await sleep(100);
    await store.flush();
    await store.dispose();
    assert.equal(persists.length, 0);
    assert.equal(statSync(join(dir, 'tasks.db')).mtimeMs, before);
  });

  it('flush() writes at once, without waiting for the window', async () => {
    const dir = tempDir();
    const { store, persists } = await openStore(dir, { coalesceMs: 60_000 });
    store.createTask(task({ envId: 'mail' }));
    await store.flush();
    assert.equal(persists.length, 1);
    assert.equal(sqlite3(join(dir, 'tasks.db'), 'SELECT env_id FROM tasks'), 'mail');
    await store.dispose();
  });

  it('dispose() writes what is pending and closes', async () => {
    const dir = tempDir();
    const { store } = await openStore(dir, { coalesceMs: 60_000 });
    const t = store.createTask(task());
    store.appendLog(t.id, 'error', 'the last words', 1);
    await store.dispose();
    assert.equal(sqlite3(join(dir, 'tasks.db'), 'SELECT text FROM log_lines'), 'the last words');
    assert.throws(() => store.createTask(task()), /closed/);
  });

  it('a window that no longer leads writes nothing, even when it lost the lead during the write', async () => {
    const dir = tempDir();
    let leads = true;
    let asked = 0;
    const { store } = await openStore(dir, { coalesceMs: 60_000, canPersist: () => (asked++, leads) });
    store.createTask(task({ envId: 'mine' }));
    await store.flush();
    assert.equal(sqlite3(join(dir, 'tasks.db'), 'SELECT count(*) FROM tasks'), '1');
    // Leading when the write starts, not any more when the bytes are ready to replace the file.
    asked = 0;
    store.createTask(task({ envId: 'late' }));
    const flushing = store.flush();
    leads = true;
    setImmediate(() => (leads = false));
    await assert.rejects(flushing, /another window leads/);
    assert.ok(asked >= 1);
    assert.equal(sqlite3(join(dir, 'tasks.db'), 'SELECT group_concat(env_id) FROM tasks'), 'mine', 'the file is the last one written while leading');
    assert.deepEqual(readdirSync(dir).filter((n) => n.endsWith('.tmp')), [], 'no temp file left behind');
    store.close();
  });

  it('a failed write keeps the changes and a later flush writes them', async () => {
    const dir = tempDir();
    const { store } = await openStore(dir, { coalesceMs: 60_000 });
    await store.flush();
    // A folder where the temp file goes makes the write fail, as a full or read-only disk would.
    mkdirSync(join(dir, `tasks.db.${process.pid}.tmp`));
    store.createTask(task({ envId: 'photos' }));
    await assert.rejects(store.flush());
    assert.equal(sqlite3(join(dir, 'tasks.db'), 'SELECT count(*) FROM tasks'), '0', 'the old file is untouched');
    rmSync(join(dir, `tasks.db.${process.pid}.tmp`), { recursive: true });
    await store.flush();
    assert.equal(sqlite3(join(dir, 'tasks.db'), 'SELECT env_id FROM tasks'), 'photos');
    await store.dispose();
  });
});
