// Coalesced: a burst of schedule() calls runs the work once, after the delay; a call after that
// run schedules a new one; dispose() drops what is pending.
import * as assert from 'node:assert/strict';
import { Coalesced } from '../../../src/extension/core/util/coalesce';
import { installFakeClock, type FakeClock } from '../fakes/fakeClock';

describe('Coalesced', () => {
  let clock: FakeClock;
  beforeEach(() => (clock = installFakeClock('2026-03-02T10:00:00Z')));
  afterEach(() => clock.uninstall());

  it('runs a burst once, after the delay, and again for a later call', async () => {
    let runs = 0;
    const c = new Coalesced(() => runs++, 200);
    for (let i = 0; i < 100; i++) c.schedule();
    await clock.tick(199);
    assert.equal(runs, 0);
    await clock.tick(1);
    assert.equal(runs, 1);
    c.schedule();
    await clock.tick(200);
    assert.equal(runs, 2);
  });

  it('runs nothing once disposed', async () => {
    let runs = 0;
    const c = new Coalesced(() => runs++, 200);
    c.schedule();
    c.dispose();
    await clock.tick(1000);
    assert.equal(runs, 0);
  });
});
