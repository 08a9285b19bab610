// Every command of the manifest, bound to the core. Handlers accept a tree item, an id or an
// options object, and ask with pickers when invoked from the palette without one.
import * as vscode from 'vscode';
import { formatDateTime, formatRelative } from '../../shared/format';

import { describeSchedule } from '../core/scheduler/cron';
import type { Backups, CommandOutcome } from '../core/backups';
import { environmentTarget, settingsId, updateEnvironmentEntry } from '../config';
import { addEnvironment } from './addEnvironment';
import { envIdFrom, optionsFrom, taskIdFrom } from './args';
import { exportHistory } from './exportHistory';
import { pickEnvironment, pickTask } from './pickers';
import { initRepository, setRepositoryPassword } from './repository';
import { unlockRepository } from './unlockRepository';
import { restoreBackup } from './restore';
import { trackTask } from '../ui/progress';

export interface CommandDeps {
  service: Backups;
  secrets: vscode.SecretStorage;
  now: () => number;
  openTaskLog: (options?: { taskId?: number; envId?: string }) => void | Promise<void>;
  refreshViews: () => void;
}

export function registerCommands(deps: CommandDeps): vscode.Disposable[] {
  const { service } = deps;
  // Read at each use: a role change (a hand-over to the background agent and back) replaces the
  // reader, and the one from activation is then closed (sql.js answers "out of memory").
  const store = () => service.reader;
  const reg = (id: string, fn: (...args: unknown[]) => unknown) => vscode.commands.registerCommand(`backupScheduler.${id}`, fn);

  return [
    reg('runNow', async (arg) => {
      const id = envIdFrom(arg) ?? (await pickEnvironment(service, vscode.l10n.t('Run Backup Now')))?.id;
      if (!id) return undefined;
      const taskId = report(await service.runNow(id));
      if (taskId !== undefined) trackTask(service, taskId, vscode.l10n.t('Backing up {0}', service.environment(id)?.name ?? id), vscode.ProgressLocation.Window);
      return taskId;
    }),
    reg('cancelTask', async (arg) => {
      const id = taskIdFrom(arg) ?? (await pickTask(service.activeTasks(), vscode.l10n.t('Cancel Task')))?.id;
      if (id === undefined) {
        if (arg === undefined && service.activeTasks().length === 0) void vscode.window.showInformationMessage(vscode.l10n.t('Backup Scheduler: nothing is running.'));
        return false;
      }
      const ok = await service.cancel(id);
      if (!ok) void vscode.window.showWarningMessage(vscode.l10n.t('Backup Scheduler: task #{0} is not running.', id));
      return ok;
    }),
    reg('retryTask', async (arg) => {
      const id = taskIdFrom(arg) ?? (await pickTask(store().queryTasks({ statuses: ['failed', 'cancelled', 'interrupted', 'skipped'], sort: 'queuedAt', descending: true, limit: 30 }).rows, vscode.l10n.t('Retry Task')))?.id;
      if (id === undefined) return undefined;
      return report(await service.retry(id));
    }),
    reg('enableEnvironment', (arg) => setEnabled(service, arg, true)),
    reg('disableEnvironment', (arg) => setEnabled(service, arg, false)),
    reg('editEnvironment', (arg) => editEnvironment(envIdFrom(arg))),
    reg('openDestination', async (arg) => {
      const env = service.environment(envIdFrom(arg) ?? '') ?? (await pickEnvironment(service, vscode.l10n.t('Open Destination')));
      if (!env) return;
      await reveal(env.destination, vscode.l10n.t('Destination'));
    }),
    reg('revealArchive', async (arg) => {
      const t = store().getTask(taskIdFrom(arg) ?? -1);
      const p = t?.result?.archivePath;
      if (!p) return void vscode.window.showWarningMessage(vscode.l10n.t('Backup Scheduler: this task has no archive.'));
      await reveal(p, vscode.l10n.t('Archive'));
    }),
    reg('verifyBackup', async (arg) => {
      const t = store().getTask(taskIdFrom(arg) ?? -1);
      const env = t && service.environment(t.envId);
      const made = t?.result?.archivePath ?? t?.result?.snapshotId;
      if (!made || !env) return void vscode.window.showWarningMessage(vscode.l10n.t('Backup Scheduler: pick a finished backup that wrote an archive or a snapshot.'));
      return report(await service.verify(env.id, made));
    }),
    reg('restore', (arg) => restoreBackup(service, arg)),
    reg('addEnvironment', (arg) => addEnvironment(service, arg, deps.secrets)),
    reg('setRepositoryPassword', (arg) => setRepositoryPassword(service, deps.secrets, arg)),
    reg('initRepository', (arg) => initRepository(service, deps.secrets, arg)),
    reg('unlockRepository', (arg) => unlockRepository(service, arg)),
    reg('exportHistory', (arg) => exportHistory(store(), arg)),
    reg('clearHistory', async (arg) => {
      const opts = optionsFrom<{ confirm: boolean; envId: string }>(arg);
      if (!opts.confirm) {
        const total = store().queryTasks({ statuses: ['succeeded', 'failed', 'cancelled', 'skipped', 'interrupted'], limit: 0 }).total;
        const clear = vscode.l10n.t('Clear History');
        const question = total === 1
          ? vscode.l10n.t('Delete 1 finished task and its log from the history? Archives are not touched.')
          : vscode.l10n.t('Delete {0} finished tasks and their logs from the history? Archives are not touched.', total);
        const answer = await vscode.window.showWarningMessage(question, { modal: true }, clear);
        if (answer !== clear) return 0;
      }
      const n = await service.clearHistory(opts.envId ? { envIds: [opts.envId] } : undefined);
      deps.refreshViews();
      void vscode.window.showInformationMessage(n === 1 ? vscode.l10n.t('Backup Scheduler: removed 1 task from the history.') : vscode.l10n.t('Backup Scheduler: removed {0} tasks from the history.', n));
      return n;
    }),
    reg('showNextRuns', async () => {
      const now = deps.now();
      const items: vscode.QuickPickItem[] = [];
      for (const e of service.environments()) {
        if (!e.valid) {
          items.push({ label: `$(warning) ${e.name}`, description: vscode.l10n.t('invalid'), detail: e.errors.join('; ') });
          continue;
        }
        const env = e.environment;
        items.push({ label: env.name, kind: vscode.QuickPickItemKind.Separator });
        const runs = service.nextRuns(env.id, 5);
        const why = service.blockedReason(env) ?? (env.enabled ? undefined : vscode.l10n.t('disabled'));
        if (why || runs.length === 0) items.push({ label: `$(circle-slash) ${why ?? vscode.l10n.t('not scheduled')}`, description: describeSchedule(env.schedule) });
        for (const t of runs) items.push({ label: `$(clock) ${formatDateTime(t)}`, description: formatRelative(t, now), detail: undefined });
      }
      await vscode.window.showQuickPick(items, { title: vscode.l10n.t('Next Runs'), placeHolder: vscode.l10n.t('Upcoming scheduled backups') });
    }),
    reg('openTaskLog', (arg) => deps.openTaskLog({ envId: envIdFrom(arg) })),
    reg('showTaskLog', (arg) => deps.openTaskLog({ taskId: taskIdFrom(arg) })),
    reg('refresh', () => deps.refreshViews()),
  ];
}

/**
 * Shows a file or folder in the system file manager. In a remote window (SSH, WSL, a browser)
 * there is none on the extension's side, so the path is offered to copy instead.
 */
async function reveal(path: string, what: string): Promise<void> {
  const shown = vscode.env.remoteName ? false : await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(path)).then(() => true, () => false);
  if (shown) return;
  const copy = vscode.l10n.t('Copy Path');
  const choice = await vscode.window.showInformationMessage(vscode.l10n.t('{0}: {1}', what, path), copy);
  if (choice === copy) await vscode.env.clipboard.writeText(path);
}

/** Tells the user why nothing started; returns the new task's id when something did. */
function report(outcome: CommandOutcome): number | undefined {
  if ('taskId' in outcome) return outcome.taskId;
  void vscode.window.showWarningMessage(vscode.l10n.t('Backup Scheduler: {0}.', outcome.message));
  return undefined;
}

async function setEnabled(service: Backups, arg: unknown, enabled: boolean): Promise<boolean> {
  const id = envIdFrom(arg) ?? (await pickEnvironment(service, enabled ? vscode.l10n.t('Enable Environment') : vscode.l10n.t('Disable Environment'), (e) => e.enabled !== enabled))?.id;
  if (!id) return false;
  await updateEnvironmentEntry(id, (e) => ({ ...e, enabled }), service.environment(id)?.folder);
  return true;
}

/** Opens the settings file that defines the environment with the cursor on its entry. */
async function editEnvironment(resolvedId: string | undefined): Promise<void> {
  const id = resolvedId === undefined ? undefined : settingsId(resolvedId);
  const { target } = environmentTarget(id ?? '');
  const command = target === vscode.ConfigurationTarget.Global ? 'workbench.action.openSettingsJson' : target === vscode.ConfigurationTarget.Workspace ? 'workbench.action.openWorkspaceSettingsFile' : 'workbench.action.openFolderSettingsFile';
  await vscode.commands.executeCommand(command);
  const editor = vscode.window.activeTextEditor;
  if (!editor || !id) return;
  const text = editor.document.getText();
  const at = text.search(new RegExp(`"id"\\s*:\\s*"${id.replace(/[-]/g, '\\-')}"`));
  if (at < 0) return;
  const pos = editor.document.positionAt(at);
  editor.selection = new vscode.Selection(pos, pos);
  editor.revealRange(new vscode.Range(pos, pos), vscode.TextEditorRevealType.InCenter);
}

