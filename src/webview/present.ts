// How a task reads in the table and the detail pane: status glyph, theme colour and words, and
// the one-line result. Plain functions (no DOM) so they are tested with the state logic. Colour
// never carries meaning alone: every glyph comes with its status in words.
import type { TaskRecord, TaskStatus } from '../shared/model';
import { formatBytes, formatDateTime } from '../shared/format';

/** `tone` is a CSS class (statusStyles.ts maps it to a theme colour): a class, not an inline
 * style, because the CSP has no 'unsafe-inline' for styles. */
interface StatusLook { glyph: string; tone: 'ok' | 'warn' | 'error' | 'busy' | 'idle' }

const LOOK: Record<TaskStatus, StatusLook> = {
  queued: { glyph: '◷', tone: 'idle' },
  running: { glyph: '◐', tone: 'busy' },
  succeeded: { glyph: '✔', tone: 'ok' },
  failed: { glyph: '✖', tone: 'error' },
  cancelled: { glyph: '⊘', tone: 'idle' },
  skipped: { glyph: '↷', tone: 'idle' },
  interrupted: { glyph: '⚠', tone: 'warn' },
};

export function statusLook(t: Pick<TaskRecord, 'status' | 'warnings'>): StatusLook & { label: string } {
  if (t.status === 'succeeded' && t.warnings > 0) {
    return { glyph: '⚠', tone: 'warn', label: `succeeded with ${t.warnings} warning${t.warnings === 1 ? '' : 's'}` };
  }
  return { ...LOOK[t.status], label: t.status };
}

function baseName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

/** The history table's "Result" cell. */
export function resultText(t: TaskRecord): string {
  switch (t.status) {
    case 'failed': return t.error ?? 'failed';
    case 'skipped': return t.skipReason ?? 'skipped';
    case 'interrupted': return t.error ?? 'interrupted (the window closed while it ran)';
    case 'cancelled': return 'cancelled';
    case 'queued': return 'waiting';
    case 'running': {
      const p = t.progress;
      if (!p) return 'running';
      const parts = [p.percent !== undefined ? `${Math.round(p.percent)}%` : '', p.files !== undefined ? `${p.files} files` : '', p.bytes !== undefined ? formatBytes(p.bytes) : '', p.current ?? ''];
      return parts.filter(Boolean).join(' · ') || 'running';
    }
    case 'succeeded': {
      const r = t.result;
      if (!r) return 'done';
      if (r.summary) return r.summary;
      if (r.unchangedSince !== undefined) return `unchanged since ${formatDateTime(r.unchangedSince)}`;
      const parts = [r.archivePath ? baseName(r.archivePath) : '', r.fileCount !== undefined ? `${r.fileCount} files` : ''];
      return parts.filter(Boolean).join(', ') || 'done';
    }
  }
}
