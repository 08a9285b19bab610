// The listing cache between the `backup:` file system / Browse view / Compare marks and the
// engines: one folder at a time where the engine can, bounded by entries, requests in flight
// shared, and cancelled only when every caller has given up.
import * as assert from 'node:assert/strict';
import type { BackupEntry } from '../../../src/extension/core/engines/types';
import { ListingCache, type ListingSource } from '../../../src/extension/core/browse/listingCache';

const file = (path: string): BackupEntry => ({ path, type: 'file', size: 1 });
const dir = (path: string): BackupEntry => ({ path, type: 'dir', size: 0 });

/** A source whose calls are recorded; `hold` makes calls wait until released. */
function source(opts: { folders: boolean; perFolder?: number; failOnce?: string }) {
  const calls: string[] = [];
  const signals: AbortSignal[] = [];
  let release: (() => void) | undefined;
  let held: Promise<void> | undefined;
  let failed = false;
  const gate = async (signal?: AbortSignal) => {
    if (signal) signals.push(signal);
    if (held) await held;
    if (signal?.aborted) throw new Error('aborted');
  };
  const src: ListingSource = {
    listsFolders: () => opts.folders,
    async listFiles(env, id, signal) {
      calls.push(`files ${env}:${id}`);
      await gate(signal);
      if (id === opts.failOnce && !failed) {
        failed = true;
        throw new Error('unreadable');
      }
      return [file(`${id}.txt`)];
    },
    async listFolder(env, id, d, signal) {
      calls.push(`folder ${env}:${id}:${d}`);
      await gate(signal);
      const pre = d ? `${d}/` : '';
      return [dir(`${pre}sub`), ...Array.from({ length: opts.perFolder ?? 2 }, (_, i) => file(`${pre}f${i}.txt`))];
    },
    async statEntry(env, id, p, signal) {
      calls.push(`stat ${env}:${id}:${p}`);
      await gate(signal);
      return p.endsWith('.txt') ? file(p) : undefined;
    },
  };
  return {
    src,
    calls,
    signals,
    hold() {
      held = new Promise((r) => (release = r));
    },
    release() {
      held = undefined;
      release?.();
    },
  };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('ListingCache', () => {
  it('whole listings (archive): listed once, least recently used out first, a failure retried', async () => {
    const s = source({ folders: false, failOnce: 'bad' });
    const cache = new ListingCache(s.src, 2); // two one-entry listings
    await cache.stat('e', 'one', 'one.txt');
    await cache.children('e', 'one', '');
    assert.deepEqual(s.calls, ['files e:one']);
    await cache.stat('e', 'two', 'x');
    await cache.stat('e', 'one', 'x'); // one is now the most recent
    await cache.stat('e', 'three', 'x'); // two goes
    await cache.stat('e', 'one', 'x');
    await cache.stat('e', 'two', 'x');
    assert.deepEqual(s.calls, ['files e:one', 'files e:two', 'files e:three', 'files e:two']);
    await assert.rejects(cache.children('e', 'bad', ''), /unreadable/);
    assert.deepEqual((await cache.children('e', 'bad', '')).map((x) => x.path), ['bad.txt']);
  });

  it('folder engines (restic): one folder per listing, a stat from its folder, a mark looked up alone', async () => {
    const s = source({ folders: true });
    const cache = new ListingCache(s.src);
    assert.deepEqual((await cache.children('e', 'b', 'a/b')).map((x) => x.path), ['a/b/sub', 'a/b/f0.txt', 'a/b/f1.txt']);
    assert.equal((await cache.stat('e', 'b', 'a/b/f1.txt'))?.type, 'file', 'from the listed folder');
    assert.equal((await cache.lookup('e', 'b', 'a/b/f0.txt'))?.type, 'file', 'from the listed folder too');
    assert.deepEqual(s.calls, ['folder e:b:a/b']);
    assert.equal((await cache.lookup('e', 'c', 'x/y/z.txt'))?.path, 'x/y/z.txt');
    assert.equal(await cache.lookup('e', 'c', 'x/y/none'), undefined);
    assert.deepEqual(s.calls.slice(1), ['stat e:c:x/y/z.txt', 'stat e:c:x/y/none'], 'a mark lists no folder');
    assert.equal(cache.keptEntries, 3, 'a lookup keeps nothing');
  });

  it('is bounded by entries, not by listings', async () => {
    const s = source({ folders: true, perFolder: 399 }); // 400 entries a folder
    const cache = new ListingCache(s.src, 1000);
    for (const d of ['a', 'b', 'c', 'd']) await cache.children('e', 'b', d);
    assert.equal(cache.keptEntries, 800, 'two folders of 400 fit in 1,000');
    await cache.children('e', 'b', 'd');
    await cache.children('e', 'b', 'c');
    assert.equal(s.calls.length, 4, 'the two most recent are kept');
    await cache.children('e', 'b', 'a');
    assert.equal(s.calls.length, 5, 'the oldest was dropped');
    const big = new ListingCache(source({ folders: true, perFolder: 5000 }).src, 1000);
    await big.children('e', 'b', '');
    assert.equal(big.keptEntries, 5001, 'one listing larger than the bound stays, alone');
    await big.children('e', 'b', 'x');
    assert.equal(big.keptEntries, 5001);
  });

  it('shares a request in flight; one caller giving up leaves it running, the last one cancels it', async () => {
    const s = source({ folders: true });
    const cache = new ListingCache(s.src);
    s.hold();
    const a = new AbortController();
    const b = new AbortController();
    const pa = cache.children('e', 'b', 'd', a.signal);
    const pb = cache.children('e', 'b', 'd', b.signal);
    await tick();
    assert.deepEqual(s.calls, ['folder e:b:d'], 'one request for both');
    a.abort();
    await assert.rejects(pa, /cancelled/);
    assert.equal(s.signals[0].aborted, false, 'b still waits for it');
    b.abort();
    await assert.rejects(pb, /cancelled/);
    assert.equal(s.signals[0].aborted, true, 'nobody waits: the request (its process) is cancelled');
    s.release();
    // Nothing was kept: the next caller starts again, and gets the listing.
    assert.equal((await cache.children('e', 'b', 'd')).length, 3);
    assert.deepEqual(s.calls, ['folder e:b:d', 'folder e:b:d']);

    s.hold();
    const c = new AbortController();
    const pc = cache.lookup('e', 'b', 'q/r.txt', c.signal);
    const pd = cache.lookup('e', 'b', 'q/r.txt');
    await tick();
    c.abort();
    await assert.rejects(pc, /cancelled/);
    s.release();
    assert.equal((await pd)?.path, 'q/r.txt', 'a caller without a signal keeps the request alive');
    assert.equal(s.calls.filter((x) => x.startsWith('stat')).length, 1);
  });

  it('runs at most 4 listings at once; one given up while it waits never starts', async () => {
    const s = source({ folders: true });
    const cache = new ListingCache(s.src);
    s.hold();
    const gaveUp = new AbortController();
    const all = ['a', 'b', 'c', 'd', 'e', 'f'].map((d) => cache.children('e', 'b', d, d === 'f' ? gaveUp.signal : undefined));
    await tick();
    assert.deepEqual(s.calls, ['folder e:b:a', 'folder e:b:b', 'folder e:b:c', 'folder e:b:d']);
    gaveUp.abort();
    await assert.rejects(all[5], /cancelled/);
    s.release();
    assert.deepEqual((await Promise.all(all.slice(0, 5))).map((l) => l.length), [3, 3, 3, 3, 3]);
    assert.deepEqual(s.calls.slice(4), ['folder e:b:e'], 'f was given up before it started');
  });
});
