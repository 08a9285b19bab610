// Retention in the manner of `restic forget`: each keep-rule walks the archives newest first and
// keeps the newest one of each of its last N buckets (days, ISO weeks, months in the environment's
// time zone); an archive survives if any rule keeps it.
import { promises as fsp } from 'node:fs';
import { resolve } from 'node:path';
import type { TaskResult } from '../../../../shared/model';
import type { TaskContext } from '../../ports';
import { fsGuard, UnresponsiveError } from '../../fsguard';
import { errorText, throwIfAborted } from '../../util/errors';
import { INDEX_EXT, indexPathOf, isIndexName, listArchives, type ArchiveInfo } from './naming';

export interface RetentionPolicy {
  keepLast?: number;
  keepDaily?: number;
  keepWeekly?: number;
  keepMonthly?: number;
}

export interface RetentionPlan<T extends { time: number }> {
  keep: { archive: T; reasons: string[] }[];
  remove: T[];
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Calendar date of an instant in a time zone (throws for an unknown zone). */
export function localDate(epochMs: number, timeZone: string): { y: number; m: number; d: number } {
  let f = formatters.get(timeZone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric' });
    } catch {
      throw new Error(`Unknown time zone "${timeZone}"`);
    }
    formatters.set(timeZone, f);
  }
  const parts = f.formatToParts(new Date(epochMs));
  const get = (t: string) => Number(parts.find((p) => p.type === t)!.value);
  return { y: get('year'), m: get('month'), d: get('day') };
}

/** ISO 8601 week of a calendar date: weeks start on Monday, week 1 holds the year's first Thursday. */
export function isoWeek(y: number, m: number, d: number): { year: number; week: number } {
  const date = new Date(Date.UTC(y, m - 1, d));
  const dow = (date.getUTCDay() + 6) % 7; // Monday = 0
  date.setUTCDate(date.getUTCDate() - dow + 3); // Thursday of this week decides the year
  const year = date.getUTCFullYear();
  // Week 1's Thursday falls on January 1..7, so whole weeks since January 1 give the number.
  const week = 1 + Math.floor((date.getTime() - Date.UTC(year, 0, 1)) / (7 * 86_400_000));
  return { year, week };
}

function positive(n: number | undefined): number {
  return n !== undefined && Number.isFinite(n) && n > 0 ? Math.floor(n) : 0;
}

/**
 * Pure: which archives to keep and which to remove. Archives stamped in the future (clock moved
 * back) are always kept. An empty policy keeps everything.
 */
export function planRetention<T extends { time: number }>(archives: readonly T[], policy: RetentionPolicy, timeZone: string, now: number): RetentionPlan<T> {
  const sorted = [...archives].sort((a, b) => b.time - a.time);
  const rules: { name: string; n: number; bucket: (t: number) => string }[] = [
    { name: 'last', n: positive(policy.keepLast), bucket: (t) => String(t) },
    { name: 'daily', n: positive(policy.keepDaily), bucket: (t) => { const { y, m, d } = localDate(t, timeZone); return `${y}-${m}-${d}`; } },
    { name: 'weekly', n: positive(policy.keepWeekly), bucket: (t) => { const { y, m, d } = localDate(t, timeZone); const w = isoWeek(y, m, d); return `${w.year}-W${w.week}`; } },
    { name: 'monthly', n: positive(policy.keepMonthly), bucket: (t) => { const { y, m } = localDate(t, timeZone); return `${y}-${m}`; } },
  ];
  const reasons = new Map<T, string[]>();
  const add = (a: T, why: string) => (reasons.get(a) ?? reasons.set(a, []).get(a)!).push(why);

  if (rules.every((r) => r.n === 0)) {
    for (const a of sorted) add(a, 'no retention policy');
  } else {
    for (const a of sorted) if (a.time > now) add(a, 'newer than now');
    for (const rule of rules) {
      let left = rule.n;
      let last: string | undefined;
      for (const a of sorted) {
        if (left === 0) break;
        if (a.time > now) continue;
        const b = rule.bucket(a.time);
        if (b === last) continue;
        last = b;
        add(a, rule.name === 'last' ? 'last' : `${rule.name} ${b}`);
        left--;
      }
    }
  }
  return {
    keep: sorted.filter((a) => reasons.has(a)).map((archive) => ({ archive, reasons: reasons.get(archive)! })),
    remove: sorted.filter((a) => !reasons.has(a)),
  };
}

export interface ApplyRetentionOptions {
  envId: string;
  destination: string;
  policy: RetentionPolicy;
  timeZone: string;
  /** The newest archive known to be good: never deleted, whatever the policy says. */
  newestGoodPath?: string;
}

/** Index files whose archive is gone (deleted by hand, or by an older version of this extension). */
async function removeOrphanIndexes(destination: string, envId: string): Promise<void> {
  const names = new Set(await fsp.readdir(destination).catch(() => [] as string[]));
  for (const name of names) {
    if (isIndexName(name, envId) && !names.has(name.slice(0, -INDEX_EXT.length))) {
      await fsp.unlink(resolve(destination, name)).catch(() => undefined);
    }
  }
}

export async function applyRetention(ctx: TaskContext, opts: ApplyRetentionOptions): Promise<TaskResult & { deleted: string[] }> {
  const archives = await listArchives(opts.destination, opts.envId);
  const plan = planRetention(archives, opts.policy, opts.timeZone, ctx.clock.now());
  const protectedPath = opts.newestGoodPath ? resolve(opts.newestGoodPath) : undefined;
  const deleted: string[] = [];
  let failed = 0;
  for (const a of plan.remove as ArchiveInfo[]) {
    throwIfAborted(ctx.signal, 'Prune');
    if (protectedPath && resolve(a.path) === protectedPath) {
      ctx.log('info', `Kept ${a.name}: newest good backup`);
      continue;
    }
    try {
      await fsGuard.run(opts.destination, 'destination', () => fsp.unlink(a.path), ctx.signal);
      deleted.push(a.path);
      await fsp.unlink(indexPathOf(a.path)).catch(() => undefined);
      ctx.log('info', `Deleted ${a.name}`);
    } catch (e) {
      if (e instanceof UnresponsiveError) throw e; // every further delete would wait the same way
      failed++;
      ctx.log('warn', `Could not delete ${a.name}: ${errorText(e)}`);
    }
    ctx.progress({ files: deleted.length, percent: (100 * (deleted.length + failed)) / plan.remove.length });
  }
  await removeOrphanIndexes(opts.destination, opts.envId);
  const kept = archives.length - deleted.length;
  const summary = `${deleted.length} archive${deleted.length === 1 ? '' : 's'} deleted, ${kept} kept${failed ? `, ${failed} could not be deleted` : ''}`;
  ctx.log('info', summary);
  // What the destination holds for this environment now: the overview's stored-size chart.
  const gone = new Set(deleted);
  const storedSize = archives.reduce((sum, a) => (gone.has(a.path) ? sum : sum + a.size), 0);
  return { summary, deleted, storedSize };
}
