import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { restoreArchive, runFolderBackup, verifyArchive } from '../../../src/extension/core/engines/archive/operations';
import { buildTarGz } from './hostileTar';
import { cleanupTemp, makeCtx, tempDir, treeDigest } from './helpers';

async function backupOf(src: string, extra: { chunkSize?: number } = {}) {
  return runFolderBackup(makeCtx(), { envId: 'e', source: src, destination: tempDir(), exclude: [], useGitignore: false, skipIfUnchanged: false, ...extra });
}

function sampleTree(): string {
  const src = tempDir();
  mkdirSync(join(src, 'a/b'), { recursive: true });
  mkdirSync(join(src, 'empty'));
  for (let i = 0; i < 30; i++) writeFileSync(join(src, `a/f${i}.txt`), `line ${i}\n`.repeat(i * 50));
  writeFileSync(join(src, 'a/b/blob.bin'), randomBytes(700_000));
  symlinkSync('../a/f1.txt', join(src, 'a/b/rel-link'));
  return src;
}

describe('verify', function () {
  this.timeout(20000);
  afterEach(cleanupTemp);

  it('reads a good archive back: file count and SHA-256 match what the backup recorded', async () => {
    const r = await backupOf(sampleTree(), { chunkSize: 128 * 1024 });
    const ctx = makeCtx();
    const v = await verifyArchive(ctx, r.archivePath!, { sha256: r.sha256, fileCount: r.fileCount });
    assert.equal(v.fileCount, 31);
    assert.equal(v.sha256, r.sha256);
    assert.match(v.summary!, /Archive OK: 31 files read back, SHA-256 matches/);
  });

  it('fails on one flipped byte, with or without the expected hash', async () => {
    const r = await backupOf(sampleTree(), { chunkSize: 128 * 1024 });
    const bytes = readFileSync(r.archivePath!);
    for (const at of [Math.floor(bytes.length / 2), 100, bytes.length - 3]) {
      const copy = Buffer.from(bytes);
      copy[at] ^= 0x01;
      writeFileSync(r.archivePath!, copy);
      await assert.rejects(verifyArchive(makeCtx(), r.archivePath!, { sha256: r.sha256, fileCount: r.fileCount }), /is damaged|does not match/);
      await assert.rejects(verifyArchive(makeCtx(), r.archivePath!), /is damaged/, `flip at ${at} of ${bytes.length} went unnoticed without the hash`);
    }
  });

  it('fails on a truncated archive and on a wrong file count', async () => {
    const r = await backupOf(sampleTree());
    await assert.rejects(verifyArchive(makeCtx(), r.archivePath!, { fileCount: 30 }), /holds 31 files, expected 30/);
    truncateSync(r.archivePath!, Math.floor(r.size! * 0.6));
    await assert.rejects(verifyArchive(makeCtx(), r.archivePath!), /is damaged/);
  });

  it('fails clearly on a missing archive', async () => {
    await assert.rejects(verifyArchive(makeCtx(), join(tempDir(), 'nope.tar.gz')), /Cannot read archive .*nope\.tar\.gz/);
  });
});

describe('restore', function () {
  this.timeout(20000);
  afterEach(cleanupTemp);

  it('restores our archive byte-identical, with progress', async () => {
    const src = sampleTree();
    const r = await backupOf(src, { chunkSize: 100_000 });
    const target = join(tempDir(), 'restore-here');
    const ctx = makeCtx();
    const res = await restoreArchive(ctx, { archivePath: r.archivePath!, target, overwrite: false });
    assert.deepEqual(treeDigest(target), treeDigest(src));
    assert.equal(ctx.warnings().length, 0, ctx.warnings().join('\n'));
    // Progress comes from the worker at most every 100 ms (and for the first file), then 100%.
    assert.ok(ctx.progressCalls.some((p) => (p.files ?? 0) > 0 && (p.percent ?? 100) < 100), JSON.stringify(ctx.progressCalls));
    assert.equal(ctx.progressCalls.at(-1)?.percent, 100);
    assert.match(res.summary!, /32 entries restored/);
  });

  it('keeps existing files unless told to overwrite, and logs each one kept', async () => {
    const src = tempDir();
    writeFileSync(join(src, 'a.txt'), 'from backup');
    writeFileSync(join(src, 'b.txt'), 'from backup');
    const r = await backupOf(src);
    const target = tempDir();
    writeFileSync(join(target, 'a.txt'), 'local edit');
    const ctx = makeCtx();
    await restoreArchive(ctx, { archivePath: r.archivePath!, target, overwrite: false });
    assert.equal(readFileSync(join(target, 'a.txt'), 'utf8'), 'local edit');
    assert.equal(readFileSync(join(target, 'b.txt'), 'utf8'), 'from backup');
    assert.deepEqual(ctx.warnings(), ['Kept existing a.txt (not overwritten)']);
    await restoreArchive(makeCtx(), { archivePath: r.archivePath!, target, overwrite: true });
    assert.equal(readFileSync(join(target, 'a.txt'), 'utf8'), 'from backup');
  });

  it('overwriting replaces a symlink in the target instead of writing through it', async () => {
    const src = tempDir();
    writeFileSync(join(src, 'a.txt'), 'from backup');
    const r = await backupOf(src);
    const outside = tempDir();
    writeFileSync(join(outside, 'victim.txt'), 'untouched');
    const target = tempDir();
    symlinkSync(join(outside, 'victim.txt'), join(target, 'a.txt'));
    await restoreArchive(makeCtx(), { archivePath: r.archivePath!, target, overwrite: true });
    assert.equal(readFileSync(join(outside, 'victim.txt'), 'utf8'), 'untouched');
    assert.ok(lstatSync(join(target, 'a.txt')).isFile());
  });

  it('keeping existing files, a link in the target (even one to nothing) is kept and never written through', async () => {
    const src = tempDir();
    mkdirSync(join(src, 'sub'));
    writeFileSync(join(src, 'sub/a.txt'), 'from backup');
    writeFileSync(join(src, 'b.txt'), 'from backup');
    const r = await backupOf(src);
    const outside = tempDir();
    const target = tempDir();
    mkdirSync(join(target, 'sub'));
    symlinkSync(join(outside, 'created-through-link.txt'), join(target, 'sub/a.txt')); // dangling
    const ctx = makeCtx();
    await restoreArchive(ctx, { archivePath: r.archivePath!, target, overwrite: false });
    assert.deepEqual(readdirSync(outside), []);
    assert.ok(lstatSync(join(target, 'sub/a.txt')).isSymbolicLink());
    assert.equal(readFileSync(join(target, 'b.txt'), 'utf8'), 'from backup');
    assert.deepEqual(ctx.warnings(), ['Kept existing sub/a.txt (not overwritten)']);
  });

  it('hostile archives write nothing outside the target and every refusal is logged', async () => {
    const base = tempDir();
    const outside = join(base, 'outside');
    const target = join(base, 'target');
    mkdirSync(outside);
    mkdirSync(target);
    writeFileSync(join(outside, 'secret.txt'), 'secret');
    symlinkSync(outside, join(target, 'pre-existing-link'));
    const archive = join(base, 'evil.tar.gz');
    writeFileSync(archive, buildTarGz([
      { path: 'fine.txt', body: 'ok' },
      { path: `${outside}/abs.txt`, body: 'absolute' },
      { path: '../outside/dotdot.txt', body: 'dotdot' },
      { path: 'sub/../../outside/dotdot2.txt', body: 'dotdot' },
      { path: 'esc', type: 'SymbolicLink', linkpath: '../outside' },
      { path: 'esc/through.txt', body: 'through link' },
      { path: 'abs-link', type: 'SymbolicLink', linkpath: outside },
      { path: 'tricky', type: 'SymbolicLink', linkpath: 'in/../../outside' },
      { path: 'in', type: 'SymbolicLink', linkpath: '.' },
      { path: 'in/ok-through-inner-link.txt', body: 'refused too: never write through a link' },
      { path: 'hard', type: 'Link', linkpath: '../outside/secret.txt' },
      { path: 'hard-abs', type: 'Link', linkpath: `${outside}/secret.txt` },
      { path: 'hard-via-link', type: 'Link', linkpath: 'pre-existing-link/secret.txt' },
      { path: 'pre-existing-link/planted.txt', body: 'through a link already in the target' },
      { path: 'fifo', type: 'FIFO' },
      { path: 'good-link', type: 'SymbolicLink', linkpath: 'fine.txt' },
    ]));
    const ctx = makeCtx();
    await restoreArchive(ctx, { archivePath: archive, target, overwrite: true });
    assert.deepEqual(readdirSync(outside).sort(), ['secret.txt']);
    assert.equal(readFileSync(join(outside, 'secret.txt'), 'utf8'), 'secret');
    assert.equal(readFileSync(join(target, 'fine.txt'), 'utf8'), 'ok');
    assert.equal(readFileSync(join(target, 'good-link'), 'utf8'), 'ok');
    assert.deepEqual(readdirSync(target).sort(), ['fine.txt', 'good-link', 'in', 'pre-existing-link']);
    assert.ok(!existsSync(join(base, 'abs.txt')));
    const refusals = ctx.warnings().filter((w) => w.startsWith('Refused'));
    assert.equal(refusals.length, 13, ctx.warnings().join('\n'));
    for (const p of ['abs.txt', 'dotdot.txt', 'esc', 'through.txt', 'abs-link', 'tricky', 'ok-through-inner-link.txt', 'hard:', 'hard-abs', 'hard-via-link', 'planted.txt', 'fifo']) {
      assert.ok(refusals.some((w) => w.includes(p)), `no refusal logged for ${p}:\n${refusals.join('\n')}`);
    }
  });

  it('refuses to restore a command dump, saying why', async () => {
    const dump = join(tempDir(), 'db-20260101-000000.dump');
    writeFileSync(dump, 'SQL');
    await assert.rejects(restoreArchive(makeCtx(), { archivePath: dump, target: tempDir(), overwrite: false }), /is a command dump: restore it with the tool that wrote it/);
  });

  it('cancel stops the extraction and says so (in this thread: the abort lands at a known file)', async () => {
    const src = tempDir();
    for (let i = 0; i < 300; i++) writeFileSync(join(src, `f${String(i).padStart(3, '0')}.bin`), randomBytes(3_000));
    const r = await backupOf(src);
    let progressed = 0;
    const ctx = makeCtx({ onProgress: (p, c) => (p.files ?? 0) > 0 && ++progressed === 1 && c.abort() });
    const target = tempDir();
    await assert.rejects(restoreArchive(ctx, { archivePath: r.archivePath!, target, overwrite: false, fsLayer: fs }), (e: Error) => e.name === 'AbortError');
    assert.equal(readdirSync(target).length, 1, 'the first file, then the cancel');
    assert.match(ctx.warnings().join('\n'), /Restore cancelled: 1 entry \(2\.9 KB\) written into .* stay there/);
  });

  it('cancel reaches the restore worker', async () => {
    const src = tempDir();
    for (let i = 0; i < 2000; i++) writeFileSync(join(src, `f${i}.bin`), randomBytes(16_000));
    const r = await backupOf(src);
    const ctx = makeCtx({ onProgress: (p, c) => (p.files ?? 0) > 0 && c.abort() });
    const target = tempDir();
    await assert.rejects(restoreArchive(ctx, { archivePath: r.archivePath!, target, overwrite: false }), (e: Error) => e.name === 'AbortError');
    assert.ok(readdirSync(target).length < 2000);
  });
});
