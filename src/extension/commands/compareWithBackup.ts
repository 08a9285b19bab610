// "Compare with Backup…": a file now against one of its backed-up versions in VS Code's diff
// editor (backup on the left, read-only; the file on the right, editable as ever).
import * as path from 'node:path';
import * as vscode from 'vscode';
import { BACKUP_SCHEME, type BackupLocation } from '../core/browse/backupUri';
import { environmentsHolding } from '../core/browse/compareMarks';
import type { BackupRef } from '../core/engines/types';
import { backupUri, locationOf } from '../ui/backupFileSystem';
import { optionsFrom } from './args';
import { pickBackupOf } from './backupPicker';
import { currentFileOf, exists, findRef, isBrowseNode, toUri, whenText, type BrowseDeps } from './browseDeps';

interface CompareOptions {
  /** The file (path or URI) to compare; default: the active editor's. */
  uri: string | vscode.Uri;
  /** Skip the picker: compare with this backup (of `envId`, or of the first environment holding the file). */
  backupId: string;
  envId: string;
}

/** Opens the diff; returns the backup: URI shown on its left, or undefined when nothing opened. */
export async function compareWithBackup(deps: BrowseDeps, arg: unknown): Promise<string | undefined> {
  if (isBrowseNode(arg)) {
    if (arg.kind !== 'entry' || arg.entry.type !== 'file') return undefined;
    return compareVersion(deps, { envId: arg.envId, backupId: arg.ref.id, path: arg.entry.path }, arg.ref);
  }
  const opts = optionsFrom<CompareOptions>(arg);
  let file = toUri(arg instanceof vscode.Uri ? arg : opts.uri) ?? activeFile();
  if (file?.scheme === BACKUP_SCHEME) {
    const loc = locationOf(file);
    return compareVersion(deps, loc, await findRef(deps.backups, loc.envId, loc.backupId));
  }
  if (!file || file.scheme !== 'file') {
    const chosen = await vscode.window.showOpenDialog({ title: vscode.l10n.t('Compare with Backup: file'), canSelectFiles: true, canSelectFolders: false, canSelectMany: false, openLabel: vscode.l10n.t('Compare') });
    file = chosen?.[0];
    if (!file) return undefined;
  }
  const envs = deps.backups.environments().flatMap((e) => (e.valid ? [e.environment] : []));
  const holders = environmentsHolding(file.fsPath, envs).filter((h) => !opts.envId || h.env.id === opts.envId);
  if (holders.length === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Backup Scheduler: no environment backs up {0}. A folder environment whose source holds it would.', vscode.workspace.asRelativePath(file)));
    return undefined;
  }
  if (opts.backupId) {
    const h = holders[0];
    return compareVersion(deps, { envId: h.env.id, backupId: opts.backupId, path: h.rel }, await findRef(deps.backups, h.env.id, opts.backupId));
  }
  const choice = await pickBackupOf(deps, file.fsPath, holders, `Compare ${path.basename(file.fsPath)} with Backup`);
  if (!choice) return undefined;
  return compareVersion(deps, { envId: choice.holder.env.id, backupId: choice.backup.id, path: choice.holder.rel }, choice.backup);
}

async function compareVersion(deps: BrowseDeps, loc: BackupLocation, ref: BackupRef): Promise<string> {
  const left = backupUri(loc);
  const env = deps.backups.environment(loc.envId);
  const current = currentFileOf(env, loc);
  if (!current || !(await exists(current))) {
    await vscode.commands.executeCommand('vscode.open', left);
    void vscode.window.showInformationMessage(current
      ? vscode.l10n.t('Backup Scheduler: {0} is not on disk now ({1}). "Restore This Version" in the title bar puts it back.', loc.path, current.fsPath)
      : vscode.l10n.t('Backup Scheduler: {0} is not on disk now. "Restore This Version" in the title bar puts it back.', loc.path));
    return left.toString();
  }
  const name = path.basename(current.fsPath);
  await vscode.commands.executeCommand('vscode.diff', left, current, vscode.l10n.t('{0} ({1}, backup {2}) ↔ {0}', name, env?.name ?? loc.envId, whenText(ref)));
  return left.toString();
}

function activeFile(): vscode.Uri | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  if (input instanceof vscode.TabInputText) return input.uri;
  if (input instanceof vscode.TabInputTextDiff) return input.modified;
  return vscode.window.activeTextEditor?.document.uri;
}
