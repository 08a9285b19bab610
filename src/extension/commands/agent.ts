// "Keep Backups Running When VS Code Is Closed" and its reverse, plus the upgrade every window
// runs at start. The work is the core's AgentInstaller; this file asks VS Code for the paths and
// the setting and tells the user what was written or removed (message and output channel).
import { dirname, join } from 'node:path';
import * as vscode from 'vscode';
import { AgentInstaller, NodeNotFoundError, systemContext, type InstallReport } from '../core/agentService';
import type { Logger } from '../core/ports';
import { SECTION } from '../config';
import { linkCommandLine } from '../ui/terminalCommand';

export function agentInstaller(context: vscode.ExtensionContext): AgentInstaller {
  return new AgentInstaller({
    storageDir: context.globalStorageUri.fsPath,
    version: String((context.extension.packageJSON as { version?: string }).version ?? '0.0.0'),
    // extension.js and the agent's files are built side by side into dist/.
    bundleDir: join(context.extensionPath, 'dist'),
    nodePath: vscode.workspace.getConfiguration(SECTION).get<string>('agent.nodePath') || undefined,
    execPath: process.execPath,
    extensionsDir: dirname(context.extensionPath),
    ctx: systemContext(),
  });
}

function managerName(r: InstallReport): string {
  switch (r.kind) {
    case 'systemd':
      return vscode.l10n.t('a systemd user service');
    case 'launchd':
      return vscode.l10n.t('a LaunchAgent');
    case 'schtasks':
      return vscode.l10n.t('a Task Scheduler task run at logon');
    default:
      return vscode.l10n.t('a background process');
  }
}

export function registerAgentCommands(context: vscode.ExtensionContext, logger: Logger, channel: vscode.OutputChannel): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('backupScheduler.agent.install', async (): Promise<InstallReport | undefined> => {
      try {
        const r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Installing the background agent…') }, () => agentInstaller(context).install());
        // The command line too: `backup-scheduler` on PATH in any terminal (issue 17).
        r.files.push(...linkCommandLine(context, logger));
        logger.info(`background agent ${r.version} installed as ${r.kind} (node ${r.node.path}, ${r.node.version}${r.node.electron ? ', VS Code\'s runtime' : ''}); files written:\n  ${r.files.join('\n  ')}${r.removed.length ? `\nremoved older versions:\n  ${r.removed.join('\n  ')}` : ''}${r.notes.length ? `\n${r.notes.join('\n')}` : ''}`);
        const show = vscode.l10n.t('Show Files');
        const detached = r.kind === 'detached';
        const message = detached
          ? vscode.l10n.t('Backup Scheduler: the background agent runs, but no user service manager exists here, so it was started as a background process: it stops at logout or reboot (run this command again then). Files written: {0}', r.files.join(', '))
          : vscode.l10n.t('Backup Scheduler: backups keep running when VS Code is closed: the background agent runs as {0}. Files written: {1}', managerName(r), r.files.join(', '));
        const notes = r.notes.filter((n) => !n.startsWith('(') && !n.startsWith('No user service manager'));
        // Not awaited: the command's caller gets the report now, not when the message is closed.
        void (detached ? vscode.window.showWarningMessage : vscode.window.showInformationMessage)(notes.length ? `${message} ${notes.join(' ')}` : message, show).then((choice) => {
          if (choice === show) channel.show(true);
        });
        return r;
      } catch (e) {
        const why = e instanceof NodeNotFoundError ? e.message : (e as Error).message;
        logger.error(`background agent not installed: ${why}`);
        void vscode.window.showErrorMessage(vscode.l10n.t('Backup Scheduler: the background agent was not installed: {0}', why));
        return undefined;
      }
    }),
    vscode.commands.registerCommand('backupScheduler.agent.uninstall', async (): Promise<string[] | undefined> => {
      try {
        const removed = await agentInstaller(context).uninstall();
        logger.info(`background agent removed; files removed:\n  ${removed.join('\n  ') || '(none)'}`);
        void vscode.window.showInformationMessage(
          removed.length
            ? vscode.l10n.t('Backup Scheduler: the background agent is stopped and removed; backups run only while VS Code is open. Files removed: {0}', removed.join(', '))
            : vscode.l10n.t('Backup Scheduler: the background agent was not installed.'),
        );
        return removed;
      } catch (e) {
        logger.error(`background agent not removed: ${(e as Error).message}`);
        void vscode.window.showErrorMessage(vscode.l10n.t('Backup Scheduler: the background agent was not removed: {0}', (e as Error).message));
        return undefined;
      }
    }),
  ];
}

/**
 * A window of a newer version replaces an installed agent's program and restarts it: the
 * extension's old folder, which the agent's files came from, is gone after an update anyway.
 */
export async function upgradeAgent(context: vscode.ExtensionContext, logger: Logger): Promise<void> {
  try {
    const r = await agentInstaller(context).upgradeIfOlder();
    if (r) logger.info(`background agent upgraded to ${r.version} and restarted (${r.kind}); files written: ${r.files.join(', ')}${r.removed.length ? `; removed: ${r.removed.join(', ')}` : ''}`);
  } catch (e) {
    logger.error(`background agent not upgraded: ${(e as Error).message}`);
    void vscode.window.showWarningMessage(vscode.l10n.t('Backup Scheduler: the background agent could not be updated to this version: {0}', (e as Error).message));
  }
}
