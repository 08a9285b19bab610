// Desktop-style notifications when a task ends: failures (on by default, with "Show Log" and
// "Retry"), successes (off by default). Fired for every failure, also one that failed early.
import * as vscode from 'vscode';
import type { TaskRecord } from '../../shared/model';
import type { Backups } from '../core/backups';
import { toVs } from './environmentsTree';
import { statusText } from './tasksTree';
import { kindName } from './words';

export function watchNotifications(service: Backups, settings: () => { notifyOnFailure: boolean; notifyOnSuccess: boolean }, envName: (id: string) => string): vscode.Disposable {
  const seen = new Set<number>();
  return toVs(
    service.onDidChangeTask((t) => {
      if (t.finishedAt === null || seen.has(t.id)) return;
      // Every window learns of every task; the leader (which ran it) and the window the user is
      // looking at tell the user, the other follower windows stay quiet.
      if (service.role !== 'leader' && !vscode.window.state.focused) return;
      seen.add(t.id);
      if (seen.size > 1000) seen.delete(seen.values().next().value!);
      void notify(t, settings(), envName(t.envId));
    }),
  );
}

async function notify(t: TaskRecord, s: { notifyOnFailure: boolean; notifyOnSuccess: boolean }, name: string): Promise<void> {
  if ((t.status === 'failed' || t.status === 'interrupted') && s.notifyOnFailure) {
    const [showLog, retry] = [vscode.l10n.t('Show Log'), vscode.l10n.t('Retry')];
    const why = t.error ?? vscode.l10n.t('see the log');
    const message = t.status === 'failed'
      ? vscode.l10n.t('Backup Scheduler: {0} of {1} failed: {2}', kindName(t.kind), name, why)
      : vscode.l10n.t('Backup Scheduler: {0} of {1} interrupted: {2}', kindName(t.kind), name, why);
    const choice = await vscode.window.showErrorMessage(message, showLog, retry);
    if (choice === showLog) await vscode.commands.executeCommand('backupScheduler.showTaskLog', t.id);
    if (choice === retry) await vscode.commands.executeCommand('backupScheduler.retryTask', t.id);
  } else if (t.status === 'succeeded' && s.notifyOnSuccess && t.kind === 'backup') {
    const showLog = vscode.l10n.t('Show Log');
    const choice = await vscode.window.showInformationMessage(vscode.l10n.t('Backup Scheduler: {0} of {1} {2}.', kindName(t.kind), name, statusText(t)), showLog);
    if (choice === showLog) await vscode.commands.executeCommand('backupScheduler.showTaskLog', t.id);
  }
}
