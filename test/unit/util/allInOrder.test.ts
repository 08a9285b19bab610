import * as assert from 'node:assert/strict';
import { allInOrder } from '../../../src/extension/core/util/allInOrder';

describe('allInOrder', () => {
  it('returns every value in the order listed', async () => {
    assert.deepEqual(await allInOrder([Promise.resolve(1), Promise.resolve('two')] as const), [1, 'two']);
  });

  it('reports the failure listed first, not the one that came first, once all have settled', async () => {
    let slowSettled = false;
    const slow = new Promise<never>((_, rej) => setTimeout(() => ((slowSettled = true), rej(new Error('source missing'))), 20));
    const fast = Promise.reject(new Error('destination full'));
    await assert.rejects(allInOrder([slow, fast]), /source missing/);
    assert.ok(slowSettled);
  });
});
