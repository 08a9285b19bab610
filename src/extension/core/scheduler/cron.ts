// Cron text: validation with a reason, next run times and the schedule in words. cron-parser is
// the parser node-schedule itself uses, so what we validate here is what will be scheduled.
import cronParser from 'cron-parser';
import cronstrue from 'cronstrue';

export function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Returns a human-readable reason when `expression` is not a 5- or 6-field cron, else undefined. */
export function cronError(expression: string): string | undefined {
  const fields = expression.trim().split(/\s+/).filter(Boolean);
  if (fields.length !== 5 && fields.length !== 6) {
    return `"${expression}" has ${fields.length} field${fields.length === 1 ? '' : 's'}; a schedule needs 5 (minute hour day month weekday) or 6 (with seconds first)`;
  }
  try {
    cronParser.parseExpression(expression);
    return undefined;
  } catch (e) {
    return `"${expression}" is not a valid cron schedule: ${(e as Error).message}`;
  }
}

/** The next `count` run times strictly after `from` (epoch ms), in the given zone. */
export function nextRuns(expression: string, timezone: string | undefined, from: number, count: number): number[] {
  const it = cronParser.parseExpression(expression, { currentDate: new Date(from), tz: timezone });
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(it.next().toDate().getTime());
  return out;
}

/** The latest run time at or before `at` (epoch ms), or undefined if none can be found. */
export function previousRun(expression: string, timezone: string | undefined, at: number): number | undefined {
  try {
    // +1 ms so that an occurrence exactly at `at` counts as "at or before".
    const it = cronParser.parseExpression(expression, { currentDate: new Date(at + 1), tz: timezone });
    return it.prev().toDate().getTime();
  } catch {
    return undefined;
  }
}

export function describeSchedule(expression: string): string {
  try {
    return cronstrue.toString(expression, { use24HourTimeFormat: true, verbose: false });
  } catch {
    return expression;
  }
}
