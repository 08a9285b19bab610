// "Restore Backup…": environment -> archive -> target folder. Restoring into the source folder,
// or into a folder that has files, asks first, and only then overwrites.
import { readdir } from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Backups } from '../core/backups';
import { envIdFrom, optionsFrom } from './args';
import { pickBackup } from './backupPicker';
import { pickEnvironment } from './pickers';
import { trackTask } from '../ui/progress';

interface RestoreOptions {
  envId: string;
  /** The backup: an archive's path (archive engine) or a snapshot id (restic). */
  backupId: string;
  /** Accepted from older callers: the same as backupId for the archive engine. */
  archivePath: string;
  target: string;
  overwrite: boolean;
  paths: string[];
}

export async function restoreBackup(service: Backups, arg: unknown): Promise<number | undefined> {
  const opts = optionsFrom<RestoreOptions>(arg);
  const env = service.environment(opts.envId ?? envIdFrom(arg) ?? '') ?? (await pickEnvironment(service, vscode.l10n.t('Restore Backup')));
  if (!env) return undefined;
  let backupId = opts.backupId ?? opts.archivePath;
  if (!backupId) {
    const picked = await pickBackup(service, env, vscode.l10n.t('Restore {0}: backup', env.name));
    if (!picked) return undefined;
    backupId = picked.id;
  }
  let target = opts.target;
  if (!target) {
    const uri = await vscode.window.showOpenDialog({ title: vscode.l10n.t('Restore {0}: target folder', env.name), canSelectFolders: true, canSelectFiles: false, openLabel: vscode.l10n.t('Restore here') });
    if (!uri?.[0]) return undefined;
    target = uri[0].fsPath;
  }
  let overwrite = opts.overwrite ?? false;
  if (opts.overwrite === undefined && (await hasEntries(target))) {
    const intoSource = env.source !== undefined && path.resolve(env.source) === path.resolve(target);
    const [overwriteFiles, keepFiles] = [vscode.l10n.t('Overwrite'), vscode.l10n.t('Keep Existing Files')];
    const answer = await vscode.window.showWarningMessage(
      intoSource
        ? vscode.l10n.t('Restore into the source folder {0}? Files in it that the backup also has will be overwritten.', target)
        : vscode.l10n.t('{0} is not empty. Overwrite files that the backup also has?', target),
      { modal: true },
      overwriteFiles,
      keepFiles,
    );
    if (!answer) return undefined;
    overwrite = answer === overwriteFiles;
  }
  const outcome = await service.restore(env.id, { backupId, target, overwrite, paths: opts.paths });
  if (!('taskId' in outcome)) {
    void vscode.window.showWarningMessage(vscode.l10n.t('Backup Scheduler: {0}', outcome.message));
    return undefined;
  }
  trackTask(service, outcome.taskId, vscode.l10n.t('Restoring {0} into {1}', env.name, target), vscode.ProgressLocation.Notification);
  return outcome.taskId;
}

async function hasEntries(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length > 0;
  } catch {
    return false;
  }
}
