// What the overview draws, as plain data (no Lit, no DOM): the health line's parts and tone, the
// strip cells' words, and the points of the sparklines. Unit-tested in Node like state.ts.
import type { TaskStatus } from '../shared/model';
import type { EnvOverview, OverviewRun } from '../shared/overview';
import { formatBytes, formatDateTime, formatDuration, formatRelative } from '../shared/format';
import * as l10n from './l10n';

export type Tone = 'ok' | 'warn' | 'error' | 'idle' | 'busy';

/** The colour class of a run's outcome (overview styles map it to theme colours). */
export function toneOf(status: TaskStatus): Tone {
  switch (status) {
    case 'succeeded': return 'ok';
    case 'failed': return 'error';
    case 'interrupted': return 'warn';
    case 'running': case 'queued': return 'busy';
    default: return 'idle';
  }
}

export interface Health { parts: string[]; tone: Tone }

/** "last good backup 3 h ago · 2 failures in a row · overdue by 1 h". */
export function healthLine(o: EnvOverview, now: number): Health {
  const parts: string[] = [];
  let tone: Tone = 'ok';
  if (o.lastGoodAt !== undefined) parts.push(l10n.t('last good backup {0}', ago(o.lastGoodAt, now)));
  else parts.push(l10n.t('no good backup yet'));
  if (o.failuresInRow > 0) {
    tone = 'error';
    if (o.failuresCapped) parts.push(l10n.t('{0}+ failures in a row', o.failuresInRow));
    else parts.push(o.failuresInRow === 1 ? l10n.t('last run failed') : l10n.t('{0} failures in a row', o.failuresInRow));
  }
  if (o.overdueAt !== undefined && o.dueAt !== undefined && now >= o.overdueAt) {
    if (tone === 'ok') tone = 'warn';
    parts.push(l10n.t('overdue by {0}', roughDuration(now - o.dueAt)));
  }
  if (!o.enabled) {
    parts.push(l10n.t('disabled'));
    if (tone === 'ok') tone = 'idle';
  } else if (o.blocked) {
    parts.push(o.blocked);
    if (tone === 'ok') tone = 'warn';
  }
  return { parts, tone };
}

/** "3 h ago": minutes dropped past an hour, as people say it. */
function ago(time: number, now: number): string {
  return l10n.t('{0} ago', roughDuration(Math.max(0, now - time)));
}

export function roughDuration(ms: number): string {
  if (ms < 60_000) return formatDuration(Math.max(1000, Math.round(ms / 1000) * 1000));
  if (ms < 3_600_000) return formatDuration(Math.round(ms / 60_000) * 60_000);
  if (ms < 86_400_000) return formatDuration(Math.round(ms / 3_600_000) * 3_600_000);
  return formatDuration(Math.round(ms / 86_400_000) * 86_400_000);
}

/** "next run in 23 min (14:00)" or why there is none. */
export function nextRunText(o: EnvOverview, now: number): string {
  if (!o.enabled) return l10n.t('not scheduled (disabled)');
  if (o.nextRun === undefined) return l10n.t('no next run');
  return l10n.t('next run {0} ({1})', formatRelative(o.nextRun, now), formatDateTime(o.nextRun).slice(11, 16));
}

/** The hover text and accessible name of one strip cell: time, duration, result. */
export function runLabel(r: OverviewRun): string {
  const when = formatDateTime(r.startedAt ?? r.queuedAt);
  const outcome = r.worstKind ? l10n.t('{0} ({1})', l10n.statusName(r.status), l10n.kindName(r.worstKind)) : l10n.statusName(r.status);
  const parts = [when, r.duration !== undefined ? formatDuration(r.duration) : '', outcome, r.added !== undefined ? l10n.t('{0} added', formatBytes(r.added)) : ''];
  return parts.filter(Boolean).join(' · ');
}

export interface Series {
  /** One value per run, oldest first; undefined where the run has none. */
  values: (number | undefined)[];
  min: number;
  max: number;
  last?: number;
}

export function series(values: (number | undefined)[]): Series | undefined {
  const known = values.filter((v): v is number => v !== undefined && Number.isFinite(v));
  if (known.length === 0) return undefined;
  return { values, min: Math.min(...known), max: Math.max(...known), last: known[known.length - 1] };
}

/**
 * Stored size per run: what the runs recorded (the archive engine's prune: the archives kept);
 * where none did, the size added adds up over the strip (restic's repository growth before prune
 * gives space back), and `recorded` says which one it is.
 */
export function storedSeries(runs: OverviewRun[]): { series?: Series; recorded: boolean } {
  if (runs.some((r) => r.stored !== undefined)) {
    // A run that recorded nothing (a failed prune) holds the last known figure.
    let last: number | undefined;
    return { series: series(runs.map((r) => (last = r.stored ?? last))), recorded: true };
  }
  let sum = 0;
  return { series: series(runs.map((r) => (r.added === undefined ? undefined : (sum += r.added)))), recorded: false };
}

/** Polyline points of a sparkline `w` x `h` (SVG units, y down), one x step per run. */
export function sparkPoints(s: Series, w: number, h: number, pad = 2): string {
  const n = s.values.length;
  const span = s.max - s.min || 1;
  const step = n > 1 ? (w - 2 * pad) / (n - 1) : 0;
  const pts: string[] = [];
  s.values.forEach((v, i) => {
    if (v === undefined) return;
    const x = pad + i * step;
    const y = s.max === s.min ? h / 2 : h - pad - ((v - s.min) / span) * (h - 2 * pad);
    pts.push(`${round(x)},${round(y)}`);
  });
  return pts.join(' ');
}

/** Bars (x, y, width, height) of a bar sparkline, from 0 up. */
export function sparkBars(s: Series, w: number, h: number, pad = 1): { x: number; y: number; w: number; h: number; i: number }[] {
  const n = s.values.length;
  const slot = (w - 2 * pad) / Math.max(1, n);
  const top = Math.max(s.max, 1);
  const out: { x: number; y: number; w: number; h: number; i: number }[] = [];
  s.values.forEach((v, i) => {
    if (v === undefined) return;
    const bh = Math.max(v > 0 ? 1 : 0, ((h - 2 * pad) * v) / top);
    out.push({ x: round(pad + i * slot + slot * 0.15), y: round(h - pad - bh), w: round(slot * 0.7), h: round(bh), i });
  });
  return out;
}

const round = (n: number) => Math.round(n * 10) / 10;
