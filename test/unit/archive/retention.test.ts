import * as assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyRetention, archiveName, listArchives, planRetention } from '../../../src/extension/core/engines/archive/operations';
import { cleanupTemp, makeCtx, tempDir } from './helpers';

const stampOf = (t: number) => archiveName('x', 'folder', t).slice(2, 17);

describe('retention', () => {
  afterEach(cleanupTemp);

  // One backup a day at 23:30 UTC for a year. In Europe/Berlin that is 00:30 (winter) or 01:30
  // (summer) of the NEXT day, so bucketing by UTC dates would keep different archives.
  const daily: { time: number }[] = [];
  for (let t = Date.UTC(2025, 10, 29, 23, 30); t <= Date.UTC(2026, 10, 28, 23, 30); t += 86_400_000) daily.push({ time: t });
  const now = Date.UTC(2026, 10, 28, 23, 45);

  it('keeps exactly the union of last/daily/weekly/monthly over a year of daily backups, in the environment time zone', () => {
    const plan = planRetention(daily, { keepLast: 2, keepDaily: 7, keepWeekly: 4, keepMonthly: 6 }, 'Europe/Berlin', now);
    // Worked out by hand from the Berlin calendar: the newest backup is Sunday 2026-11-29 local.
    // daily: local 11-23..11-29; weekly (ISO weeks end on Sunday): 11-29, 11-22, 11-15, 11-08;
    // monthly (last backup of each month): 11-29, 10-31, 09-30, 08-31, 07-31, 06-30; last 2: 11-29, 11-28.
    // A local date D is the file stamped D-1 23:30 UTC.
    const expected = [
      '20261128-233000', '20261127-233000', '20261126-233000', '20261125-233000', '20261124-233000', '20261123-233000', '20261122-233000',
      '20261121-233000', '20261114-233000', '20261107-233000',
      '20261030-233000', '20260929-233000', '20260830-233000', '20260730-233000', '20260629-233000',
    ];
    assert.deepEqual(plan.keep.map((k) => stampOf(k.archive.time)), expected);
    assert.equal(plan.remove.length, daily.length - expected.length);
    assert.deepEqual(plan.keep[0].reasons, ['last', 'daily 2026-11-29', 'weekly 2026-W48', 'monthly 2026-11']);
  });

  it('buckets in UTC give a different set (the zone matters)', () => {
    const utc = planRetention(daily, { keepMonthly: 3 }, 'UTC', now).keep.map((k) => stampOf(k.archive.time));
    assert.deepEqual(utc, ['20261128-233000', '20261031-233000', '20260930-233000']);
    const berlin = planRetention(daily, { keepMonthly: 3 }, 'Europe/Berlin', now).keep.map((k) => stampOf(k.archive.time));
    assert.deepEqual(berlin, ['20261128-233000', '20261030-233000', '20260929-233000']);
  });

  it('an empty policy keeps everything; archives from the future are kept', () => {
    assert.equal(planRetention(daily, {}, 'UTC', now).remove.length, 0);
    const plan = planRetention([{ time: now + 86_400_000 }, ...daily], { keepLast: 1 }, 'UTC', now);
    assert.deepEqual(plan.keep.map((k) => k.archive.time), [now + 86_400_000, daily.at(-1)!.time]);
  });

  it('an unknown time zone is an error that names it', () => {
    assert.throws(() => planRetention(daily, { keepDaily: 1 }, 'Mars/Olympus', now), /Unknown time zone "Mars\/Olympus"/);
  });

  it('ISO weeks across a year boundary: 2026-12-31 and 2027-01-03 are one week', () => {
    const a = { time: Date.UTC(2026, 11, 31, 12) };
    const b = { time: Date.UTC(2027, 0, 3, 12) };
    const c = { time: Date.UTC(2027, 0, 4, 12) };
    const plan = planRetention([a, b, c], { keepWeekly: 5 }, 'UTC', Date.UTC(2027, 0, 5));
    assert.deepEqual(plan.keep.map((k) => k.archive), [c, b]);
    assert.deepEqual(plan.remove, [a]);
  });

  it('applyRetention deletes only this environment\'s archives, never the newest good one, and logs each deletion', async () => {
    const dest = tempDir();
    const t0 = Date.UTC(2026, 10, 20, 2, 0);
    const mine = [0, 1, 2, 3, 4].map((d) => archiveName('web', 'folder', t0 + d * 86_400_000));
    const dump = archiveName('web', 'command', t0 + 5 * 86_400_000);
    const foreign = ['web-prod-20261120-020000.tar.gz', 'other-20261120-020000.tar.gz', 'web-20261120-020000.tar.gz.bak', 'notes.txt', `.${mine[0]}.999999.abc.partial`, 'web-20261399-020000.tar.gz'];
    for (const n of [...mine, dump, ...foreign]) writeFileSync(join(dest, n), 'x');
    const ctx = makeCtx({ now: t0 + 6 * 86_400_000 });
    // keepLast 1 keeps the dump (newest); the newest GOOD backup is mine[2] (say, 3 and 4 failed verify).
    const r = await applyRetention(ctx, { envId: 'web', destination: dest, policy: { keepLast: 1 }, timeZone: 'UTC', newestGoodPath: join(dest, mine[2]) });
    assert.deepEqual(readdirSync(dest).sort(), [...foreign, mine[2], dump].sort());
    assert.equal(r.deleted.length, 4);
    for (const n of [mine[0], mine[1], mine[3], mine[4]]) assert.ok(ctx.logs.some((l) => l.text === `Deleted ${n}`), n);
    assert.ok(ctx.logs.some((l) => l.text === `Kept ${mine[2]}: newest good backup`));
    assert.equal(r.summary, '4 archives deleted, 2 kept');
    assert.equal(r.storedSize, 2, 'the overview\'s stored size: the two kept archives of one byte each');
    assert.deepEqual((await listArchives(dest, 'web')).map((a) => a.name), [dump, mine[2]]);
  });
});
