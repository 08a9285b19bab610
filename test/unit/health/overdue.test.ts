// Overdue alerts on a fake clock: an enabled environment with no good backup for two of its cron
// intervals alerts once per spell (also across a restart), a good backup ends the spell, and
// disabled environments, follower windows and healthy environments stay quiet.
import * as assert from 'node:assert/strict';
import type { TaskRecord } from '../../../src/shared/model';
import type { Environment, EnvironmentEntry } from '../../../src/extension/core/environments/types';
import { OverdueWatch, overdueSince, type KeyValueState } from '../../../src/extension/core/health/overdue';
import { Emitter } from '../../../src/extension/core/util/emitter';
import { installFakeClock, type FakeClock } from '../fakes/fakeClock';
import { MemoryStore } from '../fakes/memoryStore';

const MIN = 60_000;
const HOUR = 60 * MIN;

function env(id: string, schedule: string, extra: Partial<Environment> = {}): Environment {
  return {
    id, name: id.toUpperCase(), type: 'command', source: undefined, command: 'true', destination: '/tmp', schedule, timezone: 'UTC', enabled: true,
    exclude: [], useGitignore: true, retention: undefined, missedRun: 'runOnce', timeoutMinutes: undefined, skipIfUnchanged: false, verify: false, origin: 'user', ...extra,
  };
}

describe('overdue alerts', () => {
  let clock: FakeClock;
  let store: MemoryStore;
  let entries: EnvironmentEntry[];
  let role: 'leader' | 'follower';
  let alerts: string[];
  let state: Map<string, string>;
  const taskChanged = new Emitter<TaskRecord>();
  const envChanged = new Emitter<void>();
  let watch: OverdueWatch | undefined;

  const kv = (): KeyValueState => ({ get: (k) => state.get(k), set: (k, v) => void state.set(k, v) });

  function startWatch(): OverdueWatch {
    watch?.dispose();
    watch = new OverdueWatch({
      backups: {
        get role() { return role; },
        environments: () => entries,
        reader: store,
        blockedReason: () => undefined,
        onDidChangeTask: taskChanged.event,
        onDidChangeEnvironments: envChanged.event,
      },
      clock,
      state: kv(),
      alert: (e, since) => alerts.push(`${e.id} since ${new Date(since).toISOString()}`),
      checkEveryMs: 5 * MIN,
    });
    return watch;
  }

  function goodBackup(envId: string): void {
    const now = clock.now();
    const t = store.createTask({ envId, kind: 'backup', trigger: 'scheduled', status: 'succeeded', queuedAt: now, startedAt: now, finishedAt: now });
    taskChanged.fire(t);
  }

  beforeEach(() => {
    clock = installFakeClock('2026-03-02T10:00:30Z');
    store = new MemoryStore();
    role = 'leader';
    alerts = [];
    state = new Map();
    entries = [{ index: 0, valid: true, environment: env('hourly', '0 * * * *') }];
  });

  afterEach(() => {
    watch?.dispose();
    watch = undefined;
    clock.uninstall();
  });

  it('computes overdue from the cron: two occurrences passed since the last good backup', () => {
    const at = (iso: string) => Date.parse(iso);
    assert.equal(overdueSince('0 * * * *', 'UTC', at('2026-03-02T10:00:05Z'), at('2026-03-02T11:30:00Z')), undefined);
    assert.equal(overdueSince('0 * * * *', 'UTC', at('2026-03-02T10:00:05Z'), at('2026-03-02T12:00:00Z')), at('2026-03-02T10:00:05Z'));
    // Weekdays only: Friday's backup is not overdue on Monday afternoon, only after Tuesday's run.
    const weekdays = '0 3 * * 1-5';
    assert.equal(overdueSince(weekdays, 'UTC', at('2026-02-27T03:00:09Z'), at('2026-03-02T15:00:00Z')), undefined);
    assert.equal(overdueSince(weekdays, 'UTC', at('2026-02-27T03:00:09Z'), at('2026-03-03T03:00:00Z')), at('2026-02-27T03:00:09Z'));
    // A backup that finished exactly at an occurrence covers it: two more must pass.
    assert.equal(overdueSince('0 * * * *', 'UTC', at('2026-03-02T10:00:00Z'), at('2026-03-02T11:59:59Z')), undefined);
    assert.equal(overdueSince('0 * * * *', 'UTC', at('2026-03-02T10:00:00Z'), at('2026-03-02T12:00:00Z')), at('2026-03-02T10:00:00Z'));
    // Daily at 02:30 in Berlin across the spring change (29 March 2026 has no 02:30; cron-parser
    // runs it at 03:30, 01:30 UTC): intervals are counted in the zone, not as fixed 24 hours.
    const daily = '30 2 * * *';
    assert.equal(overdueSince(daily, 'Europe/Berlin', at('2026-03-28T02:00:00Z'), at('2026-03-30T00:29:59Z')), undefined);
    assert.equal(overdueSince(daily, 'Europe/Berlin', at('2026-03-28T02:00:00Z'), at('2026-03-30T00:30:00Z')), at('2026-03-28T02:00:00Z'));
    assert.equal(overdueSince(daily, 'Europe/Berlin', at('2026-03-27T02:00:00Z'), at('2026-03-29T01:29:59Z')), undefined);
    assert.equal(overdueSince(daily, 'Europe/Berlin', at('2026-03-27T02:00:00Z'), at('2026-03-29T01:30:00Z')), at('2026-03-27T02:00:00Z'));
  });

  it('alerts once per overdue spell, with a good backup ending the spell', async () => {
    goodBackup('hourly');
    startWatch();
    await clock.tick(HOUR + 29 * MIN); // 11:29: one run missed
    assert.deepEqual(alerts, []);
    await clock.tick(31 * MIN); // 12:00: the second run passed without a good backup
    assert.deepEqual(alerts, ['hourly since 2026-03-02T10:00:30.000Z']);
    await clock.tick(5 * HOUR);
    assert.equal(alerts.length, 1, 'one alert per spell, however long it lasts');
    goodBackup('hourly'); // 17:00: the spell ends
    await clock.tick(HOUR + 59 * MIN);
    assert.equal(alerts.length, 1);
    await clock.tick(2 * MIN); // 19:01: overdue again, a new spell
    assert.deepEqual(alerts.slice(1), ['hourly since 2026-03-02T17:00:30.000Z']);
  });

  it('remembers the alerted spell across a restart (a new watch over the same state)', async () => {
    goodBackup('hourly');
    startWatch();
    await clock.tick(2 * HOUR);
    assert.equal(alerts.length, 1);
    startWatch().check();
    await clock.tick(10 * MIN);
    assert.equal(alerts.length, 1);
  });

  it('an environment without any good backup is overdue two intervals after it was first watched', async () => {
    startWatch().check(); // first watched at 10:00:30
    await clock.tick(2 * HOUR - 2 * MIN);
    assert.deepEqual(alerts, []);
    await clock.tick(3 * MIN);
    assert.deepEqual(alerts, ['hourly since 2026-03-02T10:00:30.000Z']);
  });

  it('stays quiet for disabled environments, in a follower window, and when backups keep succeeding', async () => {
    entries = [
      { index: 0, valid: true, environment: env('off', '0 * * * *', { enabled: false }) },
      { index: 1, valid: true, environment: env('healthy', '*/10 * * * *') },
      { index: 2, valid: false, id: 'broken', name: 'broken', errors: ['bad'] },
      { index: 3, valid: true, environment: env('quiet', '0 * * * *') },
    ];
    role = 'follower';
    startWatch();
    for (let i = 0; i < 30; i++) {
      if (i === 12) role = 'leader'; // 12:00:30: from here this window watches
      goodBackup('healthy');
      await clock.tick(10 * MIN);
    }
    // Only "quiet" (no backup at all, watched for three hours now) is overdue, counted from the
    // first check as leader: a second after the backup that followed the change (checks settle 1 s).
    assert.deepEqual(alerts, ['quiet since 2026-03-02T12:00:31.000Z']);
  });

  it('checks a burst of finished backups once, and a good backup still ends the spell', async () => {
    // 30 environments due together finish within a second; each check reads every environment's
    // history, so checking on every finish read it 30 x 30 times on the extension host's thread.
    entries = Array.from({ length: 30 }, (_, i) => ({ index: i, valid: true, environment: env(`e${i}`, '0 * * * *') }));
    startWatch().check();
    await clock.tick(2 * HOUR); // every environment is overdue
    assert.equal(alerts.length, 30);
    let reads = 0;
    const read = store.lastSucceeded.bind(store);
    store.lastSucceeded = (...a: Parameters<MemoryStore['lastSucceeded']>) => (reads++, read(...a));
    for (let i = 0; i < 30; i++) goodBackup(`e${i}`);
    await clock.tick(2000);
    assert.equal(reads, 30, 'one check of the 30 environments');
    await clock.tick(2 * HOUR - 10 * MIN); // 1 h 50 min after the good backups: the spells ended, none began
    assert.equal(alerts.length, 30);
    await clock.tick(15 * MIN); // two runs missed since the good backups: a new spell each
    assert.equal(alerts.length, 60);
  });
});
