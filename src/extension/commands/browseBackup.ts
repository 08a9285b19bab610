// "Browse Backup…" and what the browse view offers on its items: restore a file, a folder or the
// whole backup to its place or elsewhere (through the engine's restore, as a task), open a
// backup as a workspace folder, close it.
import * as path from 'node:path';
import { readdir } from 'node:fs/promises';
import * as vscode from 'vscode';
import { BACKUP_SCHEME } from '../core/browse/backupUri';
import { backupUri } from '../ui/backupFileSystem';
import type { BrowseNode } from '../ui/browseTree';
import { envIdFrom, optionsFrom } from './args';
import { exists, isBrowseNode, whenText, type BrowseDeps } from './browseDeps';
import { pickBackup } from './backupPicker';
import { pickEnvironment } from './pickers';

/** Returns the backup: URI of the browsed backup's root. */
export async function browseBackup(deps: BrowseDeps, arg: unknown): Promise<string | undefined> {
  const opts = optionsFrom<{ envId: string; backupId: string }>(arg);
  const env = deps.backups.environment(opts.envId ?? envIdFrom(arg) ?? '') ?? (await pickEnvironment(deps.backups, 'Browse Backup'));
  if (!env) return undefined;
  const ref = await pickBackup(deps.backups, env, vscode.l10n.t('Browse {0}: backup', env.name), opts.backupId);
  if (!ref) return undefined;
  const root = deps.tree.open(env.id, ref);
  // The view is shown only while something is browsed: let it appear before revealing in it.
  await vscode.commands.executeCommand('setContext', 'backupScheduler.browsing', true);
  await Promise.resolve(deps.treeView.reveal(root, { expand: true, select: true, focus: true })).catch(() => undefined);
  return backupUri({ envId: env.id, backupId: ref.id, path: '' }).toString();
}

interface RestoreFromOptions {
  target: string;
  overwrite: boolean;
}

/** Restores the item's file or folder (the whole backup for its root); returns the task id. */
export async function restoreFromBackup(deps: BrowseDeps, arg: unknown, options?: unknown): Promise<number | undefined> {
  if (!isBrowseNode(arg)) return undefined;
  const opts = optionsFrom<RestoreFromOptions>(options);
  const env = deps.backups.environment(arg.envId);
  if (!env) return void vscode.window.showWarningMessage(vscode.l10n.t('Backup Scheduler: no valid environment "{0}".', arg.envId));
  const rel = arg.kind === 'entry' ? arg.entry.path : '';
  const what = rel || vscode.l10n.t('the whole backup of {0}', whenText(arg.ref));
  let target = opts.target;
  if (!target) {
    const place = env.type === 'folder' ? env.source : undefined;
    const choices = [
      ...(place ? [{ label: `$(reply) ${vscode.l10n.t('To its place')}`, detail: rel ? path.join(place, ...rel.split('/')) : place, target: place }] : []),
      { label: `$(folder-opened) ${vscode.l10n.t('Elsewhere…')}`, detail: rel ? vscode.l10n.t('into a folder you pick, as {0} inside it', rel) : vscode.l10n.t('into a folder you pick'), target: undefined },
    ];
    const pick = await vscode.window.showQuickPick(choices, { title: vscode.l10n.t('Restore {0}', what) });
    if (!pick) return undefined;
    target = pick.target;
    if (!target) {
      const chosen = await vscode.window.showOpenDialog({ title: vscode.l10n.t('Restore {0}: into folder', what), canSelectFolders: true, canSelectFiles: false, openLabel: vscode.l10n.t('Restore here') });
      target = chosen?.[0]?.fsPath;
      if (!target) return undefined;
    }
  }
  let overwrite = opts.overwrite ?? false;
  const landing = rel ? path.join(target, ...rel.split('/')) : target;
  if (opts.overwrite === undefined && (rel ? await exists(vscode.Uri.file(landing)) : await hasEntries(landing))) {
    const [overwriteFiles, keepFiles] = [vscode.l10n.t('Overwrite'), vscode.l10n.t('Keep Existing Files')];
    const answer = await vscode.window.showWarningMessage(
      vscode.l10n.t('{0} exists. Replace what the backup also has?', landing),
      { modal: true, detail: vscode.l10n.t('"{0}" restores only what is missing and reports the rest.', keepFiles) },
      overwriteFiles,
      keepFiles,
    );
    if (!answer) return undefined;
    overwrite = answer === overwriteFiles;
  }
  const outcome = await deps.backups.restore(env.id, { backupId: arg.ref.id, target, overwrite, paths: rel ? [rel] : undefined });
  if (!('taskId' in outcome)) {
    void vscode.window.showWarningMessage(vscode.l10n.t('Backup Scheduler: {0}', outcome.message));
    return undefined;
  }
  deps.track(outcome.taskId, vscode.l10n.t('Restoring {0} into {1}', rel || env.name, target));
  return outcome.taskId;
}

/** Adds the backup as a (read-only) folder of the workspace, to search and open like any other. */
export function addBackupToWorkspace(deps: BrowseDeps, arg: unknown): boolean {
  if (!isBrowseNode(arg)) return false;
  const uri = backupUri({ envId: arg.envId, backupId: arg.ref.id, path: '' });
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.some((f) => f.uri.scheme === BACKUP_SCHEME && f.uri.toString() === uri.toString())) return true;
  const name = vscode.l10n.t('{0} (backup {1})', deps.backups.environment(arg.envId)?.name ?? arg.envId, whenText(arg.ref));
  return vscode.workspace.updateWorkspaceFolders(folders.length, 0, { uri, name });
}

export function closeBrowsedBackup(deps: BrowseDeps, arg: unknown): void {
  deps.tree.close(isBrowseNode(arg) ? (arg as BrowseNode) : undefined);
}

async function hasEntries(dir: string): Promise<boolean> {
  return readdir(dir).then((names) => names.length > 0, () => false);
}
