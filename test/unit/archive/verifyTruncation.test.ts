// Verify must notice an archive cut short anywhere, also without a recorded hash: the cuts that
// matter most fall between two gzip members at a tar entry boundary, where gunzip and a lenient
// tar reader both see a well-formed (shorter) archive.
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { runFolderBackup, verifyArchive } from '../../../src/extension/core/engines/archive/operations';
import { cleanupTemp, makeCtx, tempDir } from './helpers';

/** Offsets where one gzip member ends and the next begins: a cut there leaves valid gzip. */
function memberBoundaries(bytes: Buffer): number[] {
  const out: number[] = [];
  for (let i = 1; i + 3 < bytes.length; i++) {
    if (bytes[i] !== 0x1f || bytes[i + 1] !== 0x8b || bytes[i + 2] !== 0x08) continue;
    try {
      gunzipSync(bytes.subarray(0, i));
      out.push(i);
    } catch {
      /* the magic bytes were data inside a member */
    }
  }
  return out;
}

/** Small deterministic generator, so a failing offset can be reproduced from the printed seed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('verify: truncation', function () {
  this.timeout(120_000);
  afterEach(cleanupTemp);

  it('fails on every one of 200 cuts, member boundaries included, with and without the recorded hash', async () => {
    const src = tempDir();
    // Each of these is one 512-byte header plus 15872 bytes of data: one 16 KB gzip member
    // exactly, so the first members end where a tar entry ends.
    for (let i = 0; i < 8; i++) writeFileSync(join(src, `a${i}.txt`), `${i}`.repeat(16 * 1024 - 512));
    mkdirSync(join(src, 'd'));
    for (let i = 0; i < 40; i++) writeFileSync(join(src, `d/f${i}.txt`), `line ${i}\n`.repeat(200 + i * 30));
    writeFileSync(join(src, 'blob.bin'), randomBytes(200_000));
    const r = await runFolderBackup(makeCtx(), { envId: 'e', source: src, destination: tempDir(), exclude: [], useGitignore: false, skipIfUnchanged: false, chunkSize: 16 * 1024 });
    const bytes = readFileSync(r.archivePath!);
    await verifyArchive(makeCtx(), r.archivePath!, { sha256: r.sha256, fileCount: r.fileCount });

    const boundaries = memberBoundaries(bytes);
    assert.ok(boundaries.length >= 10, `expected many gzip members, found ${boundaries.length + 1}`);
    const seed = Date.now() % 1_000_000;
    const next = rng(seed);
    const offsets = new Set<number>(boundaries);
    while (offsets.size < 200) offsets.add(1 + Math.floor(next() * (bytes.length - 1)));

    const cut = join(tempDir(), 'cut.tar.gz');
    let caught = 0;
    let caughtWithHash = 0;
    const missed: number[] = [];
    for (const at of offsets) {
      writeFileSync(cut, bytes.subarray(0, at));
      const bare = await verifyArchive(makeCtx(), cut).then(() => false, () => true);
      if (bare) caught++;
      else missed.push(at);
      if (await verifyArchive(makeCtx(), cut, { sha256: r.sha256, fileCount: r.fileCount }).then(() => false, () => true)) caughtWithHash++;
    }
    console.log(`      truncation: ${caught} of ${offsets.size} caught without the recorded hash (${boundaries.length} cuts at gzip member boundaries, seed ${seed}), ${caughtWithHash} of ${offsets.size} with it`);
    assert.deepEqual(missed, [], `cuts that verified as good (archive of ${bytes.length} bytes)`);
    assert.equal(caughtWithHash, offsets.size);
  });

  it('says the archive ends early when the end-of-archive blocks are missing', async () => {
    const src = tempDir();
    for (let i = 0; i < 4; i++) writeFileSync(join(src, `f${i}.txt`), `${i}`.repeat(16 * 1024 - 512));
    const r = await runFolderBackup(makeCtx(), { envId: 'e', source: src, destination: tempDir(), exclude: [], useGitignore: false, skipIfUnchanged: false, chunkSize: 16 * 1024 });
    const bytes = readFileSync(r.archivePath!);
    const at = memberBoundaries(bytes)[0];
    writeFileSync(r.archivePath!, bytes.subarray(0, at));
    await assert.rejects(verifyArchive(makeCtx(), r.archivePath!), /is damaged: .*ends before the end-of-archive marker/);
  });
});
