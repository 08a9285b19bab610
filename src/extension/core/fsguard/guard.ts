// Every file-system call on a backup's source or destination goes through an FsGuard, because
// such a call can block for ever (a stale NFS or SMB mount, a sleeping USB disk, a FUSE file
// system that hangs) and Node runs it on a libuv thread-pool thread (4 by default, shared with
// VS Code and with our gzip work) that we can neither interrupt nor get back.
//
// So the guard
// - bounds each call: after `callTimeoutMs` the caller gets "the destination did not respond"
//   (the call itself stays in the pool; it is counted until it really returns);
// - remembers the path as unresponsive, so later runs fail at once instead of stacking more
//   stuck calls; the mark goes when one of its stuck calls returns (the path answered) or, after
//   `unresponsiveMs`, one probe call is let through and answers in time;
// - lets at most `maxPerPath` calls of one path into the pool at once (the others wait outside
//   it), so a path that hangs all of a sudden takes that many threads, never the whole pool;
// - once a path is slow (a call outstanding longer than `slowMs`), lets only one call at a time
//   into the pool for it, and once `maxSlowCalls` of our calls sit in the pool on slow paths,
//   refuses more calls on those paths and lets other paths in one call at a time.
// Healthy paths pay one Map insert and delete per call; a single watchdog timer runs only while
// calls are outstanding.
import { CancelledError } from '../util/errors';

/** What the path is to the task: its message names it ("The destination … did not respond"). A restore writes into a `target`. */
export type FsRole = 'source' | 'destination' | 'target';

export interface FsGuardOptions {
  /** Bound of one call (default 3 minutes). */
  callTimeoutMs?: number;
  /** How long a path that did not respond is refused before one probe is let through (default 10 minutes). */
  unresponsiveMs?: number;
  /** A call outstanding this long marks its path slow (default 2 s). */
  slowMs?: number;
  /** Our calls that may be in the thread pool at once on slow paths (default 2 of the pool's 4). */
  maxSlowCalls?: number;
  /** Calls of one path in the pool at once while it answers (default 2). */
  maxPerPath?: number;
  /** Monotonic ms: a machine's sleep must not count as a call's time. */
  now?: () => number;
  /** Told when a path becomes unresponsive or answers again. */
  onChange?: (path: string, role: FsRole, state: 'unresponsive' | 'answering') => void;
}

/** The error a task fails with; its message names the path and says what happened. */
export class UnresponsiveError extends Error {
  override name = 'UnresponsiveError';
  constructor(readonly path: string, readonly role: FsRole, message: string) {
    super(message);
  }
}

interface Call {
  started: number;
  probe: boolean;
  slow: boolean;
  timedOut: boolean;
  /** False while it waits for its path's turn (not in the pool yet). */
  inPool: boolean;
  settle(error?: Error): boolean;
  /** Starts a waiting call. */
  go?: () => void;
}

interface PathState {
  path: string;
  role: FsRole;
  inFlight: Set<Call>;
  waiting: Call[];
  slow: boolean;
  /** Calls that timed out and are still in the pool. */
  stuck: number;
  /** Monotonic time until which calls are refused; 0 when the path is fine. */
  refusedUntil: number;
  /** Set when a call timed out: once the refusal expires, one probe call at a time is let through. */
  needsProbe: boolean;
  probing: boolean;
}

export class FsGuard {
  private callTimeoutMs: number;
  private unresponsiveMs: number;
  private slowMs: number;
  private maxSlowCalls: number;
  private maxPerPath: number;
  private readonly now: () => number;
  private readonly onChange?: FsGuardOptions['onChange'];
  private readonly paths = new Map<string, PathState>();
  private readonly bySignal = new WeakMap<AbortSignal, Set<() => void>>();
  private slowInPool = 0;
  private watchdog: ReturnType<typeof setInterval> | undefined;

  constructor(opts: FsGuardOptions = {}) {
    this.callTimeoutMs = opts.callTimeoutMs ?? 180_000;
    this.unresponsiveMs = opts.unresponsiveMs ?? 600_000;
    this.slowMs = opts.slowMs ?? 2000;
    this.maxSlowCalls = opts.maxSlowCalls ?? 2;
    this.maxPerPath = Math.max(1, opts.maxPerPath ?? 2);
    this.now = opts.now ?? (() => performance.now());
    this.onChange = opts.onChange;
  }

  configure(opts: Pick<FsGuardOptions, 'callTimeoutMs' | 'unresponsiveMs' | 'maxSlowCalls' | 'slowMs' | 'maxPerPath'>): void {
    if (opts.maxPerPath !== undefined) this.maxPerPath = Math.max(1, opts.maxPerPath);
    if (opts.callTimeoutMs !== undefined) this.callTimeoutMs = opts.callTimeoutMs;
    if (opts.slowMs !== undefined) this.slowMs = opts.slowMs;
    if (opts.unresponsiveMs !== undefined) this.unresponsiveMs = opts.unresponsiveMs;
    if (opts.maxSlowCalls !== undefined) this.maxSlowCalls = opts.maxSlowCalls;
  }

  get timeoutMs(): number {
    return this.callTimeoutMs;
  }

  /** Our calls sitting in the thread pool on slow paths right now. */
  get slowCallsInPool(): number {
    return this.slowInPool;
  }

  /** Why calls on `path` are refused right now, or undefined. */
  refusal(path: string): string | undefined {
    const st = this.paths.get(path);
    return st && st.refusedUntil > this.now() ? this.refusedText(st) : undefined;
  }

  /**
   * Runs `fn` (one file-system call, or a few that belong together) for `path`, the source or
   * destination it works on. Rejects with UnresponsiveError when the path does not answer in
   * time or is known not to, and with CancelledError when `signal` aborts while it waits.
   */
  run<T>(path: string, role: FsRole, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const st = this.state(path, role);
    const now = this.now();
    if (st.refusedUntil > now) return Promise.reject(new UnresponsiveError(path, role, this.refusedText(st)));
    let probe = false;
    if (st.needsProbe) {
      // The refusal expired but nothing has answered since: one probe at a time, and only while
      // the stuck calls leave room in our share of the pool.
      if (st.probing || this.slowInPool >= this.maxSlowCalls) return Promise.reject(new UnresponsiveError(path, role, this.refusedText(st)));
      st.probing = probe = true;
    }
    if (signal?.aborted) return Promise.reject(new CancelledError(cancelText(role)));

    return new Promise<T>((resolve, reject) => {
      let done = false;
      const call: Call = {
        started: now,
        probe,
        slow: false,
        timedOut: false,
        inPool: false,
        settle: (error) => {
          if (done) return false;
          done = true;
          if (signal) this.unwatch(signal, onAbort);
          if (error) reject(error);
          return true;
        },
      };
      const onAbort = () => {
        if (!call.inPool) this.dequeue(st, call);
        call.settle(new CancelledError(cancelText(role)));
      };
      if (signal) this.watch(signal, onAbort);
      const go = () => {
        call.inPool = true;
        call.started = this.now();
        st.inFlight.add(call);
        this.arm();
        let p: Promise<T>;
        try {
          p = fn();
        } catch (e) {
          p = Promise.reject(e);
        }
        p.then(
          (v) => {
            this.returned(st, call);
            if (call.settle()) resolve(v);
          },
          (e: unknown) => {
            this.returned(st, call);
            call.settle(e instanceof Error ? e : new Error(String(e)));
          },
        );
      };
      if (this.active(st) >= this.cap(st)) {
        // Over its share: the call waits here, outside the pool.
        if (st.slow && this.slowInPool >= this.maxSlowCalls && [...st.inFlight].every((c) => c.slow)) {
          call.settle(new UnresponsiveError(path, role, `The ${role} ${path} is not answering (${this.slowInPool} of our calls on slow paths are still waiting for an answer)`));
          return;
        }
        call.go = go;
        st.waiting.push(call);
        this.arm();
      } else go();
    });
  }

  /**
   * One abort listener per signal, not per call: a backup has dozens of calls outstanding on
   * one task's signal (read-ahead), and Node warns beyond ten listeners.
   */
  private watch(signal: AbortSignal, onAbort: () => void): void {
    let set = this.bySignal.get(signal);
    if (!set) {
      const calls = new Set<() => void>();
      set = calls;
      this.bySignal.set(signal, calls);
      signal.addEventListener('abort', () => {
        this.bySignal.delete(signal);
        for (const f of [...calls]) f();
      }, { once: true });
    }
    set.add(onAbort);
  }

  private unwatch(signal: AbortSignal, onAbort: () => void): void {
    this.bySignal.get(signal)?.delete(onAbort);
  }

  private state(path: string, role: FsRole): PathState {
    let st = this.paths.get(path);
    if (!st) {
      st = { path, role, inFlight: new Set(), waiting: [], slow: false, stuck: 0, refusedUntil: 0, needsProbe: false, probing: false };
      this.paths.set(path, st);
    }
    return st;
  }

  private refusedText(st: PathState): string {
    const minutes = Math.max(1, Math.round((st.refusedUntil - this.now()) / 60_000));
    return `The ${st.role} ${st.path} did not respond: a file-system call on it has not returned for ${this.seconds(this.callTimeoutMs)} or more. It is left alone until it answers again (or for up to ${minutes} minute${minutes === 1 ? '' : 's'}, then tried once).`;
  }

  private seconds(ms: number): string {
    return ms >= 120_000 ? `${Math.round(ms / 60_000)} minutes` : `${Math.round(ms / 1000)} s`;
  }

  private returned(st: PathState, call: Call): void {
    st.inFlight.delete(call);
    if (call.slow) this.slowInPool--;
    if (call.timedOut) st.stuck--;
    if (call.probe) st.probing = false;
    // A stuck call that finally returns, or a probe that returned in time: the path answers
    // again, and the next run works normally.
    if ((call.timedOut || (call.probe && !call.timedOut)) && st.needsProbe) {
      st.needsProbe = false;
      st.refusedUntil = 0;
      this.onChange?.(st.path, st.role, 'answering');
    }
    if (st.inFlight.size === 0 && !call.slow) st.slow = false;
    this.next(st);
    this.forget(st);
  }

  private next(st: PathState): void {
    while (st.waiting.length > 0 && this.active(st) < this.cap(st)) st.waiting.shift()!.go?.();
  }

  /** Calls of a path in the pool that still have a caller (timed-out ones are only counted). */
  private active(st: PathState): number {
    return st.inFlight.size - st.stuck;
  }

  /**
   * Calls of one path in the pool at once: a few while it answers (a path that hangs suddenly
   * takes no more threads than that), one once it is slow or our share for slow paths is used.
   */
  private cap(st: PathState): number {
    return st.slow || this.slowInPool >= this.maxSlowCalls ? 1 : this.maxPerPath;
  }

  private dequeue(st: PathState, call: Call): void {
    const i = st.waiting.indexOf(call);
    if (i >= 0) st.waiting.splice(i, 1);
    this.forget(st);
  }

  private forget(st: PathState): void {
    if (st.inFlight.size === 0 && st.waiting.length === 0 && st.stuck === 0 && !st.needsProbe) this.paths.delete(st.path);
    if (this.watchdog && ![...this.paths.values()].some((p) => p.inFlight.size > 0 || p.waiting.length > 0)) {
      clearInterval(this.watchdog);
      this.watchdog = undefined;
    }
  }

  private arm(): void {
    if (this.watchdog) return;
    const every = Math.max(50, Math.min(1000, this.slowMs / 2));
    this.watchdog = setInterval(() => this.check(), every);
    (this.watchdog as { unref?: () => void }).unref?.();
  }

  private check(): void {
    const now = this.now();
    for (const st of [...this.paths.values()]) {
      for (const call of st.inFlight) {
        const age = now - call.started;
        if (!call.slow && age >= this.slowMs) {
          call.slow = true;
          st.slow = true;
          this.slowInPool++;
        }
        if (!call.timedOut && age >= this.callTimeoutMs) {
          call.timedOut = true;
          st.stuck++;
          if (!st.needsProbe) this.onChange?.(st.path, st.role, 'unresponsive');
          st.needsProbe = true;
          st.refusedUntil = now + this.unresponsiveMs;
          call.settle(new UnresponsiveError(st.path, st.role, `The ${st.role} ${st.path} did not respond: a file-system call on it did not return within ${this.seconds(this.callTimeoutMs)}.`));
        }
      }
      // Calls waiting for a path that stopped answering would wait for ever: they fail with it.
      const refused = st.refusedUntil > now;
      for (const c of [...st.waiting]) {
        if (!refused && now - c.started < this.callTimeoutMs) continue;
        st.waiting.splice(st.waiting.indexOf(c), 1);
        c.settle(new UnresponsiveError(st.path, st.role, refused ? this.refusedText(st) : `The ${st.role} ${st.path} did not respond within ${this.seconds(this.callTimeoutMs)}.`));
      }
      this.forget(st);
    }
  }
}

function cancelText(role: FsRole): string {
  return role === 'source' ? 'Reading the source' : role === 'target' ? 'Restoring' : 'Writing the destination';
}
