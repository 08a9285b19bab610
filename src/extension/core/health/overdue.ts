// Notices when backups silently stop: an enabled environment that has had no good backup for two
// of its intervals is overdue. The watch raises one alert per overdue spell (a spell ends with the
// next good backup) and remembers which spells it has alerted, so a reload does not alert again.
import type { Backups } from '../backups';
import type { Environment } from '../environments/types';
import type { Clock } from '../ports';
import { dueTimes } from './dueTimes';
import { Coalesced } from '../util/coalesce';
import type { Disposable } from '../util/emitter';

/**
 * Overdue: two scheduled occurrences have passed since the last good backup (or, with none yet,
 * since the environment was first watched), that is, it has had no good backup for two of its
 * intervals. One missed run is normal (the machine was off); two in a row means the user should
 * look. The intervals come from the cron itself, so "hourly" is overdue after about two hours and
 * "weekdays at 3:00" only after two weekdays. Returns the time overdue counts from, or undefined.
 */
export function overdueSince(schedule: string, timezone: string | undefined, since: number, now: number): number | undefined {
  // Two occurrences in (since, now] is the same as "the one before the latest is after since".
  const due = dueTimes(schedule, timezone, since);
  return due && due[1] <= now ? since : undefined;
}

/** Where alerted spells are remembered (VS Code's globalState in the extension). */
export interface KeyValueState {
  get(key: string): string | undefined;
  set(key: string, value: string): void;
}

export interface OverdueWatchOptions {
  backups: Pick<Backups, 'role' | 'environments' | 'reader' | 'blockedReason' | 'onDidChangeTask' | 'onDidChangeEnvironments'>;
  clock: Clock;
  state: KeyValueState;
  /** Tells the user (a notification with "Run Now"); `since` is the last good backup or when watching began. */
  alert(env: Environment, since: number): void;
  /** How often the clock is checked when nothing happens (default one minute). */
  checkEveryMs?: number;
  /** A burst of finished backups and environment changes is checked once, this long after the first (default 1 s). */
  settleMs?: number;
}

const ALERTED_KEY = 'overdue.alerted';
/** When each environment without any good backup was first watched: overdue counts from there. */
const FIRST_SEEN_KEY = 'overdue.firstSeen';

export class OverdueWatch implements Disposable {
  private readonly timer: ReturnType<typeof setInterval>;
  private readonly subs: Disposable[];
  /** A check reads every environment's history and cron: finished backups due together check once. */
  private readonly soon: Coalesced;

  constructor(private readonly opts: OverdueWatchOptions) {
    this.timer = setInterval(() => this.check(), opts.checkEveryMs ?? 60_000);
    (this.timer as { unref?: () => void }).unref?.();
    this.soon = new Coalesced(() => this.check(), opts.settleMs ?? 1000);
    this.subs = [
      opts.backups.onDidChangeTask((t) => (t.kind === 'backup' && t.finishedAt !== null ? this.soon.schedule() : undefined)),
      opts.backups.onDidChangeEnvironments(() => this.soon.schedule()),
    ];
  }

  /** Checks every environment now; alerts each overdue one whose spell was not alerted yet. */
  check(): void {
    // The window that runs the schedules alerts; the others would only repeat it.
    if (this.opts.backups.role !== 'leader') return;
    const now = this.opts.clock.now();
    const alerted = this.load(ALERTED_KEY);
    const firstSeen = this.load(FIRST_SEEN_KEY);
    const nextAlerted: Record<string, number> = {};
    const nextSeen: Record<string, number> = {};
    for (const entry of this.opts.backups.environments()) {
      if (!entry.valid) continue;
      const env = entry.environment;
      const good = this.opts.backups.reader.lastSucceeded(env.id, 'backup');
      const lastGood = good ? good.finishedAt ?? good.queuedAt : undefined;
      if (lastGood === undefined) nextSeen[env.id] = firstSeen[env.id] ?? now;
      if (!env.enabled || this.opts.backups.blockedReason(env)) continue;
      const since = overdueSince(env.schedule, env.timezone, lastGood ?? nextSeen[env.id], now);
      if (since === undefined) continue; // not overdue: the next spell alerts again
      nextAlerted[env.id] = since;
      if (alerted[env.id] !== since) this.opts.alert(env, since);
    }
    this.save(ALERTED_KEY, alerted, nextAlerted);
    this.save(FIRST_SEEN_KEY, firstSeen, nextSeen);
  }

  private load(key: string): Record<string, number> {
    try {
      const v = JSON.parse(this.opts.state.get(key) ?? '{}') as unknown;
      return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, number>) : {};
    } catch {
      return {};
    }
  }

  private save(key: string, before: Record<string, number>, after: Record<string, number>): void {
    if (JSON.stringify(before) !== JSON.stringify(after)) this.opts.state.set(key, JSON.stringify(after));
  }

  dispose(): void {
    clearInterval(this.timer);
    this.soon.dispose();
    this.subs.forEach((s) => s.dispose());
  }
}
