// Connects the Task Log webview's controller to the core: its data source is the store (with the
// TaskManager's live progress laid over running tasks) and its actions are our commands.
import * as vscode from 'vscode';
import type { TaskPage, TaskQuery } from '../../shared/model';
import type { TaskAction } from '../../shared/protocol';
import type { Logger } from '../core/ports';
import type { Backups } from '../core/backups';
import { OverviewCache } from '../core/health/overview';
import { TaskLogController, type TaskLogDataSource } from './taskLogController';
import { openLogDocument, registerTaskLogSerializer, TaskLogPanel } from './taskLogPanel';

export interface TaskLogHandle extends vscode.Disposable {
  open(options?: { taskId?: number; envId?: string }): void | Promise<void>;
  readonly controller: TaskLogController;
}

export function taskLogDataSource(service: Backups): TaskLogDataSource {
  // Read at each use: a role change (a hand-over to the background agent and back) replaces the
  // reader, and the one from activation is then closed (sql.js answers "out of memory").
  const store = () => service.reader;
  // The overview cache follows the reader it was built on (its revision cursor is that store's).
  let cached: { reader: Backups['reader']; overviews: OverviewCache } | undefined;
  const overviews = () => {
    if (cached?.reader !== service.reader) cached = { reader: service.reader, overviews: new OverviewCache(service.reader) };
    return cached.overviews;
  };
  const live = <T extends { id: number; status: string }>(t: T): T => (t.status === 'running' ? ((service.liveRecord(t.id) as unknown as T) ?? t) : t);
  return {
    searchTasks: async (q: TaskQuery): Promise<TaskPage> => {
      const page = await store().searchTasks(q);
      return page.steps ? { ...page, rows: page.rows.map(live), steps: page.steps.map(live) } : { ...page, rows: page.rows.map(live) };
    },
    logAfter: (id, after, limit) => store().logAfter(id, after, limit),
    changesSince: (rev) => store().changesSince(rev),
    getTask: (id) => {
      const t = store().getTask(id);
      return t && live(t);
    },
    onDidChange: (listener) => {
      const subs = [service.onDidChangeTask(() => listener()), service.onDidChangeEnvironments(() => listener())];
      return { dispose: () => subs.forEach((d) => d.dispose()) };
    },
    overview: () => overviews().get(service.environments().flatMap((e) => {
      if (!e.valid) return [];
      const env = e.environment;
      return [{
        id: env.id, name: env.name, engine: env.engine, schedule: env.schedule, timezone: env.timezone, enabled: env.enabled,
        blocked: service.blockedReason(env), nextRun: env.enabled ? service.nextRuns(env.id, 1)[0] : undefined, trackedSince: service.lastHandled(env.id),
      }];
    }), Date.now()),
    environments: () => service.environments().map((e) => (e.valid ? { id: e.environment.id, name: e.environment.name } : { id: e.id ?? `#${e.index + 1}`, name: vscode.l10n.t('{0} (invalid)', e.name) })),
    runAction: async (action: TaskAction, taskId: number) => {
      const command = { cancel: 'cancelTask', retry: 'retryTask', revealArchive: 'revealArchive', openLog: 'showTaskLog' }[action];
      const result = await vscode.commands.executeCommand(`backupScheduler.${command}`, taskId);
      if (action === 'retry' && typeof result === 'number') return vscode.l10n.t('started task #{0}', result);
      if (action === 'cancel') return result ? vscode.l10n.t('cancelling task #{0}', taskId) : vscode.l10n.t('task #{0} is not running', taskId);
      return undefined;
    },
  };
}

export function createTaskLog(context: vscode.ExtensionContext, service: Backups, logger: Logger, pollMs: () => number): TaskLogHandle {
  const controller = new TaskLogController(taskLogDataSource(service), logger, {
    pollMs,
    writeClipboard: async (text) => vscode.env.clipboard.writeText(text),
    openLogDocument,
  });
  const serializer = registerTaskLogSerializer(context, controller);
  return {
    controller,
    open: (options = {}) => void TaskLogPanel.show(context, controller, options),
    dispose: () => serializer.dispose(),
  };
}
