// Text from outside (error messages, command lines, paths, names) shown inside a Markdown tooltip
// must read as itself: not as links, images, headings, emphasis, HTML or theme icons. Pure
// functions (no `vscode`), so the escaping is tested by rendering it with a CommonMark renderer.
import { formatBytes, formatDateTime, stalledClock } from '../../shared/format';
import type { TaskRecord } from '../../shared/model';

/**
 * One line of literal text. Every ASCII punctuation character is backslash-escaped (CommonMark
 * allows it on all of them, so nothing is missed: entities, setext `===`, `~~`, `$(icon)`), and
 * line breaks become spaces, so no line can start a heading, list, quote or code block.
 */
export function escapeMarkdown(s: string): string {
  return s.replace(/\s+/g, ' ').replace(/[!-/:-@[-`{-~]/g, (c) => `\\${c}`);
}

/** Literal text in a code span: fenced with more backticks than it holds in a row. */
export function codeSpan(s: string): string {
  const text = s.replace(/[\r\n]+/g, ' ');
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  // CommonMark strips one space from each side when both have one: this keeps edge backticks apart from the fence.
  const pad = /^[ `]|[ `]$/.test(text) ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/** Looks a message up in the user's language and fills {0}, {1} (vscode.l10n in the extension). */
export interface Translator { t(message: string, ...args: (string | number)[]): string }

/** English: the message with its placeholders filled. */
export const ENGLISH: Translator = { t: (message, ...args) => message.replace(/\{(\d+)\}/g, (m, i: string) => (Number(i) < args.length ? String(args[Number(i)]) : m)) };

/** The Tasks view's tooltip of one task; `kind` and `trigger` are the words for the task's values. */
export function taskTooltipMarkdown(t: TaskRecord, envName: string, status: string, l10n: Translator = ENGLISH, kind: string = t.kind, trigger: string = t.trigger): string {
  let md = `**${l10n.t('#{0} {1} of {2}', t.id, kind, escapeMarkdown(envName))}** — ${status} (${trigger})\n\n`;
  const times = [l10n.t('Queued {0}', formatDateTime(t.queuedAt))];
  if (t.startedAt) times.push(l10n.t('started {0}', formatDateTime(t.startedAt)));
  if (t.finishedAt) times.push(l10n.t('finished {0}', formatDateTime(t.finishedAt)));
  md += `${times.join(', ')}\n\n`;
  const since = stalledClock(t);
  if (since) md += `${l10n.t('Stalled since {0}: no progress and no log line. **Cancel** stops it and frees the environment, even if a call in it never returns.', since)}\n\n`;
  if (t.error) md += `${l10n.t('Error: {0}', escapeMarkdown(t.error))}\n\n`;
  if (t.skipReason) md += `${l10n.t('Skipped: {0}', escapeMarkdown(t.skipReason))}\n\n`;
  if (t.result?.archivePath) md += `${l10n.t('Archive: {0} ({1}, {2} files)', codeSpan(t.result.archivePath), formatBytes(t.result.size), t.result.fileCount ?? '?')}\n\n`;
  return md;
}
