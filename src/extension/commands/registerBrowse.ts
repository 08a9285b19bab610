// The commands of browsing backups, comparing a file with a backup and restoring one version.
import * as vscode from 'vscode';
import { addBackupToWorkspace, browseBackup, closeBrowsedBackup, restoreFromBackup } from './browseBackup';
import type { BrowseDeps } from './browseDeps';
import { compareWithBackup } from './compareWithBackup';
import { restoreThisVersion } from './restoreThisVersion';

export function registerBrowseCommands(deps: BrowseDeps): vscode.Disposable[] {
  const reg = (id: string, fn: (...args: unknown[]) => unknown) => vscode.commands.registerCommand(`backupScheduler.${id}`, fn);
  return [
    reg('compareWithBackup', (arg) => compareWithBackup(deps, arg)),
    reg('restoreThisVersion', (arg) => restoreThisVersion(deps, arg)),
    reg('browseBackup', (arg) => browseBackup(deps, arg)),
    reg('restoreFromBackup', (arg, options) => restoreFromBackup(deps, arg, options)),
    reg('addBackupToWorkspace', (arg) => addBackupToWorkspace(deps, arg)),
    reg('closeBrowsedBackup', (arg) => closeBrowsedBackup(deps, arg)),
  ];
}
