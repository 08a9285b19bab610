// Desktop-style notifications when a task ends: failures (on by default, with "Show Log" and
// "Retry"), successes (off by default). Fired for every failure, also one that failed early.
import * as vscode from 'vscode';
import type { TaskRecord } from '../../shared/model';
import type { Backups } from '../core/backups';
import { toVs } from './environmentsTree';
import { statusText } from './tasksTree';

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
    const choice = await vscode.window.showErrorMessage(`Backup Scheduler: ${t.kind} of ${name} ${t.status}: ${t.error ?? 'see the log'}`, 'Show Log', 'Retry');
    if (choice === 'Show Log') await vscode.commands.executeCommand('backupScheduler.showTaskLog', t.id);
    if (choice === 'Retry') await vscode.commands.executeCommand('backupScheduler.retryTask', t.id);
  } else if (t.status === 'succeeded' && s.notifyOnSuccess && t.kind === 'backup') {
    const choice = await vscode.window.showInformationMessage(`Backup Scheduler: ${t.kind} of ${name} ${statusText(t)}.`, 'Show Log');
    if (choice === 'Show Log') await vscode.commands.executeCommand('backupScheduler.showTaskLog', t.id);
  }
}
