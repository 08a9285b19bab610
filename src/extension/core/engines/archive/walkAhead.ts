// The source walk run ahead of the archive pass, on the same thread. Walking first and archiving
// after left the compression threads idle for the whole walk (a fifth of a backup of many small
// files); here the archive pass starts once the walk has listed START_AFTER entries (a small tree
// is still walked whole first) and takes entries while the rest is listed. Only for a backup that
// is written whatever the walk finds: skipIfUnchanged must see the whole manifest first.
import type { TreeEntry } from '../../source/walk';

/** Entries listed before the archive pass starts. */
const START_AFTER = 1024;

export class WalkAhead<K> {
  private items: K[] = [];
  private head = 0;
  private failure: unknown;
  private stopped = false;
  private wake?: () => void;
  private drained?: () => void;
  private startReady?: () => void;
  private readonly started = new Promise<void>((r) => (this.startReady = r));
  /** Settles when the walk has ended (never rejects: a failure reaches the caller of more()). */
  readonly finished: Promise<void>;
  done = false;
  files = 0;
  bytes = 0;

  /**
   * `keep` turns a walk entry into what is held until the archive pass takes it; at most `bound`
   * are held (the walk waits beyond), so memory stays flat whatever the tree.
   */
  constructor(walk: AsyncGenerator<TreeEntry>, keep: (e: TreeEntry) => K, private readonly bound: number, onDone: (w: WalkAhead<K>) => void) {
    this.finished = this.run(walk, keep).finally(() => {
      this.done = true;
      this.startReady?.();
      this.wake?.();
      if (this.failure === undefined && !this.stopped) onDone(this);
    });
  }

  private async run(walk: AsyncGenerator<TreeEntry>, keep: (e: TreeEntry) => K): Promise<void> {
    try {
      for await (const e of walk) {
        if (this.stopped) break;
        this.items.push(keep(e));
        if (e.type === 'file') {
          this.files++;
          this.bytes += e.stat.size;
        }
        if (this.items.length - this.head >= Math.min(START_AFTER, this.bound)) this.startReady?.();
        this.wake?.();
        while (!this.stopped && this.items.length - this.head >= this.bound) await new Promise<void>((r) => (this.drained = r));
      }
    } catch (e) {
      this.failure = e;
    }
  }

  /** Resolves when the archive pass may start: enough entries are listed, or the walk ended. */
  ready(): Promise<void> {
    return this.started;
  }

  /** The next entry in walk order when one is listed already; undefined otherwise (see more()). */
  take(): K | undefined {
    if (this.head === this.items.length) return undefined;
    const k = this.items[this.head];
    this.items[this.head++] = undefined as K; // taken: not held until the end
    if (this.head >= 4096 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    this.drained?.();
    return k;
  }

  /** Waits until take() has an entry (true) or the walk has ended (false); throws what ended it (a stuck source, a cancel). */
  async more(): Promise<boolean> {
    while (this.head === this.items.length && !this.done) {
      await new Promise<void>((r) => (this.wake = r));
      this.wake = undefined;
    }
    if (this.head < this.items.length) return true;
    if (this.failure !== undefined) throw this.failure;
    return false;
  }

  /** Ends the walk early (the backup failed or was cancelled) and waits for it. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.drained?.();
    await this.finished;
  }
}
