import * as assert from 'node:assert/strict';
import { parseEnvironments } from '../../../src/extension/core/environments/parse';
import type { Environment } from '../../../src/extension/core/environments/types';
import { silentLogger } from '../../../src/extension/core/ports';
import { Scheduler, type FireTrigger } from '../../../src/extension/core/scheduler/scheduler';
import { installFakeClock, type FakeClock } from '../fakes/fakeClock';
import { MemoryState } from '../fakes/memoryState';

function env(fields: Record<string, unknown>): Environment {
  const [e] = parseEnvironments([{ id: 'e1', name: 'E1', type: 'folder', source: '/src', destination: '/dst', schedule: '30 2 * * *', ...fields }], { workspaceFolder: '/ws', home: '/h', env: {} });
  assert.ok(e.valid);
  return e.environment;
}

interface Fired { id: string; trigger: FireTrigger; occurrence: string; at: string }

describe('scheduler (real node-schedule, fake clock)', function () {
  // Days of fake time are thousands of timer callbacks: quick alone, slower on a busy machine.
  this.timeout(30_000);
  let clock: FakeClock;
  let state: MemoryState;
  let fired: Fired[];
  let scheduler: Scheduler;

  function make(start: string): void {
    clock = installFakeClock(start);
    state = new MemoryState();
    fired = [];
    scheduler = new Scheduler({
      clock,
      logger: silentLogger,
      state,
      onFire: (e, trigger, occ) => fired.push({ id: e.id, trigger, occurrence: new Date(occ).toISOString(), at: new Date(clock.now()).toISOString() }),
    });
  }

  afterEach(() => {
    scheduler?.dispose();
    clock?.uninstall();
  });

  it('DST spring-forward: 02:30 Europe/Berlin runs once at 03:30 CEST on 2026-03-29', async () => {
    make('2026-03-27T12:00:00Z');
    scheduler.update([env({ timezone: 'Europe/Berlin' })]);
    scheduler.start();
    await clock.tick(4 * 24 * 3600_000);
    assert.deepEqual(fired.map((f) => f.occurrence), [
      '2026-03-28T01:30:00.000Z', // 02:30 CET
      '2026-03-29T01:30:00.000Z', // 02:30 does not exist: 03:30 CEST, once
      '2026-03-30T00:30:00.000Z', // 02:30 CEST
      '2026-03-31T00:30:00.000Z',
    ]);
    assert.ok(fired.every((f) => f.trigger === 'scheduled' && f.at === f.occurrence));
  });

  it('DST fall-back: 02:30 Europe/Berlin runs once on 2026-10-25, not at both 02:30s', async () => {
    make('2026-10-23T12:00:00Z');
    scheduler.update([env({ timezone: 'Europe/Berlin' })]);
    scheduler.start();
    await clock.tick(4 * 24 * 3600_000);
    assert.deepEqual(fired.map((f) => f.occurrence), [
      '2026-10-24T00:30:00.000Z',
      '2026-10-25T00:30:00.000Z', // first 02:30 (CEST); the repeated 02:30 CET at 01:30Z does not run
      '2026-10-26T01:30:00.000Z',
      '2026-10-27T01:30:00.000Z',
    ]);
  });

  it('a 3-hour sleep over several hourly occurrences gives exactly one catch-up, then the regular runs', async () => {
    make('2026-06-01T09:59:00Z');
    scheduler.update([env({ schedule: '0 * * * *' })]);
    scheduler.start();
    await clock.tick(2 * 60_000); // 10:00 runs normally
    assert.deepEqual(fired.map((f) => f.trigger), ['scheduled']);
    clock.sleep(3 * 3600_000); // 10:01 -> 13:01; 11:00, 12:00 and 13:00 were slept through
    await clock.tick(30 * 60_000);
    const after = fired.slice(1);
    assert.equal(after.length, 1, JSON.stringify(after));
    assert.equal(after[0].trigger, 'catch-up');
    assert.equal(after[0].occurrence, '2026-06-01T13:00:00.000Z');
    await clock.tick(60 * 60_000); // 14:00 runs normally, nothing else
    assert.deepEqual(fired.slice(2).map((f) => [f.trigger, f.occurrence]), [['scheduled', '2026-06-01T14:00:00.000Z']]);
  });

  it('missedRun "skip" runs nothing after a sleep, and the next regular run still comes', async () => {
    make('2026-06-01T10:01:00Z');
    scheduler.update([env({ schedule: '0 * * * *', missedRun: 'skip' })]);
    scheduler.start();
    clock.sleep(3 * 3600_000);
    await clock.tick(30 * 60_000);
    assert.equal(fired.length, 0);
    await clock.tick(40 * 60_000);
    assert.deepEqual(fired.map((f) => [f.trigger, f.occurrence]), [['scheduled', '2026-06-01T14:00:00.000Z']]);
  });

  it('at start-up, an occurrence missed while VS Code was closed gives one catch-up (kept across restarts)', async () => {
    make('2026-06-01T09:59:00Z');
    scheduler.update([env({ schedule: '0 * * * *' })]);
    scheduler.start();
    await clock.tick(2 * 60_000); // 10:00 ran
    scheduler.dispose();
    clock.sleep(5 * 3600_000); // "closed" until 15:01
    const again = new Scheduler({ clock, logger: silentLogger, state, onFire: (e, trigger, occ) => fired.push({ id: e.id, trigger, occurrence: new Date(occ).toISOString(), at: '' }) });
    again.update([env({ schedule: '0 * * * *' })]);
    again.start();
    await clock.tick(1000);
    again.dispose();
    assert.deepEqual(fired.slice(1).map((f) => [f.trigger, f.occurrence]), [['catch-up', '2026-06-01T15:00:00.000Z']]);
  });

  it('an occurrence seconds old at start-up (a hand-over gap) runs as a late scheduled run, even with missedRun "skip"', async () => {
    make('2026-06-01T09:59:00Z');
    scheduler.update([env({ schedule: '0 * * * *', missedRun: 'skip' })]);
    scheduler.start();
    await clock.tick(30_000);
    scheduler.dispose(); // the old leader stops arming at 09:59:30
    clock.sleep(40_000); // the new one starts at 10:00:10
    const again = new Scheduler({ clock, logger: silentLogger, state, onFire: (e, trigger, occ) => fired.push({ id: e.id, trigger, occurrence: new Date(occ).toISOString(), at: '' }) });
    again.update([env({ schedule: '0 * * * *', missedRun: 'skip' })]);
    again.start();
    await clock.tick(1000);
    again.dispose();
    assert.deepEqual(fired.map((f) => [f.trigger, f.occurrence]), [['scheduled', '2026-06-01T10:00:00.000Z']]);
  });

  it('a new environment does not catch up on occurrences before it existed', async () => {
    make('2026-06-01T10:30:00Z');
    scheduler.update([env({ schedule: '0 * * * *' })]);
    scheduler.start();
    await clock.tick(1000);
    assert.equal(fired.length, 0);
  });

  it('a settings change re-arms only the environment whose schedule changed', async () => {
    make('2026-06-01T10:00:30Z');
    let arms = 0;
    scheduler = new Scheduler({
      clock, logger: silentLogger, state, onFire: (e, t, o) => fired.push({ id: e.id, trigger: t, occurrence: new Date(o).toISOString(), at: '' }),
      arm: (s, tz, fire) => {
        arms++;
        return require('../../../src/extension/core/scheduler/scheduler').nodeScheduleArm(s, tz, fire);
      },
    });
    const a = env({ id: 'a', schedule: '0 * * * *' });
    const b = env({ id: 'b', schedule: '0 * * * *' });
    scheduler.update([a, b]);
    scheduler.start();
    assert.equal(arms, 2);
    scheduler.update([a, { ...b, destination: '/elsewhere' }]);
    assert.equal(arms, 2, 'a change that does not touch the schedule re-arms nothing');
    scheduler.update([a, { ...b, schedule: '*/30 * * * *' }]);
    assert.equal(arms, 3);
    scheduler.update([{ ...a, enabled: false }, { ...b, schedule: '*/30 * * * *' }]);
    assert.deepEqual(scheduler.scheduledIds(), ['b']);
    await clock.tick(3600_000);
    assert.deepEqual(fired.map((f) => f.id), ['b', 'b']);
  });

  it('gives the next runs in the environment\'s zone', () => {
    make('2026-03-28T12:00:00Z');
    scheduler.update([env({ timezone: 'Europe/Berlin' })]);
    scheduler.start();
    assert.deepEqual(scheduler.nextRuns('e1', 3).map((t) => new Date(t).toISOString()), ['2026-03-29T01:30:00.000Z', '2026-03-30T00:30:00.000Z', '2026-03-31T00:30:00.000Z']);
  });

  it('gives next runs that move on once the first is due, and follow a schedule change', async () => {
    make('2026-06-01T10:00:00.500Z');
    scheduler.update([env({ schedule: '*/10 * * * * *' })]);
    scheduler.start();
    const iso = (n: number) => scheduler.nextRuns('e1', n).map((t) => new Date(t).toISOString().slice(11, 19));
    assert.deepEqual(iso(3), ['10:00:10', '10:00:20', '10:00:30']);
    await clock.tick(9000); // 10:00:09.5
    assert.deepEqual(iso(2), ['10:00:10', '10:00:20']);
    await clock.tick(500); // 10:00:10.0: the first is due
    assert.deepEqual(iso(3), ['10:00:20', '10:00:30', '10:00:40']);
    assert.deepEqual(iso(4), ['10:00:20', '10:00:30', '10:00:40', '10:00:50']);
    scheduler.update([env({ schedule: '*/15 * * * * *' })]);
    assert.deepEqual(iso(2), ['10:00:15', '10:00:30']);
  });

  it('6-field (seconds) schedules fire every N seconds', async () => {
    make('2026-06-01T10:00:00.500Z');
    scheduler.update([env({ schedule: '*/10 * * * * *' })]);
    scheduler.start();
    await clock.tick(60_000);
    assert.equal(fired.length, 6);
  });
});
