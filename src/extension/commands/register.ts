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
  const store = service.reader;
  const reg = (id: string, fn: (...args: unknown[]) => unknown) => vscode.commands.registerCommand(`backupScheduler.${id}`, fn);

  return [
    reg('runNow', async (arg) => {
      const id = envIdFrom(arg) ?? (await pickEnvironment(service, 'Run Backup Now'))?.id;
      if (!id) return undefined;
      const taskId = report(await service.runNow(id));
      if (taskId !== undefined) trackTask(service, taskId, `Backing up ${service.environment(id)?.name ?? id}`, vscode.ProgressLocation.Window);
      return taskId;
    }),
    reg('cancelTask', async (arg) => {
      const id = taskIdFrom(arg) ?? (await pickTask(service.activeTasks(), 'Cancel Task'))?.id;
      if (id === undefined) {
        if (arg === undefined && service.activeTasks().length === 0) void vscode.window.showInformationMessage('Backup Scheduler: nothing is running.');
        return false;
      }
      const ok = await service.cancel(id);
      if (!ok) void vscode.window.showWarningMessage(`Backup Scheduler: task #${id} is not running.`);
      return ok;
    }),
    reg('retryTask', async (arg) => {
      const id = taskIdFrom(arg) ?? (await pickTask(store.queryTasks({ statuses: ['failed', 'cancelled', 'interrupted', 'skipped'], sort: 'queuedAt', descending: true, limit: 30 }).rows, 'Retry Task'))?.id;
      if (id === undefined) return undefined;
      return report(await service.retry(id));
    }),
    reg('enableEnvironment', (arg) => setEnabled(service, arg, true)),
    reg('disableEnvironment', (arg) => setEnabled(service, arg, false)),
    reg('editEnvironment', (arg) => editEnvironment(envIdFrom(arg))),
    reg('openDestination', async (arg) => {
      const env = service.environment(envIdFrom(arg) ?? '') ?? (await pickEnvironment(service, 'Open Destination'));
      if (!env) return;
      await reveal(env.destination, 'Destination');
    }),
    reg('revealArchive', async (arg) => {
      const t = store.getTask(taskIdFrom(arg) ?? -1);
      const p = t?.result?.archivePath;
      if (!p) return void vscode.window.showWarningMessage('Backup Scheduler: this task has no archive.');
      await reveal(p, 'Archive');
    }),
    reg('verifyBackup', async (arg) => {
      const t = store.getTask(taskIdFrom(arg) ?? -1);
      const env = t && service.environment(t.envId);
      const made = t?.result?.archivePath ?? t?.result?.snapshotId;
      if (!made || !env) return void vscode.window.showWarningMessage('Backup Scheduler: pick a finished backup that wrote an archive or a snapshot.');
      return report(await service.verify(env.id, made));
    }),
    reg('restore', (arg) => restoreBackup(service, arg)),
    reg('addEnvironment', (arg) => addEnvironment(service, arg, deps.secrets)),
    reg('setRepositoryPassword', (arg) => setRepositoryPassword(service, deps.secrets, arg)),
    reg('initRepository', (arg) => initRepository(service, deps.secrets, arg)),
    reg('exportHistory', (arg) => exportHistory(store, arg)),
    reg('clearHistory', async (arg) => {
      const opts = optionsFrom<{ confirm: boolean; envId: string }>(arg);
      if (!opts.confirm) {
        const total = store.queryTasks({ statuses: ['succeeded', 'failed', 'cancelled', 'skipped', 'interrupted'], limit: 0 }).total;
        const answer = await vscode.window.showWarningMessage(`Delete ${total} finished task${total === 1 ? '' : 's'} and their logs from the history? Archives are not touched.`, { modal: true }, 'Clear History');
        if (answer !== 'Clear History') return 0;
      }
      const n = await service.clearHistory(opts.envId ? { envIds: [opts.envId] } : undefined);
      deps.refreshViews();
      void vscode.window.showInformationMessage(`Backup Scheduler: removed ${n} task${n === 1 ? '' : 's'} from the history.`);
      return n;
    }),
    reg('showNextRuns', async () => {
      const now = deps.now();
      const items: vscode.QuickPickItem[] = [];
      for (const e of service.environments()) {
        if (!e.valid) {
          items.push({ label: `$(warning) ${e.name}`, description: 'invalid', detail: e.errors.join('; ') });
          continue;
        }
        const env = e.environment;
        items.push({ label: env.name, kind: vscode.QuickPickItemKind.Separator });
        const runs = service.nextRuns(env.id, 5);
        const why = service.blockedReason(env) ?? (env.enabled ? undefined : 'disabled');
        if (why || runs.length === 0) items.push({ label: `$(circle-slash) ${why ?? 'not scheduled'}`, description: describeSchedule(env.schedule) });
        for (const t of runs) items.push({ label: `$(clock) ${formatDateTime(t)}`, description: formatRelative(t, now), detail: undefined });
      }
      await vscode.window.showQuickPick(items, { title: 'Next Runs', placeHolder: 'Upcoming scheduled backups' });
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
  const choice = await vscode.window.showInformationMessage(`${what}: ${path}`, 'Copy Path');
  if (choice === 'Copy Path') await vscode.env.clipboard.writeText(path);
}

/** Tells the user why nothing started; returns the new task's id when something did. */
function report(outcome: CommandOutcome): number | undefined {
  if ('taskId' in outcome) return outcome.taskId;
  void vscode.window.showWarningMessage(`Backup Scheduler: ${outcome.message}.`);
  return undefined;
}

async function setEnabled(service: Backups, arg: unknown, enabled: boolean): Promise<boolean> {
  const id = envIdFrom(arg) ?? (await pickEnvironment(service, enabled ? 'Enable Environment' : 'Disable Environment', (e) => e.enabled !== enabled))?.id;
  if (!id) return false;
  await updateEnvironmentEntry(id, (e) => ({ ...e, enabled }));
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

