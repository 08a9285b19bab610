import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { BACKGROUND_NICE, GzipPool } from '../../../src/extension/core/engines/archive/gzipPool';
import { newThreads, niceByThread } from '../util/threadNice';

/** A chunk as the writer makes one: a buffer that owns its ArrayBuffer. */
function chunk(data: Buffer): Buffer {
  const b = Buffer.allocUnsafeSlow(data.length);
  data.copy(b);
  return b;
}

describe('gzip pool (compression threads)', function () {
  this.timeout(20000);
  let pool: GzipPool;
  beforeEach(() => (pool = new GzipPool(2)));
  afterEach(() => pool.close());

  it('returns gzip members that decompress to the input, and hands the input buffer back intact', async () => {
    const text = Buffer.from('export const answer = 42;\n'.repeat(40_000));
    const input = chunk(text);
    const r = await pool.gzip(input, 700_000, 6, true);
    assert.equal(input.byteLength, 0, 'the chunk was moved to the thread while it worked');
    assert.equal(r.stored, false);
    assert.ok(r.member.length < 100_000, `compressed to ${r.member.length} bytes`);
    assert.deepEqual(gunzipSync(r.member), text.subarray(0, 700_000));
    assert.equal(r.input.length, text.length);
    assert.deepEqual(r.input, text, 'the buffer came back with its bytes');
  });

  it('stores a chunk of random data (level 0) when asked to probe, and deflates it when not', async () => {
    const noise = randomBytes(1024 * 1024);
    const probed = await pool.gzip(chunk(noise), noise.length, 6, true);
    assert.equal(probed.stored, true);
    assert.deepEqual(gunzipSync(probed.member), noise);
    const deflated = await pool.gzip(chunk(noise), noise.length, 6, false);
    assert.equal(deflated.stored, false);
    assert.deepEqual(gunzipSync(deflated.member), noise);
  });

  it('runs jobs on as many threads as it was given, each below normal priority on Linux', async function () {
    if (process.platform !== 'linux') this.skip();
    const before = niceByThread();
    const data = Buffer.from('abc'.repeat(400_000));
    const results = await Promise.all([1, 2, 3, 4].map(() => pool.gzip(chunk(data), data.length, 6, false)));
    for (const r of results) assert.deepEqual(gunzipSync(r.member), data);
    assert.deepEqual(await pool.threadNices(), [BACKGROUND_NICE, BACKGROUND_NICE]);
    const added = newThreads(before);
    assert.equal(added.filter(([, nice]) => nice === BACKGROUND_NICE).length, 2, `new threads and their nice values: ${JSON.stringify(added)}`);
    assert.equal(niceByThread().get(process.pid), before.get(process.pid), 'the calling thread keeps its priority');
  });

  it('fails a job that zlib refuses with a clear error, and keeps working', async () => {
    const data = Buffer.from('x'.repeat(100_000));
    await assert.rejects(pool.gzip(chunk(data), data.length, 42, false), /gzip failed: .*level/i);
    const r = await pool.gzip(chunk(data), data.length, 6, false);
    assert.deepEqual(gunzipSync(r.member), data);
  });

  it('fails the jobs in flight when its threads stop, and starts new threads for later jobs', async () => {
    const data = Buffer.from(randomBytes(512 * 1024).toString('hex'));
    const inFlight = pool.gzip(chunk(data), data.length, 9, false);
    await pool.close();
    await assert.rejects(inFlight, /gzip thread stopped/);
    const r = await pool.gzip(chunk(data), data.length, 6, false);
    assert.deepEqual(gunzipSync(r.member), data);
  });

  it('refuses a buffer that shares its ArrayBuffer (moving it would take the other bytes too)', () => {
    const big = Buffer.allocUnsafeSlow(1024);
    assert.throws(() => pool.gzip(big.subarray(10, 500), 490, 6, false), /must own its ArrayBuffer/);
  });
});
