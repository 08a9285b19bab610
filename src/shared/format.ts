// Human-readable durations, sizes and times, used the same way by the tree views, the status
// bar, notifications and the webview.

export function formatBytes(bytes: number | undefined | null): string {
  if (bytes === undefined || bytes === null || !Number.isFinite(bytes)) return '';
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = bytes / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 100 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}

/** "850 ms", "12 s", "3 min 4 s", "2 h 5 min", "3 d 4 h". */
export function formatDuration(ms: number | undefined | null): string {
  if (ms === undefined || ms === null || !Number.isFinite(ms) || ms < 0) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

/** "in 3 h 12 min" / "5 min ago", at minute precision past the first minute. */
export function formatRelative(time: number, now: number): string {
  const diff = time - now;
  const abs = Math.abs(diff);
  const text = abs < 60_000 ? `${Math.max(1, Math.round(abs / 1000))} s` : formatDuration(Math.round(abs / 60_000) * 60_000);
  return diff >= 0 ? `in ${text}` : `${text} ago`;
}

/** Local date and time "2026-11-28 14:05:09" (the reader's zone, sortable, no locale surprises). */
export function formatDateTime(time: number | null | undefined): string {
  if (time === null || time === undefined) return '';
  const d = new Date(time);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** "14:05", the last sign of life of a running task the TaskManager flagged stalled; else undefined. */
export function stalledClock(t: { status: string; progress: { stalledSince?: number } | null }): string | undefined {
  const since = t.status === 'running' ? t.progress?.stalledSince : undefined;
  return since === undefined ? undefined : formatDateTime(since).slice(11, 16);
}

export function formatDay(time: number): string {
  return formatDateTime(time).slice(0, 10);
}
