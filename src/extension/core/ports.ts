// What the core needs from the outside world. The VS Code adapter and the tests each provide
// their own implementations, which is what keeps the core free of any `vscode` import.
import type { LogLevel, TaskProgress } from '../../shared/model';

export interface Clock {
  /** Wall-clock time, epoch ms. Jumps when the machine sleeps or the user changes the time. */
  now(): number;
  /** Monotonic ms since an arbitrary origin. Does not advance while the machine sleeps. */
  monotonic(): number;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
};

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * Handed to every unit of work (backup, restore, prune, verify) by the TaskManager.
 * `log` and `progress` are cheap to call often: the TaskManager throttles and batches them.
 */
export interface TaskContext {
  readonly taskId: number;
  readonly signal: AbortSignal;
  readonly clock: Clock;
  log(level: LogLevel, text: string): void;
  progress(progress: TaskProgress): void;
  /**
   * Registers what to undo (remove a partial file) if the TaskManager abandons the work: a
   * cancelled task whose work does not stop because a call in it never returns. Returns the
   * unregister function. Absent where nothing can abandon the work (tests, direct calls).
   */
  onAbandon?(cleanup: () => unknown): () => void;
}
