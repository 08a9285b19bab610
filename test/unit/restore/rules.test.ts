// The restore rules as plain functions: what the archive restore and the restic engine's
// restores both decide with.
import * as assert from 'node:assert/strict';
import { lstatSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkBeforeWriting, decideExisting, freeSpace, pathSelector, safeMode, spaceNeeded, WriteFailures } from '../../../src/extension/core/restore/rules';
import { cleanupTemp, tempDir } from '../archive/helpers';

describe('restore rules', () => {
  afterEach(cleanupTemp);

  it('decideExisting: only `replace` removes anything, only with overwrite, and never a folder', () => {
    const d = tempDir();
    writeFileSync(join(d, 'file'), 'x');
    mkdirSync(join(d, 'dir'));
    symlinkSync('file', join(d, 'link'));
    const st = (n: string) => lstatSync(join(d, n));
    assert.deepEqual(decideExisting(undefined, false, false), { action: 'create' });
    assert.deepEqual(decideExisting(st('dir'), true, false), { action: 'merge' });
    assert.deepEqual(decideExisting(st('file'), false, false), { action: 'keep' });
    assert.deepEqual(decideExisting(st('file'), false, true), { action: 'replace' });
    assert.equal(decideExisting(st('file'), true, false).action, 'conflict');
    assert.match((decideExisting(st('link'), true, false) as { reason: string }).reason, /symbolic link in the target/);
    assert.equal(decideExisting(st('file'), true, true).action, 'replace');
    for (const overwrite of [false, true]) assert.equal(decideExisting(st('dir'), false, overwrite).action, 'conflict');
  });

  it('pathSelector: a path selects itself and what is below it, nothing that merely starts alike', () => {
    const sel = pathSelector(['docs', './top.txt', 'a/b/'])!;
    for (const p of ['docs', 'docs/x.md', './docs/sub/y', 'top.txt', 'a/b', 'a/b/c']) assert.ok(sel(p), p);
    for (const p of ['docsX', 'docs2/x', 'top.txt2', 'a', 'a/bc']) assert.ok(!sel(p), p);
    assert.equal(pathSelector(undefined), undefined);
    assert.equal(pathSelector([]), undefined);
    assert.equal(pathSelector(['.']), undefined, '"." is the whole backup');
    assert.throws(() => pathSelector(['../x']), /not a path inside the backup/);
    assert.throws(() => pathSelector(['/etc']), /not a path inside the backup/);
  });

  it('safeMode drops setuid and setgid, keeps the rest (and the sticky bit of folders)', () => {
    assert.equal(safeMode(0o4755, false), 0o755);
    assert.equal(safeMode(0o2755, false), 0o755);
    assert.equal(safeMode(0o7777, true), 0o1777);
    assert.equal(safeMode(0o600, false), 0o600);
    assert.equal(safeMode(undefined, true), 0o755);
  });

  it('checkBeforeWriting: entries, size, free bytes and free inodes, in that order', () => {
    const limits = { maxEntries: 100, maxBytes: 1_000_000 };
    const ok = { entries: 10, bytes: 1000, needed: 40960, creates: 10 };
    assert.equal(checkBeforeWriting(ok, { bytes: 1 << 20, inodes: 1000, blockSize: 4096 }, limits), undefined);
    assert.equal(checkBeforeWriting(ok, undefined, limits), undefined, 'no statfs: only the bounds');
    assert.match(checkBeforeWriting({ ...ok, entries: 101 }, undefined, limits)!, /holds 101 entries, more than the 100/);
    assert.match(checkBeforeWriting({ ...ok, bytes: 2_000_000 }, undefined, limits)!, /expands to 1\.9 MB, more than the 976\.6 KB/);
    assert.match(checkBeforeWriting(ok, { bytes: 40000, blockSize: 4096 }, limits)!, /needs 40\.0 KB and the target has 39\.1 KB free/);
    assert.match(checkBeforeWriting(ok, { bytes: 1 << 20, inodes: 5, blockSize: 4096 }, limits)!, /creates 10 entries and the target's file system has room for 5 more/);
    assert.equal(spaceNeeded([1, 4096, 4097, 0], 4096), 4096 + 4096 + 8192);
  });

  it('freeSpace reads the real file system', () => {
    const f = freeSpace(tempDir())!;
    assert.ok(f.bytes > 0 && f.blockSize > 0);
  });

  it('WriteFailures names the first files and counts the rest', () => {
    const w = new WriteFailures();
    for (let i = 0; i < 12; i++) w.add(`f${i}`, Object.assign(new Error('x'), { code: i < 11 ? 'ENOSPC' : 'EACCES' }));
    assert.equal(w.describe(3), '12 files could not be written (no space left on device; permission denied): f0, f1, f2 and 9 more');
  });
});
