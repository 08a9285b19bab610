// Composition root of a window: builds the services in order (log channel, the core of
// core/compose.ts that the background agent runs too, views, commands, status bar) and disposes
// them in reverse. Everything with logic lives in core/; this file only connects it to VS Code.
import * as vscode from 'vscode';
import { workspaceFolderPath, readEnvironments, readSettings, SECTION, type Settings } from './config';
import { registerCommands } from './commands/register';
import { fsGuard } from './core/fsguard';
import { systemClock } from './core/ports';
import { startCore } from './core/compose';
import type { Coordinator } from './core/leader/coordinator';
import { channelLogger } from './logger';
import { EnvironmentsTree } from './ui/environmentsTree';
import { watchNotifications } from './ui/notifications';
import { BackupStatusBar } from './ui/statusBar';
import { TasksTree } from './ui/tasksTree';
import { createTaskLog } from './ui/taskLogWiring';
import { createBrowsing, type Browsing } from './ui/browseWiring';
import { registerBackupTasks } from './ui/backupTasks';
import { watchOverdue } from './ui/overdueAlerts';
import { putCommandLineOnPath, type TerminalCommand } from './ui/terminalCommand';
import { registerAgentCommands, upgradeAgent } from './commands/agent';
import { AgentLink } from './ui/agentLink';

/** What activate() returns: the integration tests drive and observe the extension through it. */
export interface BackupSchedulerApi {
  backups: Coordinator;
  statusBar: BackupStatusBar;
  views: { environments: EnvironmentsTree; tasks: TasksTree };
  /** The backup: file system and the Browse Backup view. */
  browse: Browsing;
  /** What this window publishes for the background agent, and what it shows about it. */
  agent: AgentLink;
  settings(): Settings;
  /** The `backup-scheduler` launcher this window put on its terminals' PATH. */
  commandLine: TerminalCommand;
}

let teardown: (() => Promise<void>) | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<BackupSchedulerApi> {
  const channel = vscode.window.createOutputChannel('Backup Scheduler', { log: true });
  context.subscriptions.push(channel);
  const logger = channelLogger(channel);
  let settings = readSettings();

  // Every window runs this; the coordinator decides which one (or the background agent) schedules
  // and writes tasks.db. Engines read their secrets from SecretStorage (shared by every window)
  // and the restic path from the settings at the moment they need it.
  const core = await startCore({
    storageDir: context.globalStorageUri.fsPath,
    clock: systemClock,
    logger,
    trusted: vscode.workspace.isTrusted,
    defaultCwd: workspaceFolderPath(),
    workspaceFolders: workspaceFolderPaths(),
    bounds: settings.bounds,
    // This thread is every extension's: the history's saves and text searches run in a worker.
    storeWorker: true,
    stallMs: () => settings.stallMs,
    onStoreWarning: (w) => {
      logger.warn(w);
      void vscode.window.showWarningMessage(vscode.l10n.t('Backup Scheduler: {0}', w));
    },
    secrets: { get: async (name) => context.secrets.get(name) },
    resticPath: () => vscode.workspace.getConfiguration(SECTION).get<string>('restic.path') || undefined,
    fsCallTimeoutMs: settings.fsCallTimeoutMs,
    entries: readEnvironments(),
  });
  const backups = core.backups;
  const commandLine = putCommandLineOnPath(context, logger);
  logger.info(`started as ${backups.role}: ${backups.environments().length} environment(s), ${backups.scheduledIds().length} scheduled; history in ${context.globalStorageUri.fsPath}`);

  const now = () => systemClock.now();
  const envName = (id: string) => backups.environment(id)?.name ?? id;
  const agent = new AgentLink({ storageDir: context.globalStorageUri.fsPath, backups, secrets: context.secrets, logger, settings: () => settings, readEnvironments });
  const envTree = new EnvironmentsTree(backups, now, agent);
  const tasksTree = new TasksTree(backups, envName);
  const tasksView = vscode.window.createTreeView('backupScheduler.tasks', { treeDataProvider: tasksTree });
  tasksTree.attach(tasksView);
  const statusBar = new BackupStatusBar(backups, now, () => agent.describe());
  const envView = vscode.window.createTreeView('backupScheduler.environments', { treeDataProvider: envTree, showCollapseAll: false });
  // The view's title line says who runs the schedules (this window, another, the background agent).
  const showRunBy = () => {
    const l = agent.leadership();
    envView.description = l.who === 'self' ? vscode.l10n.t('run by this window') : l.who === 'agent' ? vscode.l10n.t('run by the background agent') : l.who === 'window' ? vscode.l10n.t('run by another window') : '';
    envView.message = l.who === 'agent' || l.handingOver ? agent.describe() : undefined;
    statusBar.update();
  };
  showRunBy();
  const taskLog = createTaskLog(context, backups, logger, () => settings.pollIntervalMs);
  const browse = createBrowsing(backups, vscode.Uri.joinPath(context.globalStorageUri, 'replaced-by-restore').fsPath);
  const refreshViews = () => {
    envTree.refresh();
    tasksTree.refresh();
    statusBar.update();
  };

  context.subscriptions.push(
    envTree,
    agent,
    envView,
    agent.onDidChange(showRunBy),
    vscode.commands.registerCommand('backupScheduler.agent.stopInBackground', async (item?: { envId?: string }) => {
      if (!item?.envId) return;
      await agent.stopInBackground(item.envId);
      void vscode.window.showInformationMessage(vscode.l10n.t('The background agent stops running {0}. Opening its workspace in a window publishes it again.', item.envId));
    }),
    tasksTree,
    tasksView,
    statusBar,
    taskLog,
    browse,
    watchNotifications(backups, () => settings, envName),
    registerBackupTasks(backups),
    watchOverdue(context, backups, systemClock),
    ...registerCommands({ service: backups, secrets: context.secrets, now, openTaskLog: (o) => taskLog.open(o), refreshViews }),
    ...registerAgentCommands(context, logger, channel),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration(SECTION)) return;
      settings = readSettings();
      backups.setBounds(settings.bounds);
      fsGuard.configure({ callTimeoutMs: settings.fsCallTimeoutMs });
      if (e.affectsConfiguration(`${SECTION}.environments`)) backups.setEnvironments(readEnvironments());
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => backups.setTrusted(true)),
    vscode.workspace.onDidChangeWorkspaceFolders(() => backups.setWorkspaceFolders(workspaceFolderPaths())),
    backups.onDidChangeRole((role) => {
      void vscode.commands.executeCommand('setContext', 'backupScheduler.role', role);
      refreshViews();
    }),
    backups.onDidChangeTask((t) => {
      if (t.finishedAt !== null) logger.info(`task #${t.id} ${t.kind} of ${t.envId}: ${t.status}${t.error ? ` (${t.error})` : ''}`);
    }),
  );

  void vscode.commands.executeCommand('setContext', 'backupScheduler.role', backups.role);
  // An installed background agent of an older version gets this version's program.
  void upgradeAgent(context, logger);
  teardown = () => core.dispose();
  return { backups, statusBar, views: { environments: envTree, tasks: tasksTree }, browse, agent, settings: () => settings, commandLine };
}

/** Every folder of the window's workspace: while it is untrusted, no command runs inside them. */
function workspaceFolderPaths(): string[] {
  return (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
}

export async function deactivate(): Promise<void> {
  // Cancel what runs (no partial archive stays behind) and write the history to disk.
  await teardown?.();
  teardown = undefined;
}
