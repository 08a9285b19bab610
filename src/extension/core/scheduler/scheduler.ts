// Arms one node-schedule job per enabled, valid environment and decides about missed runs.
//
// Why more than node-schedule: its timers follow the monotonic clock, which stands still while
// the machine sleeps, so after a wake a job fires late by the length of the sleep, or several
// fire at once. A watchdog compares the wall clock with the monotonic clock; when they drift
// apart (sleep, or the user changed the time) every job is re-armed and each environment gets
// at most one catch-up run (`missedRun: runOnce`) or none (`skip`). The last occurrence handled
// per environment is kept in the store, so the same holds across restarts and an occurrence is
// never run twice. A catch-up is skipped when the next regular run is near (see catchUpIsWasted).
import * as nodeSchedule from 'node-schedule';
import type { Environment } from '../environments/types';
import type { Clock, Logger } from '../ports';
import { nextRuns, previousRun } from './cron';

export type FireTrigger = 'scheduled' | 'catch-up';

/**
 * A catch-up is skipped when the next regular run is closer than this share of the period (the
 * gap between the missed occurrence and the next one) ...
 */
export const CATCH_UP_MIN_SHARE = 0.25;
/** ... or than this, whichever is less: a daily backup still catches up 40 min before its time. */
export const CATCH_UP_MAX_GAP_MS = 30 * 60_000;

/**
 * True when a catch-up at `now` would run just before the regular run at `next` anyway (Kopia's
 * rule is the same idea with a fixed 30 min): hourly, within 15 min; every minute, within 15 s.
 */
export function catchUpIsWasted(missed: number, next: number, now: number): boolean {
  return next - now < Math.min(CATCH_UP_MIN_SHARE * (next - missed), CATCH_UP_MAX_GAP_MS);
}

/** Where the scheduler keeps, per environment, the last occurrence it handled (epoch ms). */
export interface ScheduleStateStore {
  getState(key: string): string | undefined;
  setState(key: string, value: string): void;
}

export interface JobHandle {
  cancel(): void;
}

/** Arms a recurring job; `fire` gets the occurrence time. Injected so tests can count arms. */
export type ArmJob = (schedule: string, timezone: string | undefined, fire: (occurrence: number) => void) => JobHandle | null;

export const nodeScheduleArm: ArmJob = (schedule, timezone, fire) => {
  const job = nodeSchedule.scheduleJob({ rule: schedule, tz: timezone }, (fireDate: Date) => fire(fireDate.getTime()));
  return job ? { cancel: () => void job.cancel() } : null;
};

export interface SchedulerOptions {
  clock: Clock;
  logger: Logger;
  state: ScheduleStateStore;
  onFire: (env: Environment, trigger: FireTrigger, occurrence: number) => void;
  arm?: ArmJob;
  /** How often the watchdog compares the clocks (default 10 s). */
  watchdogMs?: number;
  /** Drift between wall and monotonic time that counts as a sleep or a clock change (default 30 s). */
  driftThresholdMs?: number;
  /** A job firing later than this after its occurrence is treated as a wake (default 60 s). */
  lateFireMs?: number;
  /** An occurrence found at start-up less than this ago runs as a late scheduled run, not a missed one (default 30 s). */
  lateStartMs?: number;
}

interface Armed {
  env: Environment;
  key: string;
  handle: JobHandle | null;
  /**
   * The next runs last computed. They stay the answer until the first of them is due: the
   * Environments view asks on every redraw, and cron-parser with a zone costs about a
   * millisecond an environment on the extension host's thread.
   */
  next?: number[];
}

export class Scheduler {
  private readonly opts: Required<Omit<SchedulerOptions, 'arm'>> & { arm: ArmJob };
  private readonly armed = new Map<string, Armed>();
  private watchdog: ReturnType<typeof setInterval> | undefined;
  private lastWall = 0;
  private lastMono = 0;
  private started = false;

  constructor(options: SchedulerOptions) {
    // Explicit fallbacks: a caller passing `arm: undefined` still gets the default.
    this.opts = {
      ...options,
      watchdogMs: options.watchdogMs ?? 10_000,
      driftThresholdMs: options.driftThresholdMs ?? 30_000,
      lateFireMs: options.lateFireMs ?? 60_000,
      lateStartMs: options.lateStartMs ?? 30_000,
      arm: options.arm ?? nodeScheduleArm,
    };
  }

  /** Environments with an armed job, by id. */
  scheduledIds(): string[] {
    return [...this.armed.keys()];
  }

  /**
   * Applies a new set of environments: jobs whose schedule, zone or enablement did not change
   * are left alone; new ones are checked for a missed run first, then armed.
   */
  update(environments: Environment[]): void {
    const wanted = new Map(environments.filter((e) => e.enabled).map((e) => [e.id, e]));
    for (const [id, a] of this.armed) {
      const next = wanted.get(id);
      if (!next || scheduleKey(next) !== a.key) {
        a.handle?.cancel();
        this.armed.delete(id);
      } else {
        a.env = next; // other fields (destination, retention...) may change without re-arming
      }
    }
    if (!this.started) {
      for (const [id, env] of wanted) if (!this.armed.has(id)) this.armed.set(id, { env, key: scheduleKey(env), handle: null });
      return;
    }
    for (const [id, env] of wanted) {
      if (this.armed.has(id)) continue;
      this.catchUp(env);
      this.arm(env);
    }
  }

  /** Checks every environment for a missed run (start-up), arms the jobs, starts the watchdog. */
  start(): void {
    if (this.started) return;
    this.started = true;
    const envs = [...this.armed.values()].map((a) => a.env);
    this.armed.clear();
    for (const env of envs) {
      this.catchUp(env);
      this.arm(env);
    }
    this.lastWall = this.opts.clock.now();
    this.lastMono = this.opts.clock.monotonic();
    this.watchdog = setInterval(() => this.checkClock(), this.opts.watchdogMs);
    // The watchdog alone must not keep a Node process (tests, CLI) alive.
    (this.watchdog as { unref?: () => void }).unref?.();
  }

  dispose(): void {
    if (this.watchdog) clearInterval(this.watchdog);
    for (const a of this.armed.values()) a.handle?.cancel();
    this.armed.clear();
    this.started = false;
  }

  /** The next `count` runs of an environment (epoch ms), empty when it is not scheduled. */
  nextRuns(envId: string, count: number): number[] {
    const a = this.armed.get(envId);
    if (!a) return [];
    const now = this.opts.clock.now();
    if (!a.next || a.next.length < count || now >= a.next[0]) a.next = nextRuns(a.env.schedule, a.env.timezone, now, count);
    return a.next.slice(0, count);
  }

  lastHandled(envId: string): number | undefined {
    const v = this.opts.state.getState(stateKey(envId));
    const n = v === undefined ? NaN : Number(v);
    return Number.isFinite(n) ? n : undefined;
  }

  /** Re-arms every job and gives each environment its (single) catch-up. Exposed for tests. */
  handleClockJump(reason: string): void {
    this.opts.logger.info(`scheduler: ${reason}; re-arming ${this.armed.size} job(s)`);
    for (const a of [...this.armed.values()]) {
      a.handle?.cancel();
      this.catchUp(a.env);
      this.arm(a.env);
    }
    this.lastWall = this.opts.clock.now();
    this.lastMono = this.opts.clock.monotonic();
  }

  private checkClock(): void {
    const wall = this.opts.clock.now();
    const mono = this.opts.clock.monotonic();
    const drift = wall - this.lastWall - (mono - this.lastMono);
    this.lastWall = wall;
    this.lastMono = mono;
    if (Math.abs(drift) > this.opts.driftThresholdMs) {
      this.handleClockJump(`wall clock moved ${Math.round(drift / 1000)} s against the monotonic clock (sleep or clock change)`);
    }
  }

  private arm(env: Environment): void {
    const handle = this.opts.arm(env.schedule, env.timezone, (occurrence) => this.onJob(env.id, occurrence));
    if (!handle) this.opts.logger.error(`scheduler: could not schedule ${env.id} ("${env.schedule}")`);
    this.armed.set(env.id, { env, key: scheduleKey(env), handle });
  }

  private onJob(envId: string, occurrence: number): void {
    const a = this.armed.get(envId);
    if (!a) return;
    const last = this.lastHandled(envId);
    if (last !== undefined && occurrence <= last) return; // already run (or caught up): never twice
    const lateBy = this.opts.clock.now() - occurrence;
    if (lateBy > this.opts.lateFireMs) {
      // A timer that slept through its time: let the wake logic decide (one catch-up at most).
      this.handleClockJump(`job of ${envId} fired ${Math.round(lateBy / 1000)} s late`);
      return;
    }
    this.setHandled(envId, occurrence);
    this.opts.onFire(a.env, 'scheduled', occurrence);
  }

  /** Runs one catch-up when an occurrence was missed since the last one handled. */
  private catchUp(env: Environment): void {
    const now = this.opts.clock.now();
    const last = this.lastHandled(env.id);
    // The occurrence that is due now is the regular job's, not a missed one.
    const latestMissed = previousRun(env.schedule, env.timezone, now - 1000);
    if (last === undefined) {
      // First time we see this environment: nothing was missed yet; remember where we start.
      this.setHandled(env.id, latestMissed ?? now);
      return;
    }
    if (latestMissed === undefined || latestMissed <= last) return;
    this.setHandled(env.id, latestMissed);
    // Seconds ago: late, not missed. This is the occurrence that fell due while another leader
    // handed over (it stopped arming, this one had not started yet): it runs even where a missed
    // one would not ("skip", or the next run is close), so no occurrence is lost at a hand-over.
    const late = now - latestMissed < this.opts.lateStartMs;
    const [next] = nextRuns(env.schedule, env.timezone, now, 1);
    const wasted = next !== undefined && catchUpIsWasted(latestMissed, next, now);
    if (late && (env.missedRun === 'skip' || wasted)) {
      this.opts.logger.info(`scheduler: ${env.id}: the run of ${new Date(latestMissed).toISOString()} starts late`);
      this.opts.onFire(env, 'scheduled', latestMissed);
      return;
    }
    if (env.missedRun === 'skip') {
      this.opts.logger.info(`scheduler: ${env.id} missed its run of ${new Date(latestMissed).toISOString()}; missedRun is "skip"`);
      return;
    }
    if (wasted) {
      this.opts.logger.info(`scheduler: ${env.id} missed its run of ${new Date(latestMissed).toISOString()}; no catch-up: the next regular run (${new Date(next).toISOString()}) is ${awayText(next - now)} away`);
      return;
    }
    this.opts.logger.info(`scheduler: ${env.id} missed its run of ${new Date(latestMissed).toISOString()}; one catch-up run`);
    this.opts.onFire(env, 'catch-up', latestMissed);
  }

  private setHandled(envId: string, occurrence: number): void {
    this.opts.state.setState(stateKey(envId), String(occurrence));
  }
}

function awayText(ms: number): string {
  return ms >= 60_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 1000)} s`;
}

function stateKey(envId: string): string {
  return `scheduler.lastHandled.${envId}`;
}

function scheduleKey(env: Environment): string {
  return `${env.schedule}|${env.timezone ?? ''}|${env.enabled}`;
}
