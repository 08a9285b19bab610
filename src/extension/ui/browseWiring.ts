// Connects browsing to VS Code: the backup: file system, the Browse Backup view, the context key
// of a backup diff, and their commands.
import * as vscode from 'vscode';
import type { Backups } from '../core/backups';
import { registerBrowseCommands } from '../commands/registerBrowse';
import { BackupFileSystem } from './backupFileSystem';
import { trackBackupDiff } from './backupDiffContext';
import { BROWSE_VIEW, BrowseTree } from './browseTree';
import { trackTask } from './progress';

export interface Browsing extends vscode.Disposable {
  fs: BackupFileSystem;
  tree: BrowseTree;
  /** Where Restore This Version keeps the content it replaces when no editor can undo it (restoreThisVersion.ts). */
  keptDir: string;
}

export function createBrowsing(backups: Backups, keptDir: string): Browsing {
  const fs = new BackupFileSystem(backups);
  const tree = new BrowseTree(backups, fs);
  const treeView = vscode.window.createTreeView(BROWSE_VIEW, { treeDataProvider: tree, showCollapseAll: true });
  const disposables = [
    fs.register(),
    tree,
    treeView,
    trackBackupDiff(),
    ...registerBrowseCommands({ backups, fs, tree, treeView, keptDir, track: (id, title) => trackTask(backups, id, title, vscode.ProgressLocation.Notification) }),
  ];
  return { fs, tree, keptDir, dispose: () => vscode.Disposable.from(...disposables.reverse()).dispose() };
}
