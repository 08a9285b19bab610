// Turns "something changed" into at most one disk write per window. A burst of log lines marks
// the store dirty thousands of times and costs one write; a store nobody touches writes nothing.
// Writes never overlap: a change made while a write is in flight waits for the next window.

export interface CoalescerOptions<T> {
  delayMs: number;
  /** Synchronous: captures everything changed so far (the dirty flag is cleared right after). */
  snapshot(): T;
  write(snapshot: T): Promise<void>;
  /** A background write failed (flush() rejects instead); either way it is retried with backoff. */
  onError(error: unknown): void;
}

const MAX_BACKOFF_MS = 30_000;

export class Coalescer<T> {
  private dirty = false;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private failures = 0;
  private stopped = false;
  /** Changes marked so far, and how many of them a finished write holds (flush waits only for its own). */
  private changes = 0;
  private written = 0;

  constructor(private readonly options: CoalescerOptions<T>) {}

  get isDirty(): boolean {
    return this.dirty;
  }

  markDirty(): void {
    this.changes++;
    this.dirty = true;
    this.arm(this.options.delayMs);
  }

  /**
   * Resolves once everything changed before the call is on disk: a write in flight that already
   * holds it is enough. Changes made after the call do not make it wait for one more write, so
   * many callers at once (30 scheduled runs, each writing "occurrence handled" before it starts)
   * share a write or two instead of queueing one each.
   */
  async flush(): Promise<void> {
    const want = this.changes;
    this.disarm();
    try {
      while (this.written < want) {
        if (this.inFlight) {
          await this.inFlight.catch(() => undefined);
          continue;
        }
        if (!this.dirty) return;
        await this.runOnce();
      }
    } finally {
      if (this.dirty && !this.inFlight) this.arm(this.options.delayMs); // later changes keep their timer
    }
  }

  /** No more timers; pending changes stay unwritten unless flush() is called. */
  stop(): void {
    this.stopped = true;
    this.disarm();
  }

  private arm(delayMs: number): void {
    if (this.timer || this.stopped) return;
    // Node turns a delay past 2^31-1 ms into 1 ms: "never, practically" must not become "now".
    delayMs = Math.min(delayMs, 2 ** 31 - 1);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.inFlight) return this.arm(this.options.delayMs); // the write in flight ends soon; look again then
      if (!this.dirty) return;
      this.runOnce().catch((e) => this.options.onError(e));
    }, delayMs);
  }

  private disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  // async so that a throwing snapshot() (export failed) becomes a rejection like a failed write.
  private async runOnce(): Promise<void> {
    const upTo = this.changes;
    const snap = this.options.snapshot();
    this.dirty = false;
    const p = this.options.write(snap);
    const settled = p.then(
      () => undefined,
      () => undefined,
    );
    this.inFlight = settled;
    void settled.then(() => {
      if (this.inFlight === settled) this.inFlight = undefined;
    });
    try {
      await p;
      this.written = Math.max(this.written, upTo);
      this.failures = 0;
    } catch (e) {
      this.dirty = true; // nothing is lost: the next write carries these changes too
      this.failures++;
      this.arm(Math.min(MAX_BACKOFF_MS, this.options.delayMs * 2 ** this.failures));
      throw e;
    }
  }
}
