// The overdue alert as the user sees it: one warning per overdue spell (core/health/overdue.ts
// decides when), with "Run Now" to start a backup at once and "Open Task Log" to see why.
import * as vscode from 'vscode';
import { formatRelative } from '../../shared/format';
import type { Backups } from '../core/backups';
import { OverdueWatch } from '../core/health/overdue';
import type { Clock } from '../core/ports';

export function watchOverdue(context: vscode.ExtensionContext, backups: Backups, clock: Clock): vscode.Disposable {
  const watch = new OverdueWatch({
    backups,
    clock,
    // globalState: shared by the windows, so a reload or a new leader window does not alert again.
    state: { get: (k) => context.globalState.get<string>(`backupScheduler.${k}`), set: (k, v) => void context.globalState.update(`backupScheduler.${k}`, v) },
    alert: (env, since) => void alert(env.id, env.name, since, clock.now()),
  });
  // The first check waits for start-up to settle (the leader's catch-up runs start first).
  const first = setTimeout(() => watch.check(), 10_000);
  return new vscode.Disposable(() => {
    clearTimeout(first);
    watch.dispose();
  });
}

async function alert(envId: string, name: string, since: number, now: number): Promise<void> {
  const [runNow, openLog] = [vscode.l10n.t('Run Now'), vscode.l10n.t('Open Task Log')];
  const choice = await vscode.window.showWarningMessage(
    vscode.l10n.t('Backup Scheduler: {0} has had no good backup for two of its scheduled intervals (last {1}).', name, formatRelative(since, now)),
    runNow,
    openLog,
  );
  if (choice === runNow) await vscode.commands.executeCommand('backupScheduler.runNow', envId);
  if (choice === openLog) await vscode.commands.executeCommand('backupScheduler.openTaskLog', { envId });
}
