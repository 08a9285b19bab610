// When an environment is due and when it is overdue, counted from its last good backup: the first
// and the second scheduled occurrence after it. Shared by the overdue alert and the overview, so
// both say "overdue" at the same moment.
import { nextRuns } from '../scheduler/cron';

/**
 * Parsing a cron costs milliseconds (cron-parser with time zones), and the overview's poll and
 * the overdue watch ask for every environment again and again; the answer changes only with a new
 * good backup, so it is remembered. Only next() is used: cron-parser's prev() is about ten times
 * slower (2-4 ms for a daily schedule), and an idle background agent that asked it every minute
 * spent most of its CPU time there.
 */
const dueCache = new Map<string, [number, number] | null>();

/** The first two occurrences strictly after `since`; undefined for a schedule with none. */
export function dueTimes(schedule: string, timezone: string | undefined, since: number): [number, number] | undefined {
  const key = `${schedule}\u0000${timezone ?? ''}\u0000${since}`;
  let hit = dueCache.get(key);
  if (hit === undefined) {
    try {
      const [a, b] = nextRuns(schedule, timezone, since, 2);
      hit = [a, b];
    } catch {
      hit = null; // an invalid schedule is shown as such elsewhere; no due time then
    }
    if (dueCache.size >= 500) dueCache.delete(dueCache.keys().next().value as string);
    dueCache.set(key, hit);
  }
  return hit ?? undefined;
}
