// Synchronous calls on the host's thread stop for good once calls are slow (a disk that seeks for
// every file), but not for one slow call: on a busy machine any call is now and then preempted.
import * as assert from 'node:assert/strict';
import { SyncSlices } from '../../../src/extension/core/fsguard';

/** A call that takes at least `ms` of wall time. */
function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

/** A call blocked for at least `ms` (as on a slow disk: asleep, not waiting for a core). */
function blocked(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
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
    const out = await slices.each(20, (i) => (i < 3 && blocked(60), i));
    assert.deepEqual(out, [0, 1, 2]);
    assert.equal(slices.isAsync, true);
    assert.deepEqual(await slices.each(5, (i) => i), []);
  });

  it('calls slow only because the thread waited for a core (preempted on a busy machine) stay synchronous', async () => {
    // What schedstat would say: each slow call below waited for a core longer than it took (more
    // than the 60 ms, so that a real preemption of this test cannot tip it over).
    let waited = 0;
    const slices = new SyncSlices(50, false, () => waited);
    const out = await slices.each(20, (i) => (i < 3 && (busy(60), (waited += 200)), i));
    assert.deepEqual(out, [...Array(20).keys()]);
    assert.equal(slices.isAsync, false);
    const same = new SyncSlices(50, false, () => waited); // and without the wait, the same calls count as slow
    assert.deepEqual(await same.each(20, (i) => (i < 3 && busy(60), i)), [0, 1, 2]);
    assert.equal(same.isAsync, true);
  });

  it('a network source never calls synchronously', async () => {
    const slices = new SyncSlices(undefined, true);
    assert.deepEqual(await slices.each(5, () => assert.fail('called')), []);
  });
});
