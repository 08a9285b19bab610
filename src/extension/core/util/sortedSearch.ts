// Binary search over ascending numbers, shared by lookups of "which piece holds this offset".

/** Index of the last value at or before `x` in ascending `sorted` (0 when `x` precedes them all). */
export function lastAtOrBefore(sorted: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (sorted[mid] <= x) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
