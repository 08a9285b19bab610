// Restore never loses or fakes anything (issue 10, item 5): each rule tried the way a new user
// would hit it, on real archives and real folders; write errors through a small tmpfs when this
// process may mount one, and through an injected file-system layer for errors mid-file.
import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { clearArchiveIndexCache, restoreArchive, runFolderBackup } from '../../../src/extension/core/engines/archive/operations';
import { archiveIndex } from '../../../src/extension/core/engines/archive/archiveIndex';
import type { RestoreFs } from '../../../src/extension/core/engines/archive/restoreJob';
import { buildTarGz } from './hostileTar';
import { cleanupTemp, makeCtx, tempDir, treeDigest } from './helpers';

async function backupOf(src: string, chunkSize?: number): Promise<string> {
  const r = await runFolderBackup(makeCtx(), { envId: 'e', source: src, destination: tempDir(), exclude: [], useGitignore: false, skipIfUnchanged: false, chunkSize });
  return r.archivePath!;
}

function writeTree(files: Record<string, string | Buffer>): string {
  const src = tempDir();
  for (const [rel, body] of Object.entries(files)) {
    mkdirSync(join(src, rel, '..'), { recursive: true });
    writeFileSync(join(src, rel), body);
  }
  return src;
}

/** A tmpfs of `size` bytes when this process may mount one (root), else undefined. */
function smallTmpfs(size: string): { dir: string; unmount(): void } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const dir = tempDir('bk-tmpfs-');
  if (spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]).status !== 0) return undefined;
  return { dir, unmount: () => execFileSync('umount', [dir]) };
}

/** The real file system, with `writeSync` failing with `code` once `budget` bytes were written. */
function failingFs(budget: number, code = 'ENOSPC', at: 'write' | 'close' = 'write'): RestoreFs & { written: number } {
  const layer = {
    ...fs,
    written: 0,
    freeSpace: () => ({ bytes: 1 << 30, blockSize: 4096 }),
    writeSync(fd: number, buf: Buffer, off?: number, len?: number) {
      const n = len ?? buf.length - (off ?? 0);
      if (at === 'write' && layer.written + n > budget) throw Object.assign(new Error(`${code}: simulated`), { code });
      layer.written += n;
      return fs.writeSync(fd, buf, off, n);
    },
    closeSync(fd: number) {
      fs.closeSync(fd);
      if (at === 'close' && layer.written > budget) throw Object.assign(new Error(`${code}: simulated`), { code });
    },
  };
  return layer as unknown as RestoreFs & { written: number };
}

describe('restore never loses or fakes anything', function () {
  this.timeout(60000);
  beforeEach(clearArchiveIndexCache);
  afterEach(cleanupTemp);

  it('keep-existing: a folder in the backup over a file in the target keeps the file and reports the conflict', async () => {
    const archive = await backupOf(writeTree({ 'notes/a.txt': 'from backup', 'notes/deep/b.txt': 'b', 'other.txt': 'o' }));
    const target = tempDir();
    writeFileSync(join(target, 'notes'), 'my notes, not a folder');
    const ctx = makeCtx();
    const r = await restoreArchive(ctx, { archivePath: archive, target, overwrite: false });
    assert.equal(readFileSync(join(target, 'notes'), 'utf8'), 'my notes, not a folder');
    assert.equal(readFileSync(join(target, 'other.txt'), 'utf8'), 'o');
    assert.ok(ctx.warnings().some((w) => /Conflict: notes is a file in the target, a folder in the backup: kept the file/.test(w)), ctx.warnings().join('\n'));
    assert.match(r.summary!, /1 entry restored .*1 conflict \(3 entries below not restored\)/);
  });

  it('restores into folders that already exist (a second restore into the same target), keeping or replacing files as chosen', async () => {
    const archive = await backupOf(writeTree({ 'notes/a.txt': 'from backup', 'notes/deep/b.txt': 'b' }));
    const target = tempDir();
    await restoreArchive(makeCtx(), { archivePath: archive, target, overwrite: false });
    writeFileSync(join(target, 'notes', 'a.txt'), 'edited since');
    const keep = await restoreArchive(makeCtx(), { archivePath: archive, target, overwrite: false });
    assert.equal(readFileSync(join(target, 'notes', 'a.txt'), 'utf8'), 'edited since');
    assert.doesNotMatch(keep.summary!, /could not be written|failed/);
    await restoreArchive(makeCtx(), { archivePath: archive, target, overwrite: true });
    assert.equal(readFileSync(join(target, 'notes', 'a.txt'), 'utf8'), 'from backup');
    assert.equal(readFileSync(join(target, 'notes', 'deep', 'b.txt'), 'utf8'), 'b');
  });

  it('even with overwrite, a file in the backup never removes a folder in the target', async () => {
    const archive = await backupOf(writeTree({ 'data': 'a file in the backup' }));
    const target = tempDir();
    mkdirSync(join(target, 'data'));
    writeFileSync(join(target, 'data/mine.txt'), 'mine');
    const ctx = makeCtx();
    const r = await restoreArchive(ctx, { archivePath: archive, target, overwrite: true });
    assert.equal(readFileSync(join(target, 'data/mine.txt'), 'utf8'), 'mine');
    assert.match(ctx.warnings().join('\n'), /Conflict: data is a folder in the target: kept the folder/);
    assert.match(r.summary!, /0 entries restored.*1 conflict/);
  });

  it('overwrite replaces a hard-linked file by a new one: the other name keeps its content', async () => {
    const archive = await backupOf(writeTree({ 'a.txt': 'from backup' }));
    const outside = tempDir();
    writeFileSync(join(outside, 'shared.txt'), 'untouched');
    const target = tempDir();
    linkSync(join(outside, 'shared.txt'), join(target, 'a.txt'));
    await restoreArchive(makeCtx(), { archivePath: archive, target, overwrite: true });
    assert.equal(readFileSync(join(target, 'a.txt'), 'utf8'), 'from backup');
    assert.equal(readFileSync(join(outside, 'shared.txt'), 'utf8'), 'untouched');
    assert.deepEqual(readdirSync(target), ['a.txt'], 'no temporary file left behind');
  });

  it('a restore larger than the free space is refused before anything is written', async () => {
    const archive = await backupOf(writeTree({ 'big1.bin': randomBytes(1_500_000), 'big2.bin': randomBytes(1_500_000) }));
    const mount = smallTmpfs('1m');
    try {
      const target = mount?.dir ?? tempDir();
      // Without a tmpfs (not root), the file system layer reports 1 MiB free instead.
      const fsLayer = mount ? undefined : ({ ...fs, freeSpace: () => ({ bytes: 1 << 20, blockSize: 4096 }) } as RestoreFs);
      const ctx = makeCtx();
      await assert.rejects(restoreArchive(ctx, { archivePath: archive, target, overwrite: false, fsLayer }), /Restore refused before writing anything: it needs 2\.9 MB and the target has (1\.0 MB|10\d\d(\.\d)? KB) free/);
      assert.deepEqual(readdirSync(target), []);
    } finally {
      mount?.unmount();
    }
  });

  it('a write error mid-restore fails the task, names the file, removes its partial copy and counts only what was written', async () => {
    const files: Record<string, Buffer> = {};
    for (let i = 0; i < 6; i++) files[`f${i}.bin`] = randomBytes(100_000);
    const archive = await backupOf(writeTree(files));
    const target = tempDir();
    const ctx = makeCtx();
    // Room for 2.5 files: f0 and f1 are written, f2 fails half-way; the rest is not attempted.
    await assert.rejects(
      restoreArchive(ctx, { archivePath: archive, target, overwrite: false, fsLayer: failingFs(250_000) }),
      /^Error: Restore failed: 1 file could not be written \(no space left on device\): f2\.bin\. Only 2 entries \(195\.3 KB\) written into /,
    );
    assert.deepEqual(readdirSync(target).sort(), ['f0.bin', 'f1.bin']);
    assert.deepEqual(readFileSync(join(target, 'f1.bin')), files['f1.bin']);
    assert.ok(!ctx.logs.some((l) => /entries restored/.test(l.text)), 'no success summary');
  });

  it('an error that only close() reports (network file systems) fails the file too', async () => {
    const archive = await backupOf(writeTree({ 'a.bin': randomBytes(50_000), 'b.bin': randomBytes(50_000) }));
    const target = tempDir();
    await assert.rejects(restoreArchive(makeCtx(), { archivePath: archive, target, overwrite: false, fsLayer: failingFs(60_000, 'EIO', 'close') }), /1 file could not be written \(input\/output error\): b\.bin/);
    assert.deepEqual(readdirSync(target), ['a.bin']);
  });

  it('a real full disk (tmpfs) mid-restore fails the restore with the files named', async function () {
    const mount = smallTmpfs('1m');
    if (!mount) {
      // Not root: the same failure through the injected layer, on the worker-free path.
      const archive = await backupOf(writeTree({ 'a.bin': randomBytes(400_000), 'b.bin': randomBytes(400_000) }));
      await assert.rejects(restoreArchive(makeCtx(), { archivePath: archive, target: tempDir(), overwrite: false, fsLayer: failingFs(500_000) }), /could not be written \(no space left on device\): b\.bin/);
      return;
    }
    try {
      const archive = await backupOf(writeTree({ 'a.bin': randomBytes(400_000), 'b.bin': randomBytes(400_000) }));
      // The free-space check passes when made; the disk fills up afterwards (another writer).
      const filler = join(mount.dir, 'filler');
      const ctx = makeCtx({ onProgress: (p) => p.files === 1 && writeFileSync(filler, Buffer.alloc(400_000)) });
      const target = join(mount.dir, 'target');
      await assert.rejects(restoreArchive(ctx, { archivePath: archive, target, overwrite: false, fsLayer: { ...fs } as RestoreFs }), /1 file could not be written \(no space left on device\): b\.bin\. Only 1 entry/);
      assert.deepEqual(readdirSync(target), ['a.bin']);
    } finally {
      mount.unmount();
    }
  });

  it('setuid and setgid bits are never restored', async () => {
    const target = tempDir();
    const archive = join(tempDir(), 'modes.tar.gz');
    writeFileSync(archive, buildTarGz([
      { path: 'suid', body: '#!/bin/sh\n', mode: 0o4755 },
      { path: 'sgid', body: '#!/bin/sh\n', mode: 0o2755 },
      { path: 'dir', type: 'Directory', mode: 0o2775 },
      { path: 'plain', body: 'x', mode: 0o640 },
    ]));
    await restoreArchive(makeCtx(), { archivePath: archive, target, overwrite: false });
    assert.equal(statSync(join(target, 'suid')).mode & 0o7000, 0);
    assert.equal(statSync(join(target, 'sgid')).mode & 0o7000, 0);
    assert.equal(statSync(join(target, 'dir')).mode & 0o7000, 0);
    assert.equal(statSync(join(target, 'suid')).mode & 0o100, 0o100, 'the execute bit stays');
    assert.equal(statSync(join(target, 'plain')).mode & 0o777, 0o640);
  });

  it('a backup beyond the entry or size bound is refused before writing', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 20; i++) files[`f${i}.txt`] = 'x'.repeat(1000);
    const archive = await backupOf(writeTree(files));
    const target = tempDir();
    await assert.rejects(restoreArchive(makeCtx(), { archivePath: archive, target, overwrite: false, limits: { maxEntries: 10, maxBytes: 1 << 30 } }), /refused before writing anything: the backup holds 20 entries, more than the 10 a restore accepts/);
    await assert.rejects(restoreArchive(makeCtx(), { archivePath: archive, target, overwrite: false, limits: { maxEntries: 100, maxBytes: 10_000 } }), /refused before writing anything: the backup expands to 19\.5 KB, more than the 9\.8 KB/);
    assert.deepEqual(readdirSync(target), []);
  });

  it('an index that under-states the archive does not lift the bounds: the stream is counted too', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 20; i++) files[`f${i}.txt`] = 'x'.repeat(1000);
    const archive = await backupOf(writeTree(files));
    const idx = JSON.parse(readFileSync(`${archive}.idx`, 'utf8'));
    idx.entries = idx.entries.slice(0, 5);
    writeFileSync(`${archive}.idx`, JSON.stringify(idx));
    const target = tempDir();
    await assert.rejects(restoreArchive(makeCtx(), { archivePath: archive, target, overwrite: false, limits: { maxEntries: 10, maxBytes: 1 << 30 } }), /stopped: the backup holds more than 10 entries/);
    assert.ok(readdirSync(target).length <= 10);
  });

  it('restores only the requested paths, and refuses a path that is not in the backup', async () => {
    const src = writeTree({ 'docs/a.md': 'a', 'docs/sub/b.md': 'b', 'src/x.ts': 'x', 'top.txt': 't', 'docsX/no.txt': 'no' });
    const archive = await backupOf(src, 64 * 1024);
    const target = tempDir();
    const r = await restoreArchive(makeCtx(), { archivePath: archive, target, overwrite: false, paths: ['docs', 'top.txt'] });
    assert.deepEqual([...treeDigest(target).keys()], ['docs', 'docs/a.md', 'docs/sub', 'docs/sub/b.md', 'top.txt']);
    assert.match(r.summary!, /3 entries restored/);
    await assert.rejects(restoreArchive(makeCtx(), { archivePath: archive, target: tempDir(), overwrite: false, paths: ['nope.txt'] }), /Not in this backup: nope\.txt; nothing was restored/);
    await assert.rejects(restoreArchive(makeCtx(), { archivePath: archive, target: tempDir(), overwrite: false, paths: ['../etc'] }), /not a path inside the backup/);
  });

  it('a single-file restore reads only the members that hold the file', async () => {
    const files: Record<string, Buffer> = { 'aaa.txt': Buffer.from('first') };
    for (let i = 0; i < 8; i++) files[`r${i}.bin`] = randomBytes(100_000);
    const archive = await backupOf(writeTree(files), 64 * 1024);
    const idx = await archiveIndex(archive);
    const bytes = readFileSync(archive);
    bytes[idx.members.c[idx.members.c.length - 3] + 40] ^= 0xff; // damage a member near the end
    writeFileSync(archive, bytes);
    clearArchiveIndexCache();
    const target = tempDir();
    await restoreArchive(makeCtx(), { archivePath: archive, target, overwrite: false, paths: ['aaa.txt'] });
    assert.equal(readFileSync(join(target, 'aaa.txt'), 'utf8'), 'first');
    const full = tempDir();
    await assert.rejects(restoreArchive(makeCtx(), { archivePath: archive, target: full, overwrite: false }), /^Error: Restore failed: stopped: the archive is damaged \(.*\)\. Only \d+ entries \(.*\) written into /);
    assert.equal(readFileSync(join(full, 'aaa.txt'), 'utf8'), 'first', 'what came before the damage is there, and counted');
  });

  it('restores archives GNU tar wrote (no index; one member larger than the in-memory limit) byte-identical', async () => {
    const src = writeTree({ 'big.bin': randomBytes(9_000_000), 'dir/small.txt': 'small', [`${'long-name-'.repeat(12)}.txt`]: 'long' });
    const archive = join(tempDir(), 'gnu.tar.gz');
    execFileSync('tar', ['-czf', archive, '-C', src, '.']);
    const target = tempDir();
    await restoreArchive(makeCtx(), { archivePath: archive, target, overwrite: false });
    assert.deepEqual(treeDigest(target), treeDigest(src));
    assert.ok(existsSync(`${archive}.idx`), 'the index was built and kept');
  });

  it('a cancel that comes before the index of an archive without one is built stops before reading it', async () => {
    const src = writeTree({ 'big.bin': randomBytes(3_000_000) });
    const archive = join(tempDir(), 'gnu.tar.gz');
    execFileSync('tar', ['-czf', archive, '-C', src, '.']);
    const ctx = makeCtx();
    ctx.abort();
    const target = tempDir();
    await assert.rejects(restoreArchive(ctx, { archivePath: archive, target, overwrite: false }), (e: Error) => e.name === 'AbortError');
    assert.deepEqual(readdirSync(target), []);
    assert.ok(!existsSync(`${archive}.idx`));
  });
});
