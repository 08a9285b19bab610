// Turns a burst of "something changed" into one run of `fn`, `delayMs` after the first call.
// Why: views and watches listen to every task change, and the TaskManager fires those changes
// synchronously, inside the code that queues and starts tasks. 31 scheduled runs due at once fire
// about a hundred changes within a second; a listener that redraws every environment on each one
// (SQL reads, cron arithmetic) kept the extension host's thread busy for seconds and made the
// later runs start late (`npm run bench host-lateness`).
import type { Disposable } from './emitter';

export class Coalesced implements Disposable {
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly fn: () => void, private readonly delayMs: number) {}

  /** Runs `fn` once `delayMs` from now, unless a run is already pending. */
  schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.fn();
    }, this.delayMs);
    // A pending redraw alone must not keep a Node process (the agent, tests) alive.
    (this.timer as { unref?: () => void }).unref?.();
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
