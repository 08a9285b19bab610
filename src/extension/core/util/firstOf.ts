// A source with a million unreadable entries (a permission-denied tree, a folder of sockets) would
// otherwise mean a million warning strings in memory and as many log lines: we keep the first
// few, which say what is wrong, and a count of all.

/** How many warnings of one run are kept (and shown); the rest are counted. */
export const KEPT_WARNINGS = 100;

export class FirstOf<T> {
  readonly kept: T[] = [];
  total = 0;

  constructor(private readonly limit = KEPT_WARNINGS) {}

  /** Counts the item; true when it is one of the kept ones (so the caller shows it). */
  add(item: T): boolean {
    this.total++;
    if (this.kept.length >= this.limit) return false;
    this.kept.push(item);
    return true;
  }

  get dropped(): number {
    return this.total - this.kept.length;
  }
}

/** The line that stands for the warnings not shown, or undefined when none were dropped. */
export function moreWarnings(dropped: number): string | undefined {
  return dropped > 0 ? `… and ${dropped} more warning${dropped === 1 ? '' : 's'} like these (only the first ${KEPT_WARNINGS} are listed)` : undefined;
}
