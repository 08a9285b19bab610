// Runs every unit of work as a task: records it in the store, enforces the concurrency rule
// (never two tasks of one environment at once; different environments in parallel, up to
// `maxParallel`, the rest queued), wires cancellation and timeouts through an AbortSignal, and
// throttles progress so a backup of 100k files does not mean 100k store writes.
//
// A task that is still running after `longRunningMs` gives its place back (up to `maxLong`
// such long tasks at once): a 150 MB backup that runs for 10 s must not hold one of the places
// that the 30 small runs falling due beside it each need for a tenth of a second. This is how a
// runtime scheduler treats a thread blocked in a long call (Go hands its processor to another):
// the limit keeps bursts of work from piling onto the machine; it is not meant to make short
// work queue behind long work. So at most `maxParallel` tasks in their first `longRunningMs`,
// plus at most `maxLong` long ones.
//
// A short run is mostly waits (thread-pool round trips, the store, the host's other work): a
// one-file backup that takes 5 ms alone took ~100 ms among 30 others falling due with it. So
// more short places overlap those waits: with 8 (4 before) the last of 31 runs due together
// started 0.83-0.99 s after its time instead of 1.3-1.4 s (npm run bench host-lateness), while long
// work, which holds memory and CPU, stays bounded by `maxLong`.
import type { LogLevel, TaskKind, TaskProgress, TaskRecord, TaskResult, TaskTrigger } from '../../../shared/model';
import type { Clock, Logger, TaskContext } from '../ports';
import type { TaskStore } from '../store/taskStore';
import { Emitter } from '../util/emitter';

export type TaskWork = (ctx: TaskContext) => Promise<TaskResult>;

export interface TaskSpec {
  envId: string;
  kind: TaskKind;
  trigger: TaskTrigger;
  work: TaskWork;
  timeoutMs?: number;
  /** The task whose run this one belongs to (a backup's verify or prune); set for the chain's follow-ups. */
  parentId?: number;
  /**
   * Runs after the task succeeded, still holding the environment: returns the follow-up tasks
   * (verify, prune) that must run before another task of this environment may start.
   */
  followUps?: (result: TaskResult, task: TaskRecord) => TaskSpec[];
}

export type StartOutcome =
  | { kind: 'started'; task: TaskRecord; done: Promise<TaskRecord> }
  | { kind: 'queued'; task: TaskRecord; done: Promise<TaskRecord> }
  | { kind: 'busy'; busyWith: TaskRecord; skipped?: TaskRecord };

export interface TaskManagerOptions {
  store: TaskStore;
  clock: Clock;
  logger: Logger;
  /**
   * At most this many tasks of different environments run at once (default 8), not counting
   * up to `maxLong` more that have run longer than `longRunningMs`.
   */
  maxParallel?: number;
  /** At most this many tasks that gave their place back run at once (default 4). */
  maxLong?: number;
  /** A task running this long gives its place to a waiting one, while fewer than `maxLong` long ones run (default 1000 ms). */
  longRunningMs?: number;
  /** Progress reaches the store at most this often per task (default 1000 ms). */
  progressIntervalMs?: number;
  /**
   * A running task with no progress and no log line for this long is flagged stalled (a getter:
   * the setting may change while tasks run; default 30 minutes).
   */
  stallMs?: () => number;
  /**
   * After a cancel or timeout, work that has not stopped within this long is abandoned (at once
   * for a stalled task): its environment is freed even if a call in it never returns. Default
   * 30 s, longer than any engine's own kill grace (restic 10 s, a command 3 s), so work that does
   * stop is never abandoned.
   */
  abandonAfterMs?: number;
}

export class TimeoutError extends Error {
  override name = 'TimeoutError';
  constructor(readonly ms: number) {
    super(`timed out after ${formatDuration(ms)}`);
  }
}

export class CancelledError extends Error {
  constructor() {
    super('cancelled by the user');
  }
}

interface Running {
  task: TaskRecord;
  controller: AbortController;
  progress: TaskProgress | null;
  progressTimer: ReturnType<typeof setTimeout> | undefined;
  progressDirty: boolean;
  /** Monotonic and wall time of the work's last log line or progress. */
  lastActivity: number;
  lastActivityAt: number;
  stalled: boolean;
  /** Cleanups the work registered for the case it is abandoned (its partial file). */
  cleanups: Set<() => unknown>;
  abandon?: (reason: unknown) => void;
  /** Set once the work has run for `longRunningMs`: from then on it may leave its place. */
  pastLong: boolean;
  longTimer: ReturnType<typeof setTimeout> | undefined;
}

export const DEFAULT_STALL_MS = 30 * 60_000;

interface Waiting {
  task: TaskRecord;
  spec: TaskSpec;
  resolve: (t: TaskRecord) => void;
}

export class TaskManager {
  private readonly store: TaskStore;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly maxParallel: number;
  private readonly maxLong: number;
  private readonly progressIntervalMs: number;
  private readonly stallMs: () => number;
  private readonly abandonAfterMs: number;
  private readonly longRunningMs: number;
  private stallWatch: ReturnType<typeof setInterval> | undefined;
  /** Environment id -> the task holding it (running or queued, including a chain's follow-ups). */
  private readonly holders = new Map<string, number>();
  private readonly running = new Map<number, Running>();
  /** Running tasks that gave their place back (they ran longer than `longRunningMs`). */
  private readonly long = new Set<number>();
  private readonly waiting: Waiting[] = [];
  private readonly changed = new Emitter<TaskRecord>();
  private disposed = false;

  /** Fires after every change of a task the manager makes (created, started, progress, finished). */
  readonly onDidChangeTask = this.changed.event;

  constructor(options: TaskManagerOptions) {
    this.store = options.store;
    this.clock = options.clock;
    this.logger = options.logger;
    this.maxParallel = Math.max(1, options.maxParallel ?? 8);
    this.maxLong = Math.max(0, options.maxLong ?? 4);
    this.progressIntervalMs = options.progressIntervalMs ?? 1000;
    this.stallMs = options.stallMs ?? (() => DEFAULT_STALL_MS);
    this.abandonAfterMs = options.abandonAfterMs ?? 30_000;
    this.longRunningMs = options.longRunningMs ?? 1000;
  }

  /** Marks what a crashed or killed host left running as interrupted. Call once at start-up. */
  recoverInterrupted(): TaskRecord[] {
    const tasks = this.store.interruptUnfinished(this.clock.now());
    for (const t of tasks) this.logger.warn(`task #${t.id} (${t.kind} of ${t.envId}) was interrupted: the host stopped while it ran`);
    for (const t of tasks) this.changed.fire(t);
    return tasks;
  }

  isBusy(envId: string): boolean {
    return this.holders.has(envId);
  }

  /** The task currently holding an environment, if any. */
  busyWith(envId: string): TaskRecord | undefined {
    const id = this.holders.get(envId);
    return id === undefined ? undefined : this.store.getTask(id);
  }

  activeTasks(): TaskRecord[] {
    const ids = [...this.running.keys(), ...this.waiting.map((w) => w.task.id)];
    return ids.map((id) => this.liveRecord(id)).filter((t): t is TaskRecord => t !== undefined);
  }

  /** The record with the latest in-memory progress (the store gets it throttled). */
  liveRecord(id: number): TaskRecord | undefined {
    const t = this.store.getTask(id);
    const r = this.running.get(id);
    return t && r?.progress ? { ...t, progress: r.progress } : t;
  }

  /**
   * Starts a task, queues it, or refuses because its environment is busy. A scheduled or
   * catch-up run of a busy environment is recorded as `skipped` with the reason; a manual
   * run starts nothing and the caller tells the user.
   */
  start(spec: TaskSpec): StartOutcome {
    if (this.disposed) throw new Error('the task manager has been disposed');
    const holder = this.busyWith(spec.envId);
    if (holder) {
      if (spec.trigger === 'manual') return { kind: 'busy', busyWith: holder };
      const now = this.clock.now();
      const skipped = this.store.createTask({
        envId: spec.envId,
        kind: spec.kind,
        trigger: spec.trigger,
        status: 'skipped',
        queuedAt: now,
        finishedAt: now,
        skipReason: `${spec.envId} was busy with task #${holder.id} (${holder.kind}, ${holder.status})`,
        parentId: spec.parentId,
      });
      this.logger.info(`skipped ${spec.trigger} ${spec.kind} of ${spec.envId}: ${skipped.skipReason}`);
      this.changed.fire(skipped);
      return { kind: 'busy', busyWith: holder, skipped };
    }
    const task = this.store.createTask({ envId: spec.envId, kind: spec.kind, trigger: spec.trigger, status: 'queued', queuedAt: this.clock.now(), parentId: spec.parentId });
    this.holders.set(spec.envId, task.id);
    this.changed.fire(task);
    let resolve!: (t: TaskRecord) => void;
    const done = new Promise<TaskRecord>((r) => (resolve = r));
    this.waiting.push({ task, spec, resolve });
    this.pump();
    return { kind: this.running.has(task.id) ? 'started' : 'queued', task: this.liveRecord(task.id) ?? task, done };
  }

  /** Cancels a running or queued task. Returns false when the task is not active here. */
  cancel(taskId: number): boolean {
    const r = this.running.get(taskId);
    if (r) {
      r.controller.abort(new CancelledError());
      return true;
    }
    const i = this.waiting.findIndex((w) => w.task.id === taskId);
    if (i < 0) return false;
    const [w] = this.waiting.splice(i, 1);
    const now = this.clock.now();
    const t = this.store.updateTask(taskId, { status: 'cancelled', finishedAt: now, error: 'cancelled before it started' });
    this.store.appendLog(taskId, 'info', 'cancelled by the user before it started', now);
    if (this.holders.get(w.spec.envId) === taskId) this.holders.delete(w.spec.envId);
    this.changed.fire(t);
    w.resolve(t);
    return true;
  }

  /** Cancels everything and waits for the running work to stop (deactivate). */
  async dispose(): Promise<void> {
    this.disposed = true;
    for (const w of [...this.waiting]) this.cancel(w.task.id);
    const pending = [...this.running.values()].map((r) => {
      r.controller.abort(new CancelledError());
      return new Promise<void>((res) => {
        const sub = this.changed.event((t) => {
          if (t.id === r.task.id && t.finishedAt !== null) {
            sub.dispose();
            res();
          }
        });
      });
    });
    await Promise.race([Promise.all(pending), new Promise((r) => setTimeout(r, 5000))]);
    this.changed.dispose();
  }

  private pump(): void {
    while (this.running.size - this.long.size < this.maxParallel && this.waiting.length > 0) {
      const w = this.waiting.shift()!;
      void this.execute(w.task, w.spec).then(w.resolve);
    }
  }

  /** Moves tasks past `longRunningMs` out of their places while the long ones leave room, oldest first. */
  private releaseLongPlaces(): void {
    for (const entry of this.running.values()) {
      if (this.long.size >= this.maxLong) break;
      if (entry.pastLong) this.long.add(entry.task.id);
    }
    this.pump();
  }

  private async execute(queued: TaskRecord, spec: TaskSpec): Promise<TaskRecord> {
    const controller = new AbortController();
    const entry: Running = {
      task: queued,
      controller,
      progress: null,
      progressTimer: undefined,
      progressDirty: false,
      lastActivity: this.clock.monotonic(),
      lastActivityAt: this.clock.now(),
      stalled: false,
      cleanups: new Set(),
      pastLong: false,
      longTimer: undefined,
    };
    this.running.set(queued.id, entry);
    // The timer, not a clock comparison, says when: a timer may fire a little before the clock agrees.
    entry.longTimer = setTimeout(() => {
      entry.pastLong = true;
      this.releaseLongPlaces();
    }, this.longRunningMs);
    (entry.longTimer as { unref?: () => void }).unref?.();
    this.watchStalls();
    const startedAt = this.clock.now();
    entry.task = this.store.updateTask(queued.id, { status: 'running', startedAt });
    this.changed.fire(entry.task);
    let timer: ReturnType<typeof setTimeout> | undefined;
    if (spec.timeoutMs !== undefined && spec.timeoutMs > 0) {
      timer = setTimeout(() => controller.abort(new TimeoutError(spec.timeoutMs!)), spec.timeoutMs);
    }
    const ctx: TaskContext = {
      taskId: queued.id,
      signal: controller.signal,
      clock: this.clock,
      log: (level, text) => {
        this.active(entry);
        this.log(queued.id, level, text);
      },
      progress: (p) => {
        this.active(entry);
        this.progress(entry, p);
      },
      onAbandon: (cleanup) => {
        entry.cleanups.add(cleanup);
        return () => entry.cleanups.delete(cleanup);
      },
    };
    const abandoned = this.abandonment(entry);
    let final: TaskRecord;
    let followUps: TaskSpec[] = [];
    try {
      const work = spec.work(ctx);
      work.catch(() => undefined); // once abandoned, its late end is nobody's business
      const result = await Promise.race([work, abandoned.promise]);
      if (controller.signal.aborted) throw controller.signal.reason;
      final = this.finish(entry, { status: 'succeeded', result });
      // The follow-ups join this task's run (one row in the Task Log and the Tasks view).
      if (spec.followUps) followUps = spec.followUps(result, final).map((f) => ({ ...f, parentId: f.parentId ?? queued.id }));
    } catch (err) {
      const reason = controller.signal.aborted ? controller.signal.reason : err;
      if (reason instanceof CancelledError) {
        this.log(queued.id, 'warn', 'cancelled by the user');
        final = this.finish(entry, { status: 'cancelled', error: reason.message });
      } else {
        const message = reason instanceof Error ? reason.message : String(reason);
        this.log(queued.id, 'error', message);
        final = this.finish(entry, { status: 'failed', error: message });
      }
    } finally {
      if (timer) clearTimeout(timer);
      clearTimeout(entry.longTimer);
      abandoned.dispose();
    }
    this.running.delete(queued.id);
    // A long one ending makes room for another that waits, still in its place, to leave it.
    if (this.long.delete(queued.id)) this.releaseLongPlaces();
    this.holders.delete(spec.envId);
    // Follow-ups take the environment over directly, before anything waiting can grab it.
    for (const next of followUps) {
      if (this.disposed) break;
      const outcome = this.start(next);
      if (outcome.kind === 'busy') break;
      const t = await outcome.done;
      if (t.status !== 'succeeded') break;
    }
    this.pump();
    return final;
  }

  /**
   * Settles (rejects) when an aborted task's work does not stop in time: a stuck call (a file
   * system that never answers) must not hold its environment for ever. The work's cleanups run
   * without being awaited; they go through the FsGuard, which gives up at once on a dead path.
   */
  private abandonment(entry: Running): { promise: Promise<never>; dispose(): void } {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let reject!: (e: unknown) => void;
    const promise = new Promise<never>((_, rej) => (reject = rej));
    promise.catch(() => undefined);
    const signal = entry.controller.signal;
    entry.abandon = (reason) => {
      if (timer) clearTimeout(timer);
      entry.abandon = undefined;
      this.log(entry.task.id, 'warn', 'The work did not stop (a call in it never returned): it was abandoned and its environment freed');
      this.logger.warn(`task #${entry.task.id} (${entry.task.kind} of ${entry.task.envId}) abandoned after it was stopped`);
      for (const c of entry.cleanups) void Promise.resolve().then(c).catch(() => undefined);
      entry.cleanups.clear();
      reject(reason);
    };
    const onAbort = () => {
      if (entry.stalled) entry.abandon?.(signal.reason);
      else timer = setTimeout(() => entry.abandon?.(signal.reason), this.abandonAfterMs);
    };
    signal.addEventListener('abort', onAbort);
    return {
      promise,
      dispose: () => {
        if (timer) clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        entry.abandon = undefined;
      },
    };
  }

  /** The work spoke (a log line or progress): it is not stalled, or no longer. */
  private active(entry: Running): void {
    entry.lastActivity = this.clock.monotonic();
    entry.lastActivityAt = this.clock.now();
    if (!entry.stalled) return;
    entry.stalled = false;
    const { stalledSince: _, ...rest } = entry.progress ?? {};
    entry.progress = rest;
    this.log(entry.task.id, 'info', 'Progress again: no longer stalled');
    entry.task = this.store.updateTask(entry.task.id, { progress: entry.progress });
    this.changed.fire(entry.task);
  }

  /** One timer for all running tasks, flagging those that said nothing for `stallMs`. */
  private watchStalls(): void {
    if (this.stallWatch) return;
    const every = Math.min(60_000, Math.max(250, Math.floor(this.stallMs() / 10)));
    this.stallWatch = setInterval(() => this.checkStalls(), every);
    (this.stallWatch as { unref?: () => void }).unref?.();
  }

  private checkStalls(): void {
    if (this.running.size === 0) {
      clearInterval(this.stallWatch);
      this.stallWatch = undefined;
      return;
    }
    const limit = this.stallMs();
    const now = this.clock.monotonic();
    for (const entry of this.running.values()) {
      if (entry.stalled || entry.task.finishedAt !== null || now - entry.lastActivity < limit) continue;
      entry.stalled = true;
      entry.progress = { ...entry.progress, stalledSince: entry.lastActivityAt };
      entry.progressDirty = false;
      const minutes = Math.round((now - entry.lastActivity) / 60_000);
      this.log(entry.task.id, 'info', `Stalled: no progress and no log line for ${minutes} minute${minutes === 1 ? '' : 's'}. Cancel stops it and frees ${entry.task.envId}, even if a call in it never returns.`);
      this.logger.warn(`task #${entry.task.id} (${entry.task.kind} of ${entry.task.envId}) looks stalled: nothing for ${minutes} min`);
      entry.task = this.store.updateTask(entry.task.id, { progress: entry.progress });
      this.changed.fire(entry.task);
    }
  }

  private finish(entry: Running, patch: { status: TaskRecord['status']; result?: TaskResult; error?: string }): TaskRecord {
    if (entry.progressTimer) clearTimeout(entry.progressTimer);
    const now = this.clock.now();
    const t = this.store.updateTask(entry.task.id, {
      status: patch.status,
      finishedAt: now,
      result: patch.result ?? null,
      error: patch.error ?? null,
      progress: patch.status === 'succeeded' && entry.progress ? { ...entry.progress, percent: 100 } : entry.progress,
    });
    entry.task = t;
    this.changed.fire(t);
    return t;
  }

  private log(taskId: number, level: LogLevel, text: string): void {
    try {
      this.store.appendLog(taskId, level, text, this.clock.now());
    } catch (e) {
      this.logger.error(`could not store a log line of task #${taskId}: ${(e as Error).message}`);
    }
  }

  private progress(entry: Running, p: TaskProgress): void {
    entry.progress = { ...entry.progress, ...p };
    entry.progressDirty = true;
    if (entry.progressTimer) return;
    entry.progressTimer = setTimeout(() => {
      entry.progressTimer = undefined;
      if (!entry.progressDirty || !this.running.has(entry.task.id)) return;
      entry.progressDirty = false;
      entry.task = this.store.updateTask(entry.task.id, { progress: entry.progress });
      this.changed.fire(entry.task);
    }, this.progressIntervalMs);
  }
}

function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`;
  return `${Math.round(ms / 6000) / 10} min`;
}
