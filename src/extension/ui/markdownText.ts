// Text from outside (error messages, command lines, paths, names) shown inside a Markdown tooltip
// must read as itself: not as links, images, headings, emphasis, HTML or theme icons. Pure
// functions (no `vscode`), so the escaping is tested by rendering it with a CommonMark renderer.
import { formatBytes, formatDateTime, stalledText } from '../../shared/format';
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

/** The Tasks view's tooltip of one task. */
export function taskTooltipMarkdown(t: TaskRecord, envName: string, status: string): string {
  let md = `**#${t.id} ${t.kind} of ${escapeMarkdown(envName)}** — ${status} (${t.trigger})\n\n`;
  md += `Queued ${formatDateTime(t.queuedAt)}${t.startedAt ? `, started ${formatDateTime(t.startedAt)}` : ''}${t.finishedAt ? `, finished ${formatDateTime(t.finishedAt)}` : ''}\n\n`;
  const stalled = stalledText(t);
  if (stalled) md += `${stalled[0].toUpperCase()}${stalled.slice(1)}: no progress and no log line. **Cancel** stops it and frees the environment, even if a call in it never returns.\n\n`;
  if (t.error) md += `Error: ${escapeMarkdown(t.error)}\n\n`;
  if (t.skipReason) md += `Skipped: ${escapeMarkdown(t.skipReason)}\n\n`;
  if (t.result?.archivePath) md += `Archive: ${codeSpan(t.result.archivePath)} (${formatBytes(t.result.size)}, ${t.result.fileCount ?? '?'} files)\n\n`;
  return md;
}
