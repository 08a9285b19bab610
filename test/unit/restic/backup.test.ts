// restic engine backups against real restic and real local repositories.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { getEventListeners } from 'node:events';
import { join } from 'node:path';
import { walkTree } from '../../../src/extension/core/source/walk';
import { cleanupTemp, makeCtx, tempDir } from '../archive/helpers';
import { engineFor, newRepository, noise, restic, resticEnv, snapshots, usePrivateTmpdir, writeTree } from './helpers';

async function archiveEngineSet(root: string, exclude: string[]): Promise<string[]> {
  const out: string[] = [];
  for await (const e of walkTree(root, { exclude, useGitignore: true, warn: () => undefined })) out.push(e.rel);
  return out.sort();
}

/**
 * The engine's temporary folders, in this test's own TMPDIR: the machine's /tmp is shared with
 * other test runs, whose folders come and go at any moment.
 */
let privateTmp: () => string;
function dumpFolders(): string[] {
  return readdirSync(privateTmp()).filter((n) => n.startsWith('backup-scheduler-dump-') || n.startsWith('backup-scheduler-restic-'));
}

describe('restic engine: backup', function () {
  this.timeout(60000);
  privateTmp = usePrivateTmpdir();
  afterEach(cleanupTemp);

  it('makes a snapshot tagged backup-scheduler and env:<id>, listed newest first with its files and contents', async () => {
    const { repository, engine } = await newRepository();
    const src = tempDir('src-');
    writeTree(src, { 'a.txt': 'alpha', 'sub/b.txt': 'bravo', 'sub/deep/c.bin': noise(70000, 1) });
    const env = resticEnv({ id: 'web', repository, source: src });
    const ctx = makeCtx();
    const r = await engine.backup(ctx, env, { trigger: 'manual' });
    assert.match(r.snapshotId!, /^[0-9a-f]{64}$/);
    assert.equal(r.fileCount, 3);
    assert.match(r.summary!, /3 new, 0 changed, 0 unmodified/);
    assert.equal(r.manifestHash, undefined, 'without skipIfUnchanged the walk reads names only: no manifest to keep');

    const snaps = snapshots(repository);
    assert.equal(snaps.length, 1);
    assert.equal(snaps[0].id, r.snapshotId);
    assert.deepEqual(snaps[0].tags!.sort(), ['backup-scheduler', 'env:web']);

    const refs = await engine.listBackups(env);
    assert.deepEqual(refs.map((b) => b.id), [r.snapshotId]);
    assert.equal(refs[0].label, r.snapshotId!.slice(0, 8));
    assert.equal(refs[0].kind, 'folder');

    const files = await engine.listFiles(env, r.snapshotId!);
    assert.deepEqual(files.map((f) => `${f.type}:${f.path}`).sort(), ['dir:sub', 'dir:sub/deep', 'file:a.txt', 'file:sub/b.txt', 'file:sub/deep/c.bin']);
    assert.equal(files.find((f) => f.path === 'sub/deep/c.bin')!.size, 70000);
    assert.equal(Buffer.from(await engine.readFile(env, r.snapshotId!, 'sub/b.txt')).toString(), 'bravo');
    assert.deepEqual(Buffer.from(await engine.readFile(env, r.snapshotId!, 'sub/deep/c.bin')), noise(70000, 1));

    assert.ok(ctx.progressCalls.some((p) => p.percent === 100));
    assert.equal(getEventListeners(ctx.signal, 'abort').length, 0, 'no abort listener left behind');
    assert.deepEqual(dumpFolders(), [], 'the exclude file folder is removed');

    const summary = await engine.summary(env);
    assert.equal(summary.backupCount, 1);
    assert.ok(summary.storedBytes! > 70000, `repository size ${summary.storedBytes}`);
  });

  it('a second run after a small change adds little and lists both snapshots newest first', async () => {
    const { repository, engine } = await newRepository();
    const src = tempDir('src-');
    const files: Record<string, Buffer> = {};
    for (let i = 0; i < 20; i++) files[`f${i}.bin`] = noise(100_000, i + 10);
    writeTree(src, files);
    const env = resticEnv({ id: 'inc', repository, source: src });
    const first = await engine.backup(makeCtx(), env, { trigger: 'manual' });
    writeFileSync(join(src, 'f3.bin'), noise(100_000, 999));
    const second = await engine.backup(makeCtx(), env, { trigger: 'manual' });
    assert.ok(first.size! > 2_000_000, `first added ${first.size}`);
    assert.ok(second.size! < 300_000, `second added ${second.size} bytes for one changed 100 kB file`);
    assert.match(second.summary!, /0 new, 1 changed, 19 unmodified/);
    const refs = await engine.listBackups(env);
    assert.deepEqual(refs.map((b) => b.id), [second.snapshotId, first.snapshotId]);
  });

  it('leaves out exactly what the archive engine leaves out (exclude globs and nested .gitignore files)', async () => {
    const { repository, engine } = await newRepository();
    const src = tempDir('src-');
    writeTree(src, {
      '.gitignore': '*.log\nbuild/\n!keep.log\n',
      'keep.log': 'kept by negation',
      'drop.log': 'x',
      'build/out.js': 'x',
      'src/main.ts': 'main',
      'src/.gitignore': 'gen/\n',
      'src/gen/g.ts': 'x',
      'node_modules/m/index.js': 'x',
      'weird [name]*?.txt': 'glob characters in a name',
      'dollar$HOME.txt': 'a dollar',
      'docs/a.md': 'a',
      'docs/b.tmp': 'x',
    });
    const exclude = ['node_modules', 'docs/*.tmp'];
    const env = resticEnv({ id: 'rules', repository, source: src, exclude });
    const r = await engine.backup(makeCtx(), env, { trigger: 'manual' });
    const inSnapshot = (await engine.listFiles(env, r.snapshotId!)).map((f) => f.path).sort();
    assert.deepEqual(inSnapshot, await archiveEngineSet(src, exclude));
    assert.ok(inSnapshot.includes('keep.log') && inSnapshot.includes('weird [name]*?.txt') && inSnapshot.includes('dollar$HOME.txt'));
    assert.ok(!inSnapshot.includes('drop.log') && !inSnapshot.some((p) => p.startsWith('node_modules')));
  });

  it('the exclude list reaches restic as a private regular file (no named pipe: Windows has none), removed after the run', async () => {
    const { repository } = await newRepository();
    const src = tempDir('src-');
    writeTree(src, { 'a.txt': 'a', 'b.log': 'left out' });
    // restic through a wrapper that notes what it was handed as --exclude-file, then runs restic.
    const bin = tempDir('bin-');
    const seen = join(bin, 'seen');
    writeFileSync(join(bin, 'restic'), `#!/bin/sh\nprev=\nfor a in "$@"; do\n  if [ "$prev" = --exclude-file ]; then stat -c '%F %a' "$a" >> '${seen}'; stat -c '%a' "$(dirname "$a")" >> '${seen}'; if [ -f "$a" ]; then cat "$a" >> '${seen}'; fi; echo "$a" >> '${seen}'; fi\n  prev=$a\ndone\nexec restic "$@"\n`, { mode: 0o755 });
    const { engine } = engineFor(repository, undefined, join(bin, 'restic'));
    const env = resticEnv({ id: 'file', repository, source: src, exclude: ['*.log'] });
    const r = await engine.backup(makeCtx(), env, { trigger: 'manual' });
    assert.deepEqual((await engine.listFiles(env, r.snapshotId!)).map((f) => f.path), ['a.txt']);
    const [kind, folderMode, pattern, path] = readFileSync(seen, 'utf8').trim().split('\n');
    assert.equal(kind, 'regular file 600');
    assert.equal(folderMode, '700');
    assert.ok(pattern.endsWith('/b.log'), pattern);
    assert.ok(!existsSync(path) && !existsSync(join(path, '..')), 'removed with its folder');
    assert.deepEqual(dumpFolders(), []);
  });

  it('an excluded name with $, outer spaces or glob characters leaves out that entry alone, not a sibling that differs there', async () => {
    const { repository, engine } = await newRepository();
    const src = tempDir('src-');
    const names = ['x$y.txt', 'xzy.txt', ' lead.txt', 'Qlead.txt', 'trail.txt ', 'trail.txtQ', 'a[b].txt', 'ab.txt', '$HOME', 'keep', 'nl\nx.txt', 'nlQx.txt', 'd\nir/f', 'dQir/f', 'dQir/g'];
    writeTree(src, Object.fromEntries(names.map((n) => [n, n])));
    const exclude = ['x$y.txt', '[ ]lead.txt', 'trail.txt[ ]', 'a\\[b\\].txt', '$HOME', 'nl\nx.txt', 'd\nir/f', 'dQir/g'];
    const env = resticEnv({ id: 'exact', repository, source: src, exclude, useGitignore: false });
    const r = await engine.backup(makeCtx(), env, { trigger: 'manual' });
    const inSnapshot = (await engine.listFiles(env, r.snapshotId!)).map((f) => f.path).sort();
    assert.deepEqual(inSnapshot, await archiveEngineSet(src, exclude));
    assert.deepEqual(inSnapshot, ['Qlead.txt', 'ab.txt', 'd\nir', 'dQir', 'dQir/f', 'keep', 'nlQx.txt', 'trail.txtQ', 'xzy.txt']);
  });

  it('a restore\'s staging folder or copy left in the source (a crash) is in no backup of either engine', async () => {
    const { repository, engine } = await newRepository();
    const src = tempDir('src-');
    writeTree(src, { 'a.txt': 'a', '.backup-scheduler-restore-Ab12Cd/a.txt': 'staged', 'sub/.f.txt..backup-scheduler-restore-77-x1y2z3': 'copy', 'sub/f.txt': 'f' });
    const env = resticEnv({ id: 'leftover', repository, source: src });
    const r = await engine.backup(makeCtx(), env, { trigger: 'manual' });
    const inSnapshot = (await engine.listFiles(env, r.snapshotId!)).map((f) => f.path).sort();
    assert.deepEqual(inSnapshot, ['a.txt', 'sub', 'sub/f.txt']);
    assert.deepEqual(await archiveEngineSet(src, []), ['a.txt', 'sub', 'sub/f.txt']);
  });

  it('skipIfUnchanged: an unchanged source makes no snapshot; a change, or a forgotten snapshot, makes one', async () => {
    const { repository, engine } = await newRepository();
    const src = tempDir('src-');
    writeTree(src, { 'a.txt': 'one' });
    const env = resticEnv({ id: 'skip', repository, source: src, skipIfUnchanged: true });
    const first = await engine.backup(makeCtx(), env, { trigger: 'scheduled' });
    const previous = { manifestHash: first.manifestHash!, finishedAt: 1_700_000_000_000, snapshotId: first.snapshotId };
    const again = await engine.backup(makeCtx(), env, { trigger: 'scheduled', previous });
    assert.equal(again.unchangedSince, previous.finishedAt);
    assert.equal(again.snapshotId, first.snapshotId);
    assert.equal(snapshots(repository).length, 1);

    writeTree(src, { 'b.txt': 'two' });
    const changed = await engine.backup(makeCtx(), env, { trigger: 'scheduled', previous });
    assert.equal(changed.unchangedSince, undefined);
    assert.notEqual(changed.snapshotId, first.snapshotId);

    restic(repository, ['forget', changed.snapshotId!]);
    const gone = await engine.backup(makeCtx(), env, { trigger: 'scheduled', previous: { ...previous, manifestHash: changed.manifestHash!, snapshotId: changed.snapshotId } });
    assert.equal(gone.unchangedSince, undefined, 'the snapshot it would rely on is gone');
    assert.equal(snapshots(repository).length, 2);
  });

  it('skipIfUnchanged with a local repository: an unchanged run starts no restic process at all', async () => {
    const { repository } = await newRepository();
    const src = tempDir('src-');
    writeTree(src, { 'a.txt': 'one' });
    const bin = tempDir('bin-');
    const calls = join(bin, 'calls');
    writeFileSync(join(bin, 'restic'), `#!/bin/sh\necho "$1" >> '${calls}'\nexec restic "$@"\n`, { mode: 0o755 });
    const { engine } = engineFor(repository, undefined, join(bin, 'restic'));
    const env = resticEnv({ id: 'skipfast', repository, source: src, skipIfUnchanged: true });
    const first = await engine.backup(makeCtx(), env, { trigger: 'scheduled' });
    assert.match(first.snapshotId ?? '', /^[0-9a-f]{64}$/);
    writeFileSync(calls, '');
    const again = await engine.backup(makeCtx(), env, { trigger: 'scheduled', previous: { manifestHash: first.manifestHash!, finishedAt: 1_700_000_000_000, snapshotId: first.snapshotId } });
    assert.equal(again.unchangedSince, 1_700_000_000_000);
    assert.equal(readFileSync(calls, 'utf8'), '', 'no restic command');
  });

  it('a command environment stores its dump under one stable name, deduplicated, and removes the temporary file', async () => {
    const { repository, engine } = await newRepository();
    const data = tempDir('data-');
    // Much larger than restic's largest chunk (8 MiB): an appended row changes at most the last
    // chunk, whatever boundaries the repository's random chunker polynomial draws.
    const SIZE = 20_000_000;
    writeFileSync(join(data, 'db.bin'), noise(SIZE, 7));
    const env = resticEnv({ id: 'db', type: 'command', repository, source: data, command: 'cat db.bin > "$BACKUP_FILE"; echo "$BACKUP_FILE" > last-path' });
    const first = await engine.backup(makeCtx(), env, { trigger: 'manual' });
    writeFileSync(join(data, 'db.bin'), Buffer.concat([noise(SIZE, 7), Buffer.from('one more row')]));
    const second = await engine.backup(makeCtx(), env, { trigger: 'manual' });
    assert.ok(first.size! > SIZE, `first dump added ${first.size} bytes`);
    assert.ok(second.size! < 9_000_000, `second dump added ${second.size} bytes (more than one chunk: not deduplicated)`);
    const snaps = snapshots(repository);
    assert.deepEqual(snaps.map((s) => s.paths), [['/db.dump'], ['/db.dump']]);
    const refs = await engine.listBackups(env);
    assert.equal(refs[0].kind, 'command');
    assert.deepEqual((await engine.listFiles(env, second.snapshotId!)).map((f) => f.path), ['db.dump']);
    assert.ok(Buffer.from(await engine.readFile(env, first.snapshotId!, 'db.dump')).equals(noise(SIZE, 7)));
    const tempFile = readFileSync(join(data, 'last-path'), 'utf8').trim();
    assert.ok(!existsSync(tempFile) && !existsSync(join(tempFile, '..')), `${tempFile} and its folder are removed`);
    assert.deepEqual(dumpFolders(), []);
  });

  it('a failing command makes no snapshot and still removes its temporary folder', async () => {
    const { repository, engine } = await newRepository();
    const env = resticEnv({ id: 'bad', type: 'command', repository, source: tempDir(), command: 'echo partial > "$BACKUP_FILE"; echo "pg_dump: boom" >&2; exit 2' });
    await assert.rejects(engine.backup(makeCtx(), env, { trigger: 'manual' }), /exit code 2: pg_dump: boom/);
    assert.deepEqual(snapshots(repository), []);
    assert.deepEqual(dumpFolders(), []);
  });

  it('unreadable items (restic exit code 3) still make a snapshot, with a warning naming them', async () => {
    const { repository, engine } = await newRepository();
    const src = tempDir('src-');
    writeTree(src, { 'ok.txt': 'fine' });
    // A path longer than PATH_MAX cannot be read by anyone, root included.
    execFileSync('bash', ['-c', `cd "$1" && for i in $(seq 18); do mkdir ${'d'.repeat(250)} && cd ${'d'.repeat(250)}; done && echo x > deep.txt`, '-', src]);
    try {
      const env = resticEnv({ id: 'partial', repository, source: src });
      const ctx = makeCtx();
      const r = await engine.backup(ctx, env, { trigger: 'manual' });
      assert.match(r.summary!, /could not be read/);
      assert.ok(ctx.warnings().some((w) => /^Cannot read .*ENAMETOOLONG|file name too long/.test(w)), ctx.warnings().join('\n'));
      assert.equal(snapshots(repository).length, 1);
      assert.ok((await engine.listFiles(env, r.snapshotId!)).some((f) => f.path === 'ok.txt'));
    } finally {
      execFileSync('rm', ['-rf', src]); // GNU rm walks paths longer than PATH_MAX; Node's rmSync cannot
    }
  });
});
