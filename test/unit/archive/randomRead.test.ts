import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { archiveIndex, clearArchiveIndexCache, listArchiveEntries, readArchiveFile, runFolderBackup, verifyArchive, applyRetention, listArchives } from '../../../src/extension/core/engines/archive/operations';
import { readIndexFile, scanArchive } from '../../../src/extension/core/engines/archive/archiveIndex';
import { cleanupTemp, gnuExtract, gnuList, makeCtx, tempDir, treeDigest } from './helpers';

const LONG_DIR = `${'deep-folder-name-'.repeat(5)}x`;
const LONG_FILE = `${'a-very-long-file-name-'.repeat(6)}end.txt`; // > 100 bytes: needs a pax header

/** A tree whose archive, at 64 KiB per member, has entries spanning members and pax long names. */
function tree(): { src: string; contents: Map<string, Buffer> } {
  const src = tempDir();
  const contents = new Map<string, Buffer>();
  const put = (rel: string, data: Buffer) => {
    mkdirSync(join(src, rel, '..'), { recursive: true });
    writeFileSync(join(src, rel), data);
    contents.set(rel, data);
  };
  put('aaa-first.txt', Buffer.from('the first file\n'));
  for (let i = 0; i < 40; i++) put(`mid/f${String(i).padStart(2, '0')}.txt`, Buffer.from(`file ${i}\n`.repeat(300 + i * 37)));
  put('mid/spans.bin', randomBytes(300_000)); // about five members
  put(`${LONG_DIR}/${LONG_FILE}`, Buffer.from('long name content\n'));
  put('zzz-last.txt', Buffer.from('the last file\n'));
  symlinkSync('aaa-first.txt', join(src, 'link-to-first'));
  return { src, contents };
}

async function backup(src: string, chunkSize = 64 * 1024) {
  const dest = tempDir();
  const r = await runFolderBackup(makeCtx(), { envId: 'e', source: src, destination: dest, exclude: [], useGitignore: false, skipIfUnchanged: false, chunkSize });
  return { archive: r.archivePath!, dest, result: r };
}

describe('archive index and random reads', function () {
  this.timeout(30000);
  beforeEach(clearArchiveIndexCache);
  afterEach(cleanupTemp);

  it('the backup writes a private <archive>.idx beside a plain .tar.gz that GNU tar reads', async () => {
    const { src } = tree();
    const { archive, dest } = await backup(src);
    const idx = `${archive}.idx`;
    assert.ok(existsSync(idx));
    assert.equal(statSync(idx).mode & 0o777, 0o600);
    const gnu = gnuList(archive);
    assert.ok(gnu.includes(`${LONG_DIR}/${LONG_FILE}`), gnu.join('\n'));
    const out = tempDir();
    gnuExtract(archive, out);
    assert.deepEqual(treeDigest(out), treeDigest(src));
    // listArchives ignores the sidecar
    assert.deepEqual((await listArchives(dest, 'e')).map((a) => a.path), [archive]);
    const stored = (await readIndexFile(archive))!;
    assert.ok(stored.members.c.length > 10, `only ${stored.members.c.length} members`);
  });

  it('the index the backup writes matches the archive on disk, whatever the size of its last members', async () => {
    // The backup hashes the archive's last 4 KB from what it wrote, without reading it back: a
    // one-member archive smaller than that, members of 1 KB, and the ordinary case.
    const small = tempDir();
    writeFileSync(join(small, 'notes.txt'), 'environment 1\n'.repeat(200));
    for (const [src, chunkSize] of [[small, 64 * 1024], [tree().src, 1024], [tree().src, 64 * 1024]] as const) {
      const { archive } = await backup(src, chunkSize);
      const written = await readIndexFile(archive);
      assert.ok(written, `the index of ${archive} (${chunkSize} B members) does not match it`);
      unlinkSync(`${archive}.idx`);
      clearArchiveIndexCache();
      await archiveIndex(archive);
      assert.equal((await readIndexFile(archive))!.tailHash, written.tailHash);
    }
  });

  it('reads the first, a middle, the last, a spanning and a long-named file byte-identical', async () => {
    const { src, contents } = tree();
    const { archive } = await backup(src);
    const idx = await archiveIndex(archive);
    const spans = idx.entries.find((e) => e.path === 'mid/spans.bin')!;
    const firstMember = idx.members.u.filter((u) => u <= spans.dataOffset).length - 1;
    const lastMember = idx.members.u.filter((u) => u < spans.dataOffset + spans.size).length - 1;
    assert.ok(lastMember - firstMember >= 3, 'the test file must span several members');
    for (const rel of ['aaa-first.txt', 'mid/f20.txt', 'mid/spans.bin', `${LONG_DIR}/${LONG_FILE}`, 'zzz-last.txt']) {
      assert.deepEqual(Buffer.from(await readArchiveFile(archive, rel)), contents.get(rel), rel);
    }
    assert.deepEqual(Buffer.from(await readArchiveFile(archive, './mid/f20.txt')), contents.get('mid/f20.txt'));
    assert.deepEqual(Buffer.from(await readArchiveFile(archive, 'link-to-first')), contents.get('aaa-first.txt'));
  });

  it('reading one file inflates only its members: a damaged member elsewhere does not matter', async () => {
    const { src, contents } = tree();
    const { archive } = await backup(src);
    const idx = await archiveIndex(archive);
    const bytes = readFileSync(archive);
    const lastMemberStart = idx.members.c[idx.members.c.length - 1];
    const at = Math.floor((lastMemberStart + idx.members.c[idx.members.c.length - 2]) / 2); // inside the member before the last
    bytes[at] ^= 0xff;
    writeFileSync(archive, bytes);
    clearArchiveIndexCache();
    await assert.rejects(verifyArchive(makeCtx(), archive), /damaged/);
    assert.deepEqual(Buffer.from(await readArchiveFile(archive, 'aaa-first.txt')), contents.get('aaa-first.txt'));
    assert.deepEqual(Buffer.from(await readArchiveFile(archive, 'mid/f03.txt')), contents.get('mid/f03.txt'));
  });

  it('lists every entry with type, size and mode', async () => {
    const { src, contents } = tree();
    const { archive } = await backup(src);
    const entries = await listArchiveEntries(archive);
    const byPath = new Map(entries.map((e) => [e.path, e]));
    for (const [rel, data] of contents) {
      assert.equal(byPath.get(rel)?.type, 'file', rel);
      assert.equal(byPath.get(rel)?.size, data.length, rel);
      assert.equal(byPath.get(rel)?.mode, statSync(join(src, rel)).mode & 0o7777);
    }
    assert.equal(byPath.get('mid')?.type, 'dir');
    assert.equal(byPath.get(LONG_DIR)?.type, 'dir');
    assert.deepEqual(byPath.get('link-to-first'), { ...byPath.get('link-to-first'), type: 'symlink', linkTarget: 'aaa-first.txt' });
    assert.equal(entries.length, contents.size + 3 /* mid, long dir, link */);
  });

  it('an archive without an index gets one rebuilt on demand, equal to the one the backup wrote', async () => {
    const { src, contents } = tree();
    const { archive } = await backup(src);
    const written = (await readIndexFile(archive))!;
    unlinkSync(`${archive}.idx`);
    assert.deepEqual(Buffer.from(await readArchiveFile(archive, 'mid/f07.txt')), contents.get('mid/f07.txt'));
    const rebuilt = (await readIndexFile(archive))!;
    assert.deepEqual(rebuilt.members, written.members);
    assert.deepEqual(rebuilt.entries, written.entries);
    assert.equal(statSync(`${archive}.idx`).mode & 0o777, 0o600);
  });

  it('reads from archives GNU tar wrote (one gzip member; GNU long names and pax)', async () => {
    const { src, contents } = tree();
    const longTarget = `${LONG_DIR}/${LONG_FILE}`;
    symlinkSync(longTarget, join(src, 'long-link')); // a link target over 100 bytes: GNU 'K' / pax linkpath
    for (const format of ['gnu', 'pax']) {
      const archive = join(tempDir(), `gnu-${format}.tar.gz`);
      execFileSync('tar', [`--format=${format}`, '-czf', archive, '-C', src, '.']);
      clearArchiveIndexCache();
      assert.deepEqual(Buffer.from(await readArchiveFile(archive, `${LONG_DIR}/${LONG_FILE}`)), contents.get(`${LONG_DIR}/${LONG_FILE}`), format);
      assert.deepEqual(Buffer.from(await readArchiveFile(archive, 'mid/spans.bin')), contents.get('mid/spans.bin'), format);
      const paths = (await listArchiveEntries(archive)).map((e) => e.path);
      assert.ok(paths.includes(`${LONG_DIR}/${LONG_FILE}`) && paths.includes('zzz-last.txt') && !paths.includes(''), `${format}: ${paths.join(', ')}`);
      assert.equal((await listArchiveEntries(archive)).find((e) => e.path === 'long-link')?.linkTarget, longTarget, format);
      assert.deepEqual(Buffer.from(await readArchiveFile(archive, 'long-link')), contents.get(longTarget), format);
    }
  });

  it('a stale index (the archive was replaced) is noticed and rebuilt, never trusted', async () => {
    const a = tree();
    const b = tree();
    b.contents.set('mid/f10.txt', Buffer.from('changed\n'));
    writeFileSync(join(b.src, 'mid/f10.txt'), 'changed\n');
    const { archive } = await backup(a.src);
    const other = await backup(b.src);
    // Same path, other archive, the first archive's sidecar left beside it.
    writeFileSync(archive, readFileSync(other.archive));
    clearArchiveIndexCache();
    assert.equal(Buffer.from(await readArchiveFile(archive, 'mid/f10.txt')).toString(), 'changed\n');
    // A sidecar that passes the size/tail check but has wrong offsets: the header check catches it.
    const idx = JSON.parse(readFileSync(`${archive}.idx`, 'utf8'));
    const row = idx.entries.find((e: unknown[]) => e[0] === 'mid/f10.txt');
    const victim = idx.entries.find((e: unknown[]) => e[0] === 'mid/f11.txt');
    [row[5], row[6]] = [victim[5], victim[6]];
    writeFileSync(`${archive}.idx`, JSON.stringify(idx));
    clearArchiveIndexCache();
    assert.equal(Buffer.from(await readArchiveFile(archive, 'mid/f10.txt')).toString(), 'changed\n');
  });

  it('a missing path, a folder and a damaged archive give clear errors', async () => {
    const { src } = tree();
    const { archive } = await backup(src);
    await assert.rejects(readArchiveFile(archive, 'nope.txt'), (e: Error & { code?: string }) => e.code === 'ENOENT' && /nope\.txt is not in/.test(e.message));
    await assert.rejects(readArchiveFile(archive, 'mid'), (e: Error & { code?: string }) => e.code === 'EISDIR');
    const broken = join(tempDir(), 'broken.tar.gz');
    writeFileSync(broken, readFileSync(archive).subarray(0, 5000));
    await assert.rejects(listArchiveEntries(broken), /is damaged/);
  });

  it('scanning checks every member: one flipped byte fails the rebuild', async () => {
    const { src } = tree();
    const { archive } = await backup(src);
    const bytes = readFileSync(archive);
    bytes[Math.floor(bytes.length / 2)] ^= 0x01;
    writeFileSync(archive, bytes);
    await assert.rejects(scanArchive(archive), /damaged|invalid|incorrect|unexpected/i);
  });

  it('a half-written index left by a dead process is removed by the next backup', async () => {
    const { src } = tree();
    const dest = tempDir();
    const stale = join(dest, '.e-20250101-000000.tar.gz.idx.999999999.abcdef.partial');
    writeFileSync(stale, '{');
    await runFolderBackup(makeCtx(), { envId: 'e', source: src, destination: dest, exclude: [], useGitignore: false, skipIfUnchanged: false });
    assert.ok(!existsSync(stale));
  });

  it('retention deletes an archive together with its index, and removes orphaned indexes', async () => {
    const { src } = tree();
    const dest = tempDir();
    const paths: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await runFolderBackup(makeCtx({ now: Date.UTC(2026, 0, 1 + i) }), { envId: 'e', source: src, destination: dest, exclude: [], useGitignore: false, skipIfUnchanged: false });
      paths.push(r.archivePath!);
    }
    writeFileSync(join(dest, 'e-20250101-000000.tar.gz.idx'), '{}'); // its archive is long gone
    writeFileSync(join(dest, 'other-20250101-000000.tar.gz.idx'), '{}'); // another environment's
    await applyRetention(makeCtx({ now: Date.UTC(2026, 0, 5) }), { envId: 'e', destination: dest, policy: { keepLast: 1 }, timeZone: 'UTC' });
    assert.ok(existsSync(paths[2]) && existsSync(`${paths[2]}.idx`));
    for (const p of paths.slice(0, 2)) assert.ok(!existsSync(p) && !existsSync(`${p}.idx`), p);
    assert.ok(!existsSync(join(dest, 'e-20250101-000000.tar.gz.idx')));
    assert.ok(existsSync(join(dest, 'other-20250101-000000.tar.gz.idx')));
  });
});
