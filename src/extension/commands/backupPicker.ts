// The backup pickers: one backup of an environment (Browse Backup and Restore, or the one a
// caller names), and the quick pick of "Compare with Backup…": every backup of every
// environment that holds the file, newest first, opened at once and marked as the listings arrive.
import { stat, readFile } from 'node:fs/promises';
import * as vscode from 'vscode';
import { formatBytes, formatDateTime } from '../../shared/format';
import { newestFirst, type Choice, type FileMark, type Holder } from '../core/browse/compareMarks';
import { markChoices } from '../core/browse/markChoices';
import type { BrowseDeps } from './browseDeps';
import type { Backups } from '../core/backups';
import type { Environment } from '../core/environments/types';
import type { BackupRef } from '../core/engines/types';
import { message } from '../ui/backupFileSystem';

const ICON: Record<FileMark, string> = { same: '$(check)', different: '$(diff)', missing: '$(circle-slash)', unsure: '$(question)' };

function markText(mark: FileMark): string {
  switch (mark) {
    case 'same': return vscode.l10n.t('same as now');
    case 'different': return vscode.l10n.t('different');
    case 'missing': return vscode.l10n.t('not in this backup');
    case 'unsure': return vscode.l10n.t('same size, other time');
  }
}

/**
 * One backup of `env`, newest first (time; label, size, host), or the one named `backupId` when
 * given. Tells the user, and returns undefined, when the list fails, is empty or lacks that id.
 */
export async function pickBackup(service: Pick<Backups, 'listBackups'>, env: Environment, title: string, backupId?: string): Promise<BackupRef | undefined> {
  let refs: BackupRef[];
  try {
    refs = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Listing the backups of {0}', env.name) }, () => service.listBackups(env.id));
  } catch (err) {
    void vscode.window.showErrorMessage(vscode.l10n.t('Backup Scheduler: cannot list the backups of {0}: {1}', env.name, message(err)));
    return undefined;
  }
  if (backupId) {
    const ref = refs.find((r) => r.id === backupId);
    if (!ref) void vscode.window.showWarningMessage(vscode.l10n.t('Backup Scheduler: {0} has no backup {1}.', env.name, backupId));
    return ref;
  }
  if (refs.length === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Backup Scheduler: {0} has no backup yet.', env.name));
    return undefined;
  }
  const pick = await vscode.window.showQuickPick(
    refs.map((r) => ({ label: formatDateTime(r.time), description: [r.label, r.size !== undefined ? formatBytes(r.size) : '', r.host ?? ''].filter(Boolean).join(' · '), ref: r })),
    { title, placeHolder: vscode.l10n.t('Newest first') },
  );
  return pick?.ref;
}

interface Item extends vscode.QuickPickItem {
  choice: Choice;
  mark?: FileMark;
}

export async function pickBackupOf(deps: BrowseDeps, file: string, holders: Holder[], title: string): Promise<Choice | undefined> {
  const qp = vscode.window.createQuickPick<Item>();
  qp.title = title;
  qp.placeholder = vscode.l10n.t('Backups that hold this file, newest first');
  qp.matchOnDescription = true;
  qp.matchOnDetail = true;
  qp.busy = true;
  const ac = new AbortController();
  const many = holders.length > 1;
  let items: Item[] = [];
  const refresh = () => {
    const active = qp.activeItems[0];
    qp.items = [...items];
    if (active && items.includes(active)) qp.activeItems = [active];
  };
  const picked = new Promise<Choice | undefined>((resolve) => {
    qp.onDidAccept(() => {
      const item = qp.selectedItems[0] ?? qp.activeItems[0];
      if (!item) return;
      if (item.mark === 'missing') {
        qp.placeholder = vscode.l10n.t('The {0} backup does not hold this file: pick another', formatDateTime(item.choice.backup.time));
        return;
      }
      resolve(item.choice);
      qp.hide();
    });
    qp.onDidHide(() => {
      ac.abort();
      resolve(undefined);
      qp.dispose();
    });
  });
  qp.show();

  const lists = await Promise.all(
    holders.map(async (holder) => {
      try {
        return { holder, backups: await deps.backups.listBackups(holder.env.id, ac.signal) };
      } catch (err) {
        void vscode.window.showWarningMessage(vscode.l10n.t('Backup Scheduler: cannot list the backups of {0}: {1}', holder.env.name, message(err)));
        return { holder, backups: [] };
      }
    }),
  );
  if (ac.signal.aborted) return picked;
  const choices = newestFirst(lists);
  if (choices.length === 0) {
    qp.hide();
    void vscode.window.showInformationMessage(vscode.l10n.t('Backup Scheduler: {0} has no backup yet.', holders.map((h) => h.env.name).join(', ')));
    return picked;
  }
  items = choices.map((choice) => ({
    choice,
    label: formatDateTime(choice.backup.time),
    description: `$(loading~spin) ${vscode.l10n.t('checking…')}`,
    detail: [many ? choice.holder.env.name : '', choice.backup.label, choice.backup.size !== undefined ? formatBytes(choice.backup.size) : '', choice.backup.host ?? ''].filter(Boolean).join(' · '),
  }));
  refresh();
  const current = await stat(file).then((s) => ({ size: s.size, mtime: s.mtimeMs }), () => undefined);
  await markChoices(choices, {
    entry: (envId, backupId, p, signal) => deps.fs.listings.lookup(envId, backupId, p, signal),
    readBackup: (envId, backupId, p, signal) => deps.backups.readFile(envId, backupId, p, signal),
    current,
    readCurrent: () => readFile(file),
    signal: ac.signal,
    onMark: (i, mark, error) => {
      items[i].mark = mark;
      items[i].description = mark ? `${ICON[mark]} ${markText(mark)}` : `$(warning) ${error}`;
      refresh();
    },
  });
  for (const item of items) if (!item.mark && item.description?.startsWith('$(loading')) item.description = '';
  qp.busy = false;
  refresh();
  return picked;
}
