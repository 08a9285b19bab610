// Network and FUSE sources are walked with the asynchronous lstat only: a synchronous call that
// hangs there would hold the whole extension host, where the guard can bound an asynchronous one.
import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Lstatter } from '../../../src/extension/core/source/walk';
import { isNetworkFsMagic, onNetworkFs } from '../../../src/extension/core/fsguard';
import { cleanupTemp, tempDir } from '../archive/helpers';

describe('network file systems', () => {
  afterEach(cleanupTemp);

  it('knows NFS, SMB/CIFS and FUSE by their statfs type, and not ext4, tmpfs or proc', () => {
    for (const m of [0x6969, 0xff534d42, 0xfe534d42, 0x517b, 0x65735546]) assert.equal(isNetworkFsMagic(m), true, m.toString(16));
    for (const m of [0xef53, 0x01021994, 0x9fa0]) assert.equal(isNetworkFsMagic(m), false, m.toString(16));
  });

  it('a local temporary folder is not on a network file system', async () => {
    assert.equal(await onNetworkFs(tempDir(), (fn) => fn()), false);
  });

  it('an lstat that starts asynchronous never uses the synchronous call, with the same results', async () => {
    const dir = tempDir();
    const paths = ['a', 'missing'].map((n) => join(dir, n));
    writeFileSync(paths[0], 'a');
    const sync = new Lstatter();
    const async = new Lstatter(undefined, true);
    assert.equal(async.isAsync, true);
    const shape = (r: (import('node:fs').Stats | Error)[]) => r.map((x) => (x instanceof Error ? (x as NodeJS.ErrnoException).code : `${x.ino}:${x.size}`));
    assert.deepEqual(shape(await async.many(paths)), shape(await sync.many(paths)));
    assert.equal(sync.isAsync, false);
  });
});
