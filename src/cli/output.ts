// How the command line prints: plain aligned text for people (colours only on a terminal, and
// never with NO_COLOR), JSON for scripts. Text from the history (log lines, errors, file names) is
// stripped of control sequences before it reaches a terminal: it is not ours.
import type { LogLine, TaskRecord } from '../shared/model';
import { formatBytes, formatDateTime, formatDuration } from '../shared/format';

export interface Out {
  readonly json: boolean;
  readonly colour: boolean;
  line(text?: string): void;
  error(text: string): void;
  data(value: unknown): void;
}

export function consoleOut(json: boolean, stdout: NodeJS.WriteStream = process.stdout, stderr: NodeJS.WriteStream = process.stderr, env = process.env): Out {
  const colour = !json && stdout.isTTY === true && !env.NO_COLOR;
  return {
    json,
    colour,
    line: (text = '') => void stdout.write(`${text}\n`),
    error: (text) => void stderr.write(`${text}\n`),
    data: (value) => void stdout.write(`${JSON.stringify(value, null, 2)}\n`),
  };
}

// Whole escape sequences first (so their parameters do not show), then any control character left.
const SEQUENCES = /(?:\x1b\]|\x9d)[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?|(?:\x1b[PX^_]|[\x90\x98\x9e\x9f])[^\x1b\x9c]*(?:\x1b\\|\x9c)?|(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?|\x1b[\x20-\x2f]*[\x30-\x7e]?/g;
const CONTROLS = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;
export const safe = (text: string): string => text.replace(/\r\n/g, '\n').replace(SEQUENCES, '').replace(CONTROLS, '');

const COLOURS = { red: '\x1b[31m', green: '\x1b[32m', yellow: '\x1b[33m', dim: '\x1b[2m' } as const;
export const paint = (out: Out, c: keyof typeof COLOURS, text: string): string => (out.colour ? `${COLOURS[c]}${text}\x1b[0m` : text);

export function table(out: Out, head: string[], rows: string[][]): void {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd();
  out.line(fmt(head));
  for (const r of rows) out.line(fmt(r));
}

const LEVEL_COLOUR: Record<string, keyof typeof COLOURS | undefined> = { warn: 'yellow', error: 'red', debug: 'dim' };

export function logLine(out: Out, l: LogLine): string {
  const level = l.level.padEnd(5);
  return `${formatDateTime(l.time).slice(11)} ${LEVEL_COLOUR[l.level] ? paint(out, LEVEL_COLOUR[l.level]!, level) : level} ${safe(l.text)}`;
}

export function statusText(out: Out, t: Pick<TaskRecord, 'status' | 'warnings'>): string {
  const text = t.status === 'succeeded' && t.warnings > 0 ? `succeeded with ${t.warnings} warning${t.warnings === 1 ? '' : 's'}` : t.status;
  const c = t.status === 'succeeded' ? (t.warnings > 0 ? 'yellow' : 'green') : t.status === 'running' || t.status === 'queued' ? undefined : 'red';
  return c ? paint(out, c, text) : text;
}

/** One line about a finished task: what, outcome, how long, what it produced or why it failed. */
export function summaryLine(out: Out, t: TaskRecord): string {
  const took = t.startedAt !== null && t.finishedAt !== null ? ` in ${formatDuration(t.finishedAt - t.startedAt)}` : '';
  const what = t.status === 'succeeded' ? (t.result?.archivePath ?? t.result?.snapshotId ?? t.result?.summary ?? '') : (t.error ?? t.skipReason ?? '');
  return `${t.kind} #${t.id} ${statusText(out, t)}${took}${what ? `: ${safe(what)}` : ''}`;
}

export function progressText(t: TaskRecord): string {
  const p = t.progress;
  if (!p) return '';
  const parts = [p.percent !== undefined ? `${Math.round(p.percent)}%` : '', p.files !== undefined ? `${p.files} files` : '', p.bytes !== undefined ? formatBytes(p.bytes) : '', p.etaSeconds !== undefined ? `${formatDuration(p.etaSeconds * 1000)} left` : '', p.stalledSince !== undefined ? `stalled since ${formatDateTime(p.stalledSince).slice(11, 16)}` : ''];
  return parts.filter(Boolean).join(', ');
}
