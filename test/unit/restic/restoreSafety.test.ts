// restic restore against real restic and real snapshots, where the move into place meets what a
// user's machine has: read-only folders in a snapshot, a folder of the target on another file
// system (EXDEV), a disk too small, links deep in a folder the target lacks. The file-system port
// of restore.ts is the only thing replaced, and only to do what these tests cannot make for real
// here: the tests run as root (which ignores permission bits) and no second file system can be
// mounted. `asUser` checks permission bits as the kernel does for an ordinary user; `otherDevice`
// fails a rename into one folder with EXDEV, as a mount point there would.
import * as assert from 'node:assert/strict';
import { promises as fsp, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, symlinkSync, chmodSync, writeFileSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { nodeRestoreFs, restoreSnapshot, type ResticRestoreFs } from '../../../src/extension/core/engines/restic/restore';
import type { ResticEngine } from '../../../src/extension/core/engines/restic';
import type { Environment } from '../../../src/extension/core/environments/types';
import type { RestoreRequest } from '../../../src/extension/core/engines/types';
import { cleanupTemp, makeCtx, tempDir, type TestContext } from '../archive/helpers';
import { newRepository, noise, resticEnv, writeTree } from './helpers';

async function backedUp(files: Record<string, string | Buffer>, links: Record<string, string> = {}, modes: Record<string, number> = {}) {
  const { repository, engine } = await newRepository();
  const src = tempDir('src-');
  writeTree(src, files);
  for (const [at, to] of Object.entries(links)) {
    mkdirSync(dirname(join(src, at)), { recursive: true });
    symlinkSync(to, join(src, at));
  }
  // Deepest first, so a read-only parent does not matter to the ones below (as root it never does).
  for (const [at, mode] of Object.entries(modes).sort((a, b) => b[0].length - a[0].length)) chmodSync(join(src, at), mode);
  const env = resticEnv({ id: 'r', repository, source: src });
  const r = await engine.backup(makeCtx(), env, { trigger: 'manual' });
  return { engine, env, src, id: r.snapshotId! };
}

/** The engine's own restore, with a file-system port of the test's choosing. */
async function restoreWith(engine: ResticEngine, env: Environment, ctx: TestContext, req: RestoreRequest, fs: ResticRestoreFs) {
  const cli = await (engine as unknown as { start(c: TestContext, e: Environment): Promise<Parameters<typeof restoreSnapshot>[1]> }).start(ctx, env);
  return restoreSnapshot(ctx, cli, req, fs);
}

function errno(code: string, what: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${what}`), { code });
}

/** Permission bits checked as for an ordinary user who owns every file (the kernel's rules for rename, unlink, create, rm). */
function asUser(fs: ResticRestoreFs): ResticRestoreFs {
  const writable = async (dir: string) => ((await fsp.stat(dir)).mode & 0o300) === 0o300;
  const need = async (dir: string, what: string) => {
    if (!(await writable(dir))) throw errno('EACCES', `permission denied, ${what}`);
  };
  const rmCheck = async (p: string): Promise<void> => {
    const st = await fsp.lstat(p).catch(() => undefined);
    if (!st?.isDirectory()) return;
    const names = await fsp.readdir(p);
    if (names.length && !(await writable(p))) throw errno('EACCES', `permission denied, rm ${p}`);
    for (const n of names) await rmCheck(join(p, n));
  };
  return {
    ...fs,
    rename: async (a, b) => {
      await need(dirname(String(a)), `rename ${a}`);
      await need(dirname(String(b)), `rename to ${b}`);
      const st = await fsp.lstat(a);
      // Moving a folder to another parent rewrites its "..": the folder itself must be writable.
      if (st.isDirectory() && dirname(String(a)) !== dirname(String(b)) && (st.mode & 0o200) === 0) throw errno('EACCES', `permission denied, rename ${a}`);
      return fs.rename(a, b);
    },
    unlink: async (p) => (await need(dirname(String(p)), `unlink ${p}`), fs.unlink(p)),
    mkdir: (async (p: string, o?: object) => (await need(dirname(p), `mkdir ${p}`), fs.mkdir(p, o as never))) as ResticRestoreFs['mkdir'],
    symlink: async (t, p, ty) => (await need(dirname(String(p)), `symlink ${p}`), fs.symlink(t, p, ty)),
    copyFile: async (a, b, m) => (await need(dirname(String(b)), `copyfile ${b}`), fs.copyFile(a, b, m)),
    rm: async (p, o) => (await rmCheck(String(p)), fs.rm(p, o)),
  };
}

/** A rename from outside `mount` to inside it fails with EXDEV, as if `mount` were another file system. */
function otherDevice(fs: ResticRestoreFs, mount: string, failCopy?: string): ResticRestoreFs {
  const within = (p: string) => p === mount || p.startsWith(mount + sep);
  return {
    ...fs,
    rename: async (a, b) => {
      if (within(String(a)) !== within(String(b))) throw errno('EXDEV', `cross-device link not permitted, rename ${a} -> ${b}`);
      return fs.rename(a, b);
    },
    copyFile: async (a, b, m) => {
      if (failCopy && String(a).endsWith(failCopy)) throw errno('ENOSPC', `no space left on device, copyfile ${b}`);
      return fs.copyFile(a, b, m);
    },
  };
}

function stagingLeft(target: string): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      if (n.startsWith('.backup-scheduler-restore-')) found.push(join(d, n));
      else if (lstatSync(join(d, n)).isDirectory()) walk(join(d, n));
    }
  };
  walk(target);
  return found;
}

describe('restic engine: restore meets the real machine', function () {
  this.timeout(90000);
  afterEach(cleanupTemp);

  it('refuses every link of a folder the target lacks that points outside it, however deep (archive rules)', async () => {
    const { engine, env, id } = await backedUp(
      { 'd/g.txt': 'g', 'd/e/h.txt': 'h' },
      { 'd/abs': '/etc', 'd/up': '../../..', 'd/e/up2': '../../../x', 'd/e/through': '../abs', 'd/ok': 'g.txt', 'd/e/ok2': '../g.txt' },
    );
    const target = tempDir('target-');
    const ctx = makeCtx();
    const r = await engine.restore(ctx, env, { backupId: id, target, overwrite: false });
    assert.deepEqual(readdirSync(join(target, 'd')).sort(), ['e', 'g.txt', 'ok']);
    assert.deepEqual(readdirSync(join(target, 'd/e')).sort(), ['h.txt', 'ok2', 'through']);
    assert.equal(readlinkSync(join(target, 'd/e/ok2')), '../g.txt');
    assert.match(r.summary!, /3 refused/);
    for (const p of ['d/abs', 'd/up', 'd/e/up2']) assert.ok(ctx.warnings().some((w) => w.startsWith(`Refused ${p}:`)), `${p}: ${ctx.warnings().join('\n')}`);
  });

  it('refuses a restore the target has no room for, before restic writes anything', async () => {
    const { engine, env, id } = await backedUp({ 'big.bin': noise(300_000, 1), 'a.txt': 'a', 'd/e/deep.bin': noise(300_000, 2) });
    const target = tempDir('target-');
    const small = { ...nodeRestoreFs, freeSpace: () => ({ bytes: 100_000, blockSize: 4096 }) };
    await assert.rejects(restoreWith(engine, env, makeCtx(), { backupId: id, target, overwrite: false }, small), /needs 59\d(\.\d)? KB.*has 97\.7 KB free/);
    assert.deepEqual(readdirSync(target), []);
    // Keep Existing stages the whole snapshot too: the same check.
    writeFileSync(join(target, 'big.bin'), 'mine');
    await assert.rejects(restoreWith(engine, env, makeCtx(), { backupId: id, target, overwrite: false }, small), /needs/);
    assert.deepEqual(readdirSync(target), ['big.bin']);
    // One path: only what it holds counts, down to its deepest file.
    await restoreWith(engine, env, makeCtx(), { backupId: id, target, overwrite: false, paths: ['a.txt'] }, small);
    assert.equal(readFileSync(join(target, 'a.txt'), 'utf8'), 'a');
    await assert.rejects(restoreWith(engine, env, makeCtx(), { backupId: id, target, overwrite: false, paths: ['d'] }, small), /needs 29\d(\.\d)? KB/);
    assert.deepEqual(readdirSync(target).sort(), ['a.txt', 'big.bin']);
  });

  it('restores a snapshot with read-only folders as a user would: modes given back, existing files replaced, no staging left', async () => {
    const { engine, env, id } = await backedUp({ 'ro/f.txt': 'f from backup', 'ro/inner/g.txt': 'g', 'new/ro2/h.txt': 'h' }, {}, { 'ro': 0o555, 'ro/inner': 0o500, 'new/ro2': 0o555 });
    const target = tempDir('target-');
    mkdirSync(join(target, 'ro'));
    writeFileSync(join(target, 'ro/f.txt'), 'mine');
    const ctx = makeCtx();
    const r = await restoreWith(engine, env, ctx, { backupId: id, target, overwrite: true }, asUser(nodeRestoreFs));
    assert.equal(readFileSync(join(target, 'ro/f.txt'), 'utf8'), 'f from backup');
    assert.equal(readFileSync(join(target, 'ro/inner/g.txt'), 'utf8'), 'g');
    assert.equal(readFileSync(join(target, 'new/ro2/h.txt'), 'utf8'), 'h');
    assert.equal(statSync(join(target, 'ro')).mode & 0o777, 0o755, 'a folder that was there keeps its own mode');
    assert.equal(statSync(join(target, 'ro/inner')).mode & 0o777, 0o500);
    assert.equal(statSync(join(target, 'new/ro2')).mode & 0o777, 0o555);
    assert.match(r.summary!, /^3 files restored/);
    assert.deepEqual(stagingLeft(target), []);
  });

  it('a folder of the target on another file system (EXDEV) gets fsynced copies; the old file stays when a copy fails', async () => {
    const { engine, env, id } = await backedUp({ 'mnt/f.txt': 'f from backup', 'mnt/new/g.bin': noise(70_000, 2), 'top.txt': 'top' }, { 'mnt/new/link': 'g.bin' }, { 'mnt/new': 0o555 });
    const target = tempDir('target-');
    mkdirSync(join(target, 'mnt'));
    writeFileSync(join(target, 'mnt/f.txt'), 'mine');
    const mount = join(target, 'mnt');
    const r = await restoreWith(engine, env, makeCtx(), { backupId: id, target, overwrite: true }, asUser(otherDevice(nodeRestoreFs, mount)));
    assert.equal(readFileSync(join(target, 'mnt/f.txt'), 'utf8'), 'f from backup');
    assert.deepEqual(readFileSync(join(target, 'mnt/new/g.bin')), noise(70_000, 2));
    assert.equal(readlinkSync(join(target, 'mnt/new/link')), 'g.bin');
    assert.equal(statSync(join(target, 'mnt/new')).mode & 0o777, 0o555);
    assert.equal(readFileSync(join(target, 'top.txt'), 'utf8'), 'top');
    assert.match(r.summary!, /^4 files restored/);
    assert.deepEqual(readdirSync(mount).sort(), ['f.txt', 'new']);
    assert.deepEqual(stagingLeft(target), []);

    // A copy that fails (a full disk on the other file system): the user's file is still there, whole.
    writeFileSync(join(target, 'mnt/f.txt'), 'mine again');
    await assert.rejects(restoreWith(engine, env, makeCtx(), { backupId: id, target, overwrite: true }, otherDevice(nodeRestoreFs, mount, 'f.txt')), /f\.txt.*no space left on device|no space left on device.*f\.txt/);
    assert.equal(readFileSync(join(target, 'mnt/f.txt'), 'utf8'), 'mine again');
    assert.deepEqual(readdirSync(mount).sort(), ['f.txt', 'new']);
    assert.deepEqual(stagingLeft(target), []);
  });

  it('an existing file is never removed before its replacement is in place (a move that fails leaves it)', async () => {
    const { engine, env, id } = await backedUp({ 'a.txt': 'a from backup' });
    const target = tempDir('target-');
    writeFileSync(join(target, 'a.txt'), 'mine');
    const failing: ResticRestoreFs = { ...nodeRestoreFs, rename: async (a, b) => (String(b).endsWith('a.txt') ? Promise.reject(errno('EIO', 'i/o error')) : nodeRestoreFs.rename(a, b)) };
    await assert.rejects(restoreWith(engine, env, makeCtx(), { backupId: id, target, overwrite: true }, failing), /input\/output error/);
    assert.equal(readFileSync(join(target, 'a.txt'), 'utf8'), 'mine');
    assert.deepEqual(stagingLeft(target), []);
    assert.ok(!existsSync(join(target, 'a.txt.tmp')));
  });
});
