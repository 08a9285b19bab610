// How a task log over its line limit is cut. We keep the first lines (what ran, with which
// source and settings) and the most recent ones (where a failed backup says why it failed), and
// put one marker line where the gap is. Everything in between is what a reader can spare.

/** Lines always kept at the start of a log: 20, or a tenth of a small limit. */
export function headLines(maxLines: number): number {
  return maxLines >= 10 ? Math.min(20, Math.floor(maxLines / 10)) : 0;
}

export interface TrimPlan {
  /** Lines with head < seq <= markerSeq go; the marker line then takes seq markerSeq. */
  head: number;
  markerSeq: number;
}

/**
 * Called once a log holds more than `maxLines` lines (marker included), with the last seq written.
 * Trims a tenth below the limit, so the range delete runs once per maxLines/10 appended lines,
 * not once per line. Tail lines are contiguous (nothing is ever deleted after the marker), so the
 * kept tail is exactly the last `tailKeep` seqs.
 */
export function planTrim(maxLines: number, lastSeq: number): TrimPlan {
  const max = Math.max(2, Math.floor(maxLines));
  const head = headLines(max);
  const target = max - Math.floor(max / 10);
  const tailKeep = Math.max(0, target - head - 1);
  return { head, markerSeq: Math.max(head + 1, lastSeq - tailKeep) };
}

export function markerText(dropped: number, head: number): string {
  const kept = head > 0 ? `the first ${head} and the most recent lines` : 'the most recent lines';
  return `… ${dropped} log line${dropped === 1 ? '' : 's'} dropped (the history keeps ${kept} of a task's log) …`;
}
