import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { runFolderBackup, type FolderBackupOptions } from '../../../src/extension/core/engines/archive/operations';
import { Lstatter } from '../../../src/extension/core/source/walk';
import { cleanupTemp, files, gnuExtract, gnuList, makeCtx, tempDir, treeDigest, type TestContext } from './helpers';

function opts(source: string, destination: string, extra: Partial<FolderBackupOptions> = {}): FolderBackupOptions {
  return { envId: 'proj', source, destination, exclude: [], useGitignore: true, skipIfUnchanged: false, ...extra };
}

/** A tree with the awkward cases: nesting, empty folder and file, links, a long and a non-ASCII name, data crossing chunk boundaries. */
function makeTree(root: string): void {
  mkdirSync(join(root, 'src/deep/er/still'), { recursive: true });
  mkdirSync(join(root, 'empty'));
  writeFileSync(join(root, 'README.md'), '# hello\n');
  writeFileSync(join(root, 'empty.txt'), '');
  writeFileSync(join(root, 'src/a.ts'), 'export const a = 1;\n'.repeat(500));
  writeFileSync(join(root, 'src/deep/er/still/b.bin'), randomBytes(300_000));
  writeFileSync(join(root, 'big.bin'), randomBytes(1_500_000));
  writeFileSync(join(root, 'zürich ünïcode.txt'), 'grüezi\n');
  const long = `${'long-folder-name-'.repeat(5)}/${'x'.repeat(120)}.txt`;
  mkdirSync(join(root, long, '..'), { recursive: true });
  writeFileSync(join(root, long), 'long path\n');
  symlinkSync('src/a.ts', join(root, 'link-inside'));
  symlinkSync('/etc/hostname', join(root, 'link-outside'));
  symlinkSync('../../..', join(root, 'src/link-up'));
}

describe('folder backup', function () {
  this.timeout(20000);
  afterEach(cleanupTemp);

  it('writes a .tar.gz of several gzip members that GNU tar lists and extracts byte-identical', async () => {
    const src = tempDir();
    const dest = tempDir();
    makeTree(src);
    const ctx = makeCtx({ now: Date.UTC(2026, 10, 28, 14, 5, 9) });
    // Small chunks: many gzip members, and files that straddle member boundaries.
    const r = await runFolderBackup(ctx, opts(src, dest, { chunkSize: 64 * 1024, parallel: 3 }));
    assert.equal(r.archivePath, join(dest, 'proj-20261128-140509.tar.gz'));
    assert.deepEqual(files(dest), ['proj-20261128-140509.tar.gz', 'proj-20261128-140509.tar.gz.idx']);
    assert.equal(r.fileCount, 7);
    assert.equal(r.warnings, 0);
    assert.equal(r.size, readFileSync(r.archivePath!).length);
    assert.equal(r.sha256, execFileSync('sha256sum', [r.archivePath!], { encoding: 'utf8' }).split(' ')[0]);
    execFileSync('gzip', ['-t', r.archivePath!]);
    const listed = gnuList(r.archivePath!);
    assert.ok(listed.includes('link-outside') && listed.includes('empty/') && listed.includes('zürich ünïcode.txt'), listed.join('\n'));
    const out = tempDir();
    gnuExtract(r.archivePath!, out);
    assert.deepEqual(treeDigest(out), treeDigest(src));
    // Symlinks are stored as links, never followed: the link's target file is not in the archive.
    const verbose = execFileSync('tar', ['-tvzf', r.archivePath!], { encoding: 'utf8' });
    assert.match(verbose, /^l.* link-outside -> \/etc\/hostname$/m);
    assert.equal(ctx.progressCalls.at(-1)?.percent, 100);
  });

  it('stores incompressible chunks and deflates the rest; GNU tar reads the mix byte-identical', async () => {
    const src = tempDir();
    const dest = tempDir();
    writeFileSync(join(src, 'a-random.bin'), randomBytes(3_500_000));
    writeFileSync(join(src, 'b-text.txt'), 'some very compressible text\n'.repeat(150_000));
    writeFileSync(join(src, 'c-random.bin'), randomBytes(2_000_000));
    const ctx = makeCtx();
    const r = await runFolderBackup(ctx, opts(src, dest));
    const members = ctx.logs.find((l) => l.level === 'debug' && /gzip members/.test(l.text))!.text;
    const [, total, stored] = /^(\d+) gzip members, (\d+) stored/.exec(members)!.map(Number);
    assert.ok(stored >= 4 && stored < total, members);
    assert.ok(r.size! < 5_500_000 + 4_200_000 * 0.1, `archive ${r.size} bytes: text was not compressed`);
    const out = tempDir();
    gnuExtract(r.archivePath!, out);
    assert.deepEqual(treeDigest(out), treeDigest(src));
  });

  it('applies exclude globs and .gitignore files at every level, and ignores .gitignore when told', async () => {
    const src = tempDir();
    const dest = tempDir();
    const w = (p: string, s = 'x') => {
      mkdirSync(join(src, p, '..'), { recursive: true });
      writeFileSync(join(src, p), s);
    };
    w('.gitignore', '*.log\n/build/\nsecret*\n');
    w('keep.txt');
    w('debug.log');
    w('build/out.js');
    w('sub/build/kept-because-root-anchored.js');
    w('sub/.gitignore', '!important.log\ncache/\n');
    w('sub/important.log');
    w('sub/other.log');
    w('sub/cache/c.bin');
    w('sub/deeper/secret.txt');
    w('node_modules/m/index.js');
    w('docs/a.tmp');
    w('docs/x/b.tmp');
    w('docs/x/b.md');
    const r = await runFolderBackup(makeCtx(), opts(src, dest, { exclude: ['node_modules', 'docs/**/*.tmp'] }));
    const listed = gnuList(r.archivePath!).filter((p) => !p.endsWith('/')).sort();
    assert.deepEqual(listed, ['.gitignore', 'docs/x/b.md', 'keep.txt', 'sub/.gitignore', 'sub/build/kept-because-root-anchored.js', 'sub/important.log']);

    const r2 = await runFolderBackup(makeCtx({ now: Date.now() + 5000 }), opts(src, dest, { useGitignore: false, exclude: ['node_modules'] }));
    const all = gnuList(r2.archivePath!).filter((p) => !p.endsWith('/'));
    assert.ok(all.includes('debug.log') && all.includes('sub/cache/c.bin') && all.includes('docs/x/b.tmp'));
    assert.ok(!all.some((p) => p.startsWith('node_modules')));
  });

  it('a tree too large to keep in memory is walked again for the archive: the same archive, each warning once', async () => {
    const src = tempDir();
    makeTree(src);
    execFileSync('mkfifo', [join(src, 'src/a-fifo')]);
    // A previous manifest that differs: the walk comes first (skipIfUnchanged must see it whole),
    // and with room for 3 entries the archive pass walks again. Without one the walk runs ahead
    // of the archive pass, held to 3 entries ahead.
    const differs = { skipIfUnchanged: true, previous: { manifestHash: 'another tree', finishedAt: 0 } };
    const runs = await Promise.all([{}, { keptEntries: 3, ...differs }, { keptEntries: 3 }].map(async (extra) => {
      const ctx = makeCtx();
      const r = await runFolderBackup(ctx, opts(src, tempDir(), extra));
      return { ctx, r, listed: gnuList(r.archivePath!) };
    }));
    const [kept, again, ahead] = runs;
    assert.deepEqual(again.listed, kept.listed);
    assert.deepEqual(ahead.listed, kept.listed);
    assert.equal(ahead.r.manifestHash, kept.r.manifestHash);
    assert.equal(kept.listed.length, 16); // 7 files, 3 links, 6 folders
    for (const { ctx, r } of runs) {
      assert.deepEqual(ctx.warnings(), ['Skipped src/a-fifo: not a regular file, folder or link (FIFO, socket or device)']);
      assert.equal(r.warnings, 1);
    }
    assert.equal(again.r.manifestHash, kept.r.manifestHash);
    const out = tempDir();
    gnuExtract(kept.r.archivePath!, out);
    rmSync(join(src, 'src/a-fifo'));
    assert.deepEqual(treeDigest(out), treeDigest(src));
  });

  it('a tree of thousands of entries is archived while the rest is walked: the whole tree, progress up to 100 %', async () => {
    const src = tempDir();
    for (let d = 0; d < 40; d++) {
      mkdirSync(join(src, `pkg${d}`, 'lib'), { recursive: true });
      for (let f = 0; f < 40; f++) writeFileSync(join(src, `pkg${d}`, f % 2 ? 'lib' : '', `f${f}.js`), `module.exports = ${d * 100 + f};\n`.repeat(f));
    }
    writeFileSync(join(src, 'pkg39', '.gitignore'), '*.log\n');
    writeFileSync(join(src, 'pkg39', 'debug.log'), 'left out\n');
    const ctx = makeCtx();
    const r = await runFolderBackup(ctx, opts(src, tempDir()));
    assert.equal(r.fileCount, 40 * 40 + 1);
    const out = tempDir();
    gnuExtract(r.archivePath!, out);
    rmSync(join(src, 'pkg39', 'debug.log'));
    assert.deepEqual(treeDigest(out), treeDigest(src));
    assert.deepEqual(ctx.warnings(), []);
    const percents = ctx.progressCalls.map((p) => p.percent).filter((p) => p !== undefined);
    assert.ok(percents.length > 0 && percents.every((p, i) => i === 0 || p! >= percents[i - 1]!), 'percentages never go back');
    assert.equal(ctx.progressCalls.at(-1)?.percent, 100);
    assert.ok(ctx.logs.some((l) => /^Source .*: 1601 files, /.test(l.text)), 'the source line is logged once the walk has counted');
  });

  it('cancelled in the middle: throws and leaves no file in the destination', async () => {
    const src = tempDir();
    const dest = tempDir();
    for (let i = 0; i < 200; i++) writeFileSync(join(src, `f${i}.bin`), randomBytes(20_000));
    const ctx = makeCtx({ onProgress: (p, c) => p.files === 50 && c.abort() });
    await assert.rejects(runFolderBackup(ctx, opts(src, dest, { chunkSize: 64 * 1024 })), (e: Error) => e.name === 'AbortError' && /cancelled/.test(e.message));
    assert.ok(ctx.progressCalls.some((p) => p.files === 50));
    assert.deepEqual(files(dest), []);
  });

  it('a file that vanishes after it was listed and before it is read is a warning; the backup succeeds without it', async () => {
    const src = tempDir();
    const dest = tempDir();
    for (let i = 0; i < 100; i++) writeFileSync(join(src, `f${String(i).padStart(3, '0')}.txt`), `file ${i}\n`);
    // Large files are read in order, when their turn comes (small ones are read ahead at once).
    writeFileSync(join(src, 'zz-large.bin'), randomBytes(400_000));
    const ctx = makeCtx({ onProgress: (p) => p.current === 'f099.txt' && unlinkSync(join(src, 'zz-large.bin')) });
    const r = await runFolderBackup(ctx, opts(src, dest));
    assert.deepEqual(ctx.warnings(), ['zz-large.bin disappeared before it was read (skipped)']);
    assert.equal(r.warnings, 1);
    assert.match(r.summary!, /^100 files, .*, 1 warning$/);
    assert.equal(gnuList(r.archivePath!).length, 100);
  });

  it('an unreadable file (EACCES, backup run as an unprivileged user) is a warning; the rest is archived', function () {
    // Tests run as root, for whom chmod 000 changes nothing: run the real engine as "nobody".
    if (process.getuid?.() !== 0 || spawnSync('id', ['nobody']).status !== 0) this.skip();
    const src = tempDir();
    const dest = tempDir();
    chmodSync(src, 0o755);
    chmodSync(dest, 0o777);
    writeFileSync(join(src, 'ok.txt'), 'fine\n');
    writeFileSync(join(src, 'locked.txt'), 'secret\n');
    chmodSync(join(src, 'locked.txt'), 0o000);
    mkdirSync(join(src, 'locked-dir'), { mode: 0o700 });
    writeFileSync(join(src, 'locked-dir/inner.txt'), 'x');
    chmodSync(join(src, 'ok.txt'), 0o644);
    const script = `
      const { runFolderBackup } = require(${JSON.stringify(require.resolve('../../../src/extension/core/engines/archive/operations'))});
      const logs = [];
      const ctx = { taskId: 1, signal: new AbortController().signal, clock: { now: Date.now, monotonic: () => 0 },
        log: (level, text) => logs.push({ level, text }), progress() {} };
      runFolderBackup(ctx, { envId: 'proj', source: ${JSON.stringify(src)}, destination: ${JSON.stringify(dest)}, exclude: [], useGitignore: true, skipIfUnchanged: false })
        .then((r) => console.log(JSON.stringify({ r, logs })), (e) => { console.log(JSON.stringify({ error: e.message, logs })); });`;
    const run = spawnSync(process.execPath, ['-e', script], { uid: 65534, gid: 65534, encoding: 'utf8', cwd: '/' });
    assert.equal(run.status, 0, run.stderr);
    const { r, logs } = JSON.parse(run.stdout) as { r: { archivePath: string; warnings: number; fileCount: number }; logs: { level: string; text: string }[] };
    const warns = logs.filter((l) => l.level === 'warn').map((l) => l.text);
    assert.equal(r.warnings, 2, warns.join('\n'));
    assert.ok(warns.some((w) => /Cannot read locked\.txt: .*EACCES/.test(w)), warns.join('\n'));
    assert.ok(warns.some((w) => /Cannot read folder locked-dir: .*EACCES/.test(w)), warns.join('\n'));
    assert.equal(r.fileCount, 1);
    assert.deepEqual(gnuList(r.archivePath).sort(), ['locked-dir/', 'ok.txt']);
  });

  it('skips FIFOs and sockets with a warning instead of blocking on them', async () => {
    const src = tempDir();
    const dest = tempDir();
    writeFileSync(join(src, 'a.txt'), 'a');
    execFileSync('mkfifo', [join(src, 'pipe')]);
    const r = await runFolderBackup(makeCtx(), opts(src, dest));
    assert.equal(r.warnings, 1);
    assert.deepEqual(gnuList(r.archivePath!), ['a.txt']);
  });

  it('fails clearly on a missing source and leaves nothing behind', async () => {
    const dest = tempDir();
    await assert.rejects(runFolderBackup(makeCtx(), opts(join(dest, 'nope'), join(dest, 'out'))), /Source folder .*nope does not exist/);
    assert.deepEqual(files(dest), []);
  });

  it('fails clearly when the destination cannot be created (a path below a regular file)', async () => {
    const src = tempDir();
    const base = tempDir();
    writeFileSync(join(src, 'a.txt'), 'a');
    writeFileSync(join(base, 'file'), 'I am a file');
    await assert.rejects(runFolderBackup(makeCtx(), opts(src, join(base, 'file', 'dest'))), /Cannot write to destination .*file\/dest: .*\/file is a file, not a folder/);
    assert.deepEqual(files(base), ['file']);
  });

  describe('on small mounted file systems', function () {
    const mounts: string[] = [];
    function mountTmpfs(options: string): string | undefined {
      const dir = tempDir('bk-mnt-');
      const r = spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir]);
      if (r.status !== 0) return undefined;
      mounts.push(dir);
      return dir;
    }
    afterEach(() => {
      for (const m of mounts.splice(0)) spawnSync('umount', [m]);
    });

    it('a read-only destination fails clearly and leaves no file', async function () {
      const dest = mountTmpfs('size=1m,ro');
      if (!dest) this.skip();
      const src = tempDir();
      writeFileSync(join(src, 'a.txt'), 'a');
      await assert.rejects(runFolderBackup(makeCtx(), opts(src, dest!)), /Cannot write to destination .*read-only file system/);
      assert.deepEqual(files(dest!), []);
    });

    it('a full destination fails clearly and leaves no partial archive', async function () {
      const dest = mountTmpfs('size=512k');
      if (!dest) this.skip();
      const src = tempDir();
      writeFileSync(join(src, 'big.bin'), randomBytes(3_000_000)); // incompressible, > 512 KB
      writeFileSync(join(dest!, 'earlier-file'), 'kept');
      await assert.rejects(runFolderBackup(makeCtx(), opts(src, dest!, { chunkSize: 128 * 1024 })), /Cannot write to destination .*full \(no space left on device\)/);
      assert.deepEqual(files(dest!), ['earlier-file']);
    });
  });

  it('lstat falls back to the thread pool after slow calls, with the same results', async () => {
    const dir = tempDir();
    const paths = ['a', 'b', 'missing', 'c'].map((n) => join(dir, n));
    for (const p of paths) if (!p.endsWith('missing')) writeFileSync(p, p);
    const fast = new Lstatter();
    const slow = new Lstatter(-1); // every call counts as slow
    const [a, b] = [await fast.many(paths), await slow.many(paths)];
    assert.equal(fast.isAsync, false);
    assert.equal(slow.isAsync, true);
    const shape = (r: (import('node:fs').Stats | Error)[]) => r.map((x) => (x instanceof Error ? (x as NodeJS.ErrnoException).code : `${x.ino}:${x.size}`));
    assert.deepEqual(shape(b), shape(a));
    assert.deepEqual(shape(a)[2], 'ENOENT');
  });

  describe('skipIfUnchanged', () => {
    it('skips when the manifest equals the last good backup, and backs up after any change', async () => {
      const src = tempDir();
      const dest = tempDir();
      writeFileSync(join(src, 'a.txt'), 'one');
      mkdirSync(join(src, 'd'));
      writeFileSync(join(src, 'd/b.txt'), 'two');
      const t0 = Date.UTC(2026, 10, 28, 10, 0, 0);
      const first = await runFolderBackup(makeCtx({ now: t0 }), opts(src, dest, { skipIfUnchanged: true }));
      assert.match(first.manifestHash, /^[0-9a-f]{64}$/);
      const previous = { manifestHash: first.manifestHash, finishedAt: t0 + 1000, archivePath: first.archivePath };

      const ctx = makeCtx({ now: t0 + 3_600_000 });
      const second = await runFolderBackup(ctx, opts(src, dest, { skipIfUnchanged: true, previous }));
      assert.equal(second.unchangedSince, t0 + 1000);
      assert.equal(second.summary, `no changes since ${new Date(t0 + 1000).toISOString()}`);
      assert.equal(second.archivePath, undefined);
      assert.equal(second.manifestHash, first.manifestHash);
      assert.deepEqual(files(dest), [basename(first.archivePath!), `${basename(first.archivePath!)}.idx`]);

      // skipIfUnchanged off: always a new archive.
      const forced = await runFolderBackup(makeCtx({ now: t0 + 2 * 3_600_000 }), opts(src, dest, { previous }));
      assert.ok(forced.archivePath);
      assert.equal(forced.manifestHash, first.manifestHash);
      rmSync(forced.archivePath!);

      // Only an mtime change (same size, same content length) counts as a change.
      utimesSync(join(src, 'd/b.txt'), new Date(t0), new Date(t0));
      const third = await runFolderBackup(makeCtx({ now: t0 + 3 * 3_600_000 }), opts(src, dest, { skipIfUnchanged: true, previous }));
      assert.ok(third.archivePath && existsSync(third.archivePath));
      assert.notEqual(third.manifestHash, first.manifestHash);

      // A new empty folder is a change too.
      const prev3 = { manifestHash: third.manifestHash, finishedAt: t0, archivePath: third.archivePath };
      mkdirSync(join(src, 'new-empty'));
      const fourth = await runFolderBackup(makeCtx({ now: t0 + 4 * 3_600_000 }), opts(src, dest, { skipIfUnchanged: true, previous: prev3 }));
      assert.ok(fourth.archivePath);
    });

    it('does not skip when the last good archive is gone', async () => {
      const src = tempDir();
      const dest = tempDir();
      writeFileSync(join(src, 'a.txt'), 'one');
      const first = await runFolderBackup(makeCtx({ now: Date.UTC(2026, 0, 1) }), opts(src, dest));
      rmSync(first.archivePath!);
      const again = await runFolderBackup(makeCtx({ now: Date.UTC(2026, 0, 2) }), opts(src, dest, { skipIfUnchanged: true, previous: { manifestHash: first.manifestHash, finishedAt: 1, archivePath: first.archivePath } }));
      assert.ok(again.archivePath && existsSync(again.archivePath));
    });
  });

  it('never archives the destination into itself when it lies inside the source', async () => {
    const src = tempDir();
    writeFileSync(join(src, 'a.txt'), 'a');
    const dest = join(src, 'backups');
    const first = await runFolderBackup(makeCtx({ now: Date.UTC(2026, 0, 1) }), opts(src, dest));
    const second = await runFolderBackup(makeCtx({ now: Date.UTC(2026, 0, 2) }), opts(src, dest));
    assert.deepEqual(gnuList(first.archivePath!), ['a.txt']);
    assert.deepEqual(gnuList(second.archivePath!), ['a.txt']);
  });

  it('never overwrites an existing archive of the same second: takes the next free name', async () => {
    const src = tempDir();
    const dest = tempDir();
    writeFileSync(join(src, 'a.txt'), 'a');
    const now = Date.UTC(2026, 0, 1, 0, 0, 0);
    const a = await runFolderBackup(makeCtx({ now }), opts(src, dest));
    const b = await runFolderBackup(makeCtx({ now }), opts(src, dest));
    assert.deepEqual([a.archivePath, b.archivePath], [join(dest, 'proj-20260101-000000.tar.gz'), join(dest, 'proj-20260101-000001.tar.gz')]);
  });
});

export type { TestContext };
