// Destination folders are created one level at a time, with a clear error for each way a path
// cannot hold backups; on the real file system (including /proc) and on an injected one.
import * as assert from 'node:assert/strict';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureFolder, FsGuard, nodeFolderFs, UnresponsiveError, type FolderFs } from '../../../src/extension/core/fsguard';
import { cleanupTemp, tempDir } from '../archive/helpers';

const errno = (code: string) => Object.assign(new Error(code), { code });

describe('ensureFolder', () => {
  const guard = new FsGuard();
  afterEach(cleanupTemp);

  it('creates every missing level below the nearest existing folder', async () => {
    const base = tempDir();
    const dest = join(base, 'a', 'b', 'c');
    await ensureFolder(dest, { guard });
    assert.ok(statSync(dest).isDirectory());
  });

  it('accepts a folder that exists', async () => {
    const base = tempDir();
    await ensureFolder(base, { guard });
    assert.ok(statSync(base).isDirectory());
  });

  it('names the part of the path that is a file', async () => {
    const base = tempDir();
    writeFileSync(join(base, 'f'), 'x');
    await assert.rejects(ensureFolder(join(base, 'f', 'x', 'y'), { guard }), (e: Error) => {
      assert.equal(e.message, `Cannot write to destination ${join(base, 'f', 'x', 'y')}: ${join(base, 'f')} is a file, not a folder`);
      return true;
    });
    await assert.rejects(ensureFolder(join(base, 'f'), { guard }), /: it is a file, not a folder$/);
  });

  it('a destination under /proc fails as a pseudo file system, creating nothing', async function () {
    if (process.platform !== 'linux') this.skip();
    await assert.rejects(ensureFolder('/proc/backup-here/daily', { guard }), /^DestinationError: Cannot write to destination \/proc\/backup-here\/daily: \/proc is on proc, a kernel pseudo file system/);
    assert.equal(existsSync('/proc/backup-here'), false);
  });

  it('recognises a pseudo file system by its statfs type where the path does not tell (here /sys on a non-Linux path rule)', async function () {
    if (process.platform !== 'linux') this.skip();
    // platform 'darwin' turns the path rule off, so only statfs can tell.
    await assert.rejects(ensureFolder('/sys/kernel/backup-here', { guard, platform: 'darwin' }), /\/sys\/kernel is on sysfs, a kernel pseudo file system/);
  });

  it('a read-only parent, a parent without permission, and a path with no existing part', async () => {
    const ro: FolderFs = { ...nodeFolderFs, stat: async (p) => (p === '/mnt' ? { isDirectory: () => true } : Promise.reject(errno('ENOENT'))), access: async () => Promise.reject(errno('EROFS')), statfs: async () => ({ type: 0xef53 }) };
    await assert.rejects(ensureFolder('/mnt/usb/backups', { guard, fs: ro }), /Cannot write to destination \/mnt\/usb\/backups: \/mnt is on a read-only file system/);
    const denied: FolderFs = { ...ro, access: async () => Promise.reject(errno('EACCES')) };
    await assert.rejects(ensureFolder('/mnt/usb/backups', { guard, fs: denied }), /no permission to write in \/mnt$/);
    const nothing: FolderFs = { ...ro, stat: async () => Promise.reject(errno('ENOENT')) };
    await assert.rejects(ensureFolder('/mnt/usb/backups', { guard, fs: nothing }), /no part of the path exists \(is the drive or network share connected\?\)/);
  });

  it('a file system that refuses mkdir although the parent exists says so', async () => {
    const made: string[] = [];
    const fs: FolderFs = {
      stat: async (p) => (p === '/weird' ? { isDirectory: () => true } : Promise.reject(errno('ENOENT'))),
      mkdir: async (p) => {
        made.push(p);
        throw errno('ENOENT');
      },
      access: async () => undefined,
      statfs: async () => ({ type: 0x1234 }),
    };
    await assert.rejects(ensureFolder('/weird/a/b', { guard, fs }), /the file system refused to create \/weird\/a although \/weird exists/);
    assert.deepEqual(made, ['/weird/a'], 'stops at the first level it cannot create');
  });

  it('a folder another writer creates meanwhile is fine (EEXIST)', async () => {
    let made = false;
    const fs: FolderFs = {
      stat: async (p) => (p === '/x' || p === '/x/y' && made ? { isDirectory: () => true } : Promise.reject(errno('ENOENT'))),
      mkdir: async () => {
        made = true;
        throw errno('EEXIST');
      },
      access: async () => undefined,
      statfs: async () => ({ type: 0x1234 }),
    };
    await ensureFolder('/x/y', { guard, fs });
    assert.ok(made);
  });

  it('a stat that never returns fails with "did not respond" after the bound', async () => {
    const fast = new FsGuard({ callTimeoutMs: 200, slowMs: 50 });
    const fs: FolderFs = { ...nodeFolderFs, stat: () => new Promise(() => undefined) };
    await assert.rejects(ensureFolder('/nfs/gone/backups', { guard: fast, fs }), (e: Error) => {
      assert.ok(e instanceof UnresponsiveError);
      assert.match(e.message, /^The destination \/nfs\/gone\/backups did not respond/);
      return true;
    });
    // The next attempt fails at once, without another call into the pool.
    let calls = 0;
    const counting: FolderFs = { ...nodeFolderFs, stat: () => (calls++, new Promise(() => undefined)) };
    await assert.rejects(ensureFolder('/nfs/gone/backups', { guard: fast, fs: counting }), /did not respond/);
    assert.equal(calls, 0);
  });

  it('no permission to look into a parent is reported', async () => {
    const fs: FolderFs = { ...nodeFolderFs, stat: async () => Promise.reject(errno('EACCES')) };
    await assert.rejects(ensureFolder('/locked/in/here', { guard, fs }), /no permission to look into \/locked\/in$/);
  });
});
