// A catch-up run right before the next regular run is wasted work: the scheduler skips it when the
// next regular run is closer than a quarter of the period (the gap between the missed occurrence
// and the next one), at most 30 minutes. Real node-schedule, fake clock.
import * as assert from 'node:assert/strict';
import { parseEnvironments } from '../../../src/extension/core/environments/parse';
import type { Environment } from '../../../src/extension/core/environments/types';
import type { Logger } from '../../../src/extension/core/ports';
import { Scheduler, type FireTrigger } from '../../../src/extension/core/scheduler/scheduler';
import { installFakeClock, type FakeClock } from '../fakes/fakeClock';
import { MemoryState } from '../fakes/memoryState';

function env(schedule: string): Environment {
  const [e] = parseEnvironments([{ id: 'e1', name: 'E1', type: 'folder', source: '/src', destination: '/dst', schedule }], { workspaceFolder: '/ws', home: '/h', env: {} });
  assert.ok(e.valid);
  return e.environment;
}

describe('scheduler: no catch-up right before the next regular run', function () {
  this.timeout(30_000);
  let clock: FakeClock;
  let state: MemoryState;
  let fired: { trigger: FireTrigger; occurrence: string; at: string }[];
  let logged: string[];
  let scheduler: Scheduler | undefined;

  function newScheduler(): Scheduler {
    const logger: Logger = { info: (m) => void logged.push(m), warn: (m) => void logged.push(m), error: (m) => void logged.push(m), debug: () => undefined };
    return new Scheduler({ clock, logger, state, onFire: (_e, trigger, occ) => fired.push({ trigger, occurrence: new Date(occ).toISOString(), at: new Date(clock.now()).toISOString() }) });
  }

  /** The environment ran (was seen) at `lastRun`; VS Code was closed until `restart`. */
  async function restartAt(schedule: string, lastRun: string, restart: string, tickMs: number): Promise<void> {
    clock = installFakeClock(lastRun);
    state = new MemoryState();
    fired = [];
    logged = [];
    const first = newScheduler();
    first.update([env(schedule)]);
    first.start();
    first.dispose();
    clock.sleep(Date.parse(restart) - Date.parse(lastRun));
    scheduler = newScheduler();
    scheduler.update([env(schedule)]);
    scheduler.start();
    await clock.tick(tickMs);
  }

  afterEach(() => {
    scheduler?.dispose();
    scheduler = undefined;
    clock?.uninstall();
  });

  it('hourly, started 10 min before the next run (under a quarter hour): no catch-up, the regular run comes', async () => {
    await restartAt('0 * * * *', '2026-06-01T10:00:30Z', '2026-06-01T13:50:00Z', 15 * 60_000);
    assert.deepEqual(fired, [{ trigger: 'scheduled', occurrence: '2026-06-01T14:00:00.000Z', at: '2026-06-01T14:00:00.000Z' }]);
    assert.ok(logged.some((m) => /e1 missed its run of 2026-06-01T13:00:00.000Z; no catch-up: the next regular run \(2026-06-01T14:00:00.000Z\) is 10 min away/.test(m)), logged.join('\n'));
  });

  it('hourly, started 20 min before the next run: one catch-up at once, then the regular run', async () => {
    await restartAt('0 * * * *', '2026-06-01T10:00:30Z', '2026-06-01T13:40:00Z', 25 * 60_000);
    assert.deepEqual(fired.map((f) => [f.trigger, f.occurrence, f.at]), [
      ['catch-up', '2026-06-01T13:00:00.000Z', '2026-06-01T13:40:00.000Z'],
      ['scheduled', '2026-06-01T14:00:00.000Z', '2026-06-01T14:00:00.000Z'],
    ]);
  });

  it('every minute, started 11 s before the next run: no catch-up', async () => {
    await restartAt('* * * * *', '2026-06-01T10:00:01Z', '2026-06-01T10:05:49Z', 15_000);
    assert.deepEqual(fired.map((f) => [f.trigger, f.occurrence]), [['scheduled', '2026-06-01T10:06:00.000Z']]);
  });

  it('every minute, started 50 s before the next run: one catch-up', async () => {
    await restartAt('* * * * *', '2026-06-01T10:00:01Z', '2026-06-01T10:05:10Z', 1000);
    assert.deepEqual(fired.map((f) => [f.trigger, f.occurrence]), [['catch-up', '2026-06-01T10:05:00.000Z']]);
  });

  it('daily: the share is capped at 30 min (40 min before the next run catches up, 20 min does not)', async () => {
    await restartAt('30 2 * * *', '2026-06-01T02:31:00Z', '2026-06-03T01:50:00Z', 1000);
    assert.deepEqual(fired.map((f) => [f.trigger, f.occurrence]), [['catch-up', '2026-06-02T02:30:00.000Z']]);
    scheduler!.dispose();
    clock.uninstall();
    await restartAt('30 2 * * *', '2026-06-01T02:31:00Z', '2026-06-03T02:10:00Z', 1000);
    assert.deepEqual(fired, []);
  });

  it('after a sleep (wake 5 min before the next hourly run): no catch-up, the regular run comes', async () => {
    clock = installFakeClock('2026-06-01T09:59:00Z');
    state = new MemoryState();
    fired = [];
    logged = [];
    scheduler = newScheduler();
    scheduler.update([env('0 * * * *')]);
    scheduler.start();
    await clock.tick(2 * 60_000); // 10:00 runs
    clock.sleep(3 * 3600_000 + 54 * 60_000); // 10:01 -> 13:55
    await clock.tick(10 * 60_000);
    assert.deepEqual(fired.map((f) => [f.trigger, f.occurrence]), [['scheduled', '2026-06-01T10:00:00.000Z'], ['scheduled', '2026-06-01T14:00:00.000Z']]);
  });
});
