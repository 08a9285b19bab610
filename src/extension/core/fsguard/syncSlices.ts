// A thread-pool round trip costs tens of microseconds of main-thread CPU, and a wait behind
// whatever else is queued there (a backup's gzip members), for a syscall of a few microseconds
// on a local disk. So small calls (lstat, reading a small file) run synchronously, at most
// SLICE_MS at a time before the event loop runs. Calls slower than SLOW_CALL_MS (a disk that
// seeks for every file, a network share not known as one) move the rest of the run to the
// asynchronous API for good, so the host is never held up for long: SLOW_CALLS of them among
// WINDOW calls, not one, since on a busy machine any call is now and then preempted or paused
// for garbage collection for a few milliseconds, which the thread pool would not have saved.
// Time the thread spent waiting for a core (Linux schedstat's run-queue time) is not the call's:
// on a loaded 2-core machine three preemptions of 2 ms came soon and moved a backup of 16k
// small files to the thread pool, where it cost ~1 s more CPU. Network and FUSE sources start
// asynchronous.
import { readFileSync } from 'node:fs';

const SLICE_MS = 4;
export const SLOW_CALL_MS = 2;
const SLOW_CALLS = 3;
const WINDOW = 256;

/** Milliseconds this thread has waited for a core so far (schedstat), or undefined where not known. */
export function runQueueWaitMs(): number | undefined {
  if (!schedstat) return undefined;
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'latin1').split(' ')[1]) / 1e6;
  } catch {
    schedstat = false; // not Linux, or no schedstat: not asked again
    return undefined;
  }
}

let schedstat = true;

export class SyncSlices {
  private async: boolean;
  private sliceStart = performance.now();
  /** Run-queue wait when the slice started: read once a slice, and again only after a slow call. */
  private sliceWait: number | undefined;
  private calls = 0;
  private slow = 0;

  constructor(private readonly slowCallMs = SLOW_CALL_MS, asyncOnly = false, private readonly waitedMs: () => number | undefined = runQueueWaitMs) {
    this.async = asyncOnly;
    if (!asyncOnly) this.sliceWait = waitedMs();
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
        this.sliceWait = this.waitedMs();
        continue;
      }
      out.push(call(out.length));
      if (++this.calls === WINDOW) this.calls = this.slow = 0;
      const took = performance.now() - t0;
      if (took > this.slowCallMs && took - Math.min(took, this.waitedSinceSliceStart()) > this.slowCallMs && ++this.slow >= SLOW_CALLS) this.async = true;
    }
    return out;
  }

  /** Run-queue wait since the slice started (it covers the call just made; 0 where not known). */
  private waitedSinceSliceStart(): number {
    const now = this.waitedMs();
    return now === undefined || this.sliceWait === undefined ? 0 : Math.max(0, now - this.sliceWait);
  }
}
