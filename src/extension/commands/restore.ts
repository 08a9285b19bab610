// "Restore Backup…": environment -> archive -> target folder. Restoring into the source folder,
// or into a folder that has files, asks first, and only then overwrites.
import { readdir } from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Backups } from '../core/backups';
import { envIdFrom, optionsFrom } from './args';
import { pickBackup, pickEnvironment } from './pickers';
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
  const env = service.environment(opts.envId ?? envIdFrom(arg) ?? '') ?? (await pickEnvironment(service, 'Restore Backup'));
  if (!env) return undefined;
  let backupId = opts.backupId ?? opts.archivePath;
  if (!backupId) {
    const picked = await pickBackup(service, env, `Restore ${env.name}: backup`);
    if (!picked) return undefined;
    backupId = picked.id;
  }
  let target = opts.target;
  if (!target) {
    const uri = await vscode.window.showOpenDialog({ title: `Restore ${env.name}: target folder`, canSelectFolders: true, canSelectFiles: false, openLabel: 'Restore here' });
    if (!uri?.[0]) return undefined;
    target = uri[0].fsPath;
  }
  let overwrite = opts.overwrite ?? false;
  if (opts.overwrite === undefined && (await hasEntries(target))) {
    const intoSource = env.source !== undefined && path.resolve(env.source) === path.resolve(target);
    const answer = await vscode.window.showWarningMessage(
      intoSource ? `Restore into the source folder ${target}? Files in it that the backup also has will be overwritten.` : `${target} is not empty. Overwrite files that the backup also has?`,
      { modal: true },
      'Overwrite',
      'Keep Existing Files',
    );
    if (!answer) return undefined;
    overwrite = answer === 'Overwrite';
  }
  const outcome = await service.restore(env.id, { backupId, target, overwrite, paths: opts.paths });
  if (!('taskId' in outcome)) {
    void vscode.window.showWarningMessage(`Backup Scheduler: ${outcome.message}`);
    return undefined;
  }
  trackTask(service, outcome.taskId, `Restoring ${env.name} into ${target}`, vscode.ProgressLocation.Notification);
  return outcome.taskId;
}

async function hasEntries(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length > 0;
  } catch {
    return false;
  }
}
