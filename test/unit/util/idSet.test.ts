// IdSet: the text index's set of matching task ids (a bitmap), against a plain Set.
import * as assert from 'node:assert/strict';
import { IdSet } from '../../../src/extension/core/util/idSet';

describe('util: IdSet', () => {
  it('holds what a Set holds, lists it ascending, and lists what it lacks in a range', () => {
    let seed = 11;
    const rnd = (n: number) => (seed = (seed * 48271) % 2147483647) % n;
    const set = new IdSet();
    const want = new Set<number>();
    // Ids far past the first words make it grow more than once; repeats count once.
    for (let i = 0; i < 5000; i++) {
      const id = 1 + rnd(i < 4000 ? 3000 : 200_000);
      set.add(id);
      want.add(id);
    }
    set.add(31);
    set.add(32);
    want.add(31).add(32);
    assert.equal(set.size, want.size);
    const sorted = [...want].sort((a, b) => a - b);
    assert.deepEqual(set.toArray(), sorted);
    for (const id of [0, 1, 31, 32, 33, 2999, 3000, 199_999, 200_000, 10_000_000]) assert.equal(set.has(id), want.has(id), `has(${id})`);
    const missing = Array.from({ length: 3001 }, (_, i) => i + 100).filter((id) => !want.has(id));
    assert.deepEqual(set.missingBetween(100, 3100), missing);
    assert.deepEqual(new IdSet().toArray(), []);
  });
});
