// A thread-pool round trip costs tens of microseconds of main-thread CPU, and a wait behind
// whatever else is queued there (a backup's gzip members), for a syscall of a few microseconds
// on a local disk. So small calls (lstat, reading a small file) run synchronously, at most
// SLICE_MS at a time before the event loop runs. Calls slower than SLOW_CALL_MS (a disk that
// seeks for every file, a network share not known as one) move the rest of the run to the
// asynchronous API for good, so the host is never held up for long: SLOW_CALLS of them among
// WINDOW calls, not one, since on a busy machine any call is now and then preempted or paused
// for garbage collection for a few milliseconds, which the thread pool would not have saved.
// Network and FUSE sources start asynchronous.

const SLICE_MS = 4;
export const SLOW_CALL_MS = 2;
const SLOW_CALLS = 3;
const WINDOW = 256;

export class SyncSlices {
  private async: boolean;
  private sliceStart = performance.now();
  private calls = 0;
  private slow = 0;

  constructor(private readonly slowCallMs = SLOW_CALL_MS, asyncOnly = false) {
    this.async = asyncOnly;
  }

  /** True once a slow call (or the source's kind) moved this run to the thread pool. */
  get isAsync(): boolean {
    return this.async;
  }

  /**
   * Runs call(0), call(1), … up to call(n - 1) synchronously while that is allowed, yielding to
   * the event loop between slices. Returns their results: fewer than n once the run went
   * asynchronous (the caller does the rest through the thread pool). `call` must not throw.
   */
  async each<T>(n: number, call: (i: number) => T): Promise<T[]> {
    const out: T[] = [];
    while (!this.async && out.length < n) {
      const t0 = performance.now();
      if (t0 - this.sliceStart > SLICE_MS) {
        await new Promise((r) => setImmediate(r));
        this.sliceStart = performance.now();
        continue;
      }
      out.push(call(out.length));
      if (++this.calls === WINDOW) this.calls = this.slow = 0;
      if (performance.now() - t0 > this.slowCallMs && ++this.slow >= SLOW_CALLS) this.async = true;
    }
    return out;
  }
}
