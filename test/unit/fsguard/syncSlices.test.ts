// Synchronous calls on the host's thread stop for good once calls are slow (a disk that seeks for
// every file), but not for one slow call: on a busy machine any call is now and then preempted.
import * as assert from 'node:assert/strict';
import { SyncSlices } from '../../../src/extension/core/fsguard';

/** A call that takes at least `ms` of wall time. */
function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

describe('synchronous calls in slices', () => {
  it('one slow call among many: every call still runs synchronously', async () => {
    const slices = new SyncSlices(50);
    const out = await slices.each(20, (i) => (i === 3 && busy(60), i));
    assert.deepEqual(out, [...Array(20).keys()]);
    assert.equal(slices.isAsync, false);
  });

  it('three slow calls: the rest goes to the thread pool (fewer results come back) and stays there', async () => {
    const slices = new SyncSlices(50);
    const out = await slices.each(20, (i) => (i < 3 && busy(60), i));
    assert.deepEqual(out, [0, 1, 2]);
    assert.equal(slices.isAsync, true);
    assert.deepEqual(await slices.each(5, (i) => i), []);
  });

  it('a network source never calls synchronously', async () => {
    const slices = new SyncSlices(undefined, true);
    assert.deepEqual(await slices.each(5, () => assert.fail('called')), []);
  });
});
