// "Export History…": every task in the history (not just one page) as CSV or JSON.
import { writeFile } from 'node:fs/promises';
import * as vscode from 'vscode';
import type { TaskRecord } from '../../shared/model';
import type { TaskReader } from '../core/backups';
import { optionsFrom } from './args';

const COLUMNS = ['id', 'envId', 'kind', 'trigger', 'status', 'queuedAt', 'startedAt', 'finishedAt', 'durationMs', 'warnings', 'archivePath', 'size', 'fileCount', 'sha256', 'error', 'skipReason'] as const;

export async function exportHistory(store: TaskReader, arg: unknown): Promise<string | undefined> {
  const opts = optionsFrom<{ format: 'csv' | 'json'; path: string }>(arg);
  const format = opts.format ?? (await vscode.window.showQuickPick(['csv', 'json'], { title: vscode.l10n.t('Export History: format') }));
  if (format !== 'csv' && format !== 'json') return undefined;
  const target = opts.path ?? (await vscode.window.showSaveDialog({ title: vscode.l10n.t('Export History'), filters: { [format.toUpperCase()]: [format] }, defaultUri: vscode.Uri.file(`backup-history.${format}`) }))?.fsPath;
  if (!target) return undefined;
  const tasks: TaskRecord[] = [];
  for (let offset = 0; ; offset += 1000) {
    const page = store.queryTasks({ sort: 'id', descending: false, offset, limit: 1000 });
    tasks.push(...page.rows);
    if (page.rows.length < 1000) break;
  }
  await writeFile(target, format === 'json' ? JSON.stringify(tasks.map(flat), null, 2) : toCsv(tasks));
  void vscode.window.showInformationMessage(vscode.l10n.t('Backup Scheduler: exported {0} tasks to {1}.', tasks.length, target));
  return target;
}

function flat(t: TaskRecord): Record<(typeof COLUMNS)[number], string | number | null> {
  const iso = (n: number | null) => (n === null ? null : new Date(n).toISOString());
  return {
    id: t.id, envId: t.envId, kind: t.kind, trigger: t.trigger, status: t.status,
    queuedAt: iso(t.queuedAt), startedAt: iso(t.startedAt), finishedAt: iso(t.finishedAt),
    durationMs: t.startedAt !== null && t.finishedAt !== null ? t.finishedAt - t.startedAt : null,
    warnings: t.warnings, archivePath: t.result?.archivePath ?? null, size: t.result?.size ?? null,
    fileCount: t.result?.fileCount ?? null, sha256: t.result?.sha256 ?? null, error: t.error, skipReason: t.skipReason,
  };
}

export function toCsv(tasks: TaskRecord[]): string {
  const cell = (v: unknown) => {
    const s = v === null || v === undefined ? '' : String(v);
    // Quote what needs it; a leading = + - @ is neutralised so a spreadsheet never runs it as a formula.
    const safe = /^[=+\-@]/.test(s) ? `'${s}` : s;
    return /[",\r\n]/.test(safe) || safe !== s ? `"${safe.replace(/"/g, '""')}"` : safe;
  };
  const rows = tasks.map((t) => {
    const f = flat(t);
    return COLUMNS.map((c) => cell(f[c])).join(',');
  });
  return [COLUMNS.join(','), ...rows].join('\r\n') + '\r\n';
}
