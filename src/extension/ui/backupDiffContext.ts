// `backupScheduler.backupDiffActive`: the active editor is a diff whose left side is a backup,
// which is where "Restore This Version" belongs. A diff editor's own `resourceScheme` is that of
// its focused side (usually the file), so the title bar cannot tell from that alone.
import * as vscode from 'vscode';
import { BACKUP_SCHEME } from '../core/browse/backupUri';

export function trackBackupDiff(): vscode.Disposable {
  let last: boolean | undefined;
  const update = () => {
    const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
    const active = input instanceof vscode.TabInputTextDiff && input.original.scheme === BACKUP_SCHEME;
    if (active === last) return;
    last = active;
    void vscode.commands.executeCommand('setContext', 'backupScheduler.backupDiffActive', active);
  };
  update();
  return vscode.Disposable.from(vscode.window.tabGroups.onDidChangeTabs(update), vscode.window.tabGroups.onDidChangeTabGroups(update), vscode.window.onDidChangeActiveTextEditor(update));
}
