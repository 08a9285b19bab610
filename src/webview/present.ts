// How a task reads in the table and the detail pane: status glyph, theme colour and words, and
// the one-line result. Plain functions (no DOM) so they are tested with the state logic. Colour
// never carries meaning alone: every glyph comes with its status in words.
import type { TaskRecord, TaskStatus } from '../shared/model';
import { formatBytes, formatDateTime, formatDuration, stalledClock } from '../shared/format';
import * as l10n from './l10n';

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

export function statusLook(t: Pick<TaskRecord, 'status' | 'warnings'> & Partial<Pick<TaskRecord, 'progress'>>): StatusLook & { label: string } {
  // Still running, but nothing moved for the stall time: the user should look (and may cancel).
  if (t.status === 'running' && t.progress?.stalledSince !== undefined) return { glyph: '⚠', tone: 'warn', label: l10n.t('stalled') };
  if (t.status === 'succeeded' && t.warnings > 0) {
    return { glyph: '⚠', tone: 'warn', label: t.warnings === 1 ? l10n.t('succeeded with 1 warning') : l10n.t('succeeded with {0} warnings', t.warnings) };
  }
  return { ...LOOK[t.status], label: l10n.statusName(t.status) };
}

function baseName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

/** The history table's "Result" cell. */
export function resultText(t: TaskRecord): string {
  switch (t.status) {
    case 'failed': return t.error ?? l10n.t('failed');
    case 'skipped': return t.skipReason ?? l10n.t('skipped');
    case 'interrupted': return t.error ?? l10n.t('interrupted (the window closed while it ran)');
    case 'cancelled': return l10n.t('cancelled');
    case 'queued': return l10n.t('waiting');
    case 'running': {
      const p = t.progress;
      if (!p) return l10n.t('running');
      const since = stalledClock(t);
      if (since) return [l10n.t('stalled since {0}: no progress, no log line (Cancel frees the environment)', since), p.current ?? ''].filter(Boolean).join(' · ');
      const parts = [p.percent !== undefined ? `${Math.round(p.percent)}%` : '', p.files !== undefined ? l10n.t('{0} files', p.files) : '', p.bytes !== undefined ? formatBytes(p.bytes) : '', p.etaSeconds !== undefined ? l10n.t('{0} left', formatDuration(p.etaSeconds * 1000)) : '', p.current ?? ''];
      return parts.filter(Boolean).join(' · ') || l10n.t('running');
    }
    case 'succeeded': {
      const r = t.result;
      if (!r) return l10n.t('done');
      if (r.summary) return r.summary;
      if (r.unchangedSince !== undefined) return l10n.t('unchanged since {0}', formatDateTime(r.unchangedSince));
      const parts = [r.archivePath ? baseName(r.archivePath) : '', r.fileCount !== undefined ? l10n.t('{0} files', r.fileCount) : ''];
      return parts.filter(Boolean).join(', ') || l10n.t('done');
    }
  }
}
