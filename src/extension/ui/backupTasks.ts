// Environments as VS Code tasks (task type `backup`): `Tasks: Run Task` lists "Backup: <name>",
// and tasks.json entries or keybindings (`workbench.action.tasks.runTask`) run one. A run is an
// ordinary Backups.runNow, so it goes through the same TaskManager, concurrency rule, history and
// Task Log as the Run Now command; the terminal only follows the task and shows its log.
import * as vscode from 'vscode';
import { formatDuration } from '../../shared/format';
import type { TaskRecord } from '../../shared/model';
import type { Backups } from '../core/backups';
import { followRun } from '../core/tasks/followRun';
import { GREEN, RED, coloured, terminalLogLine, terminalSafe } from '../core/tasks/terminalText';
import { kindName, statusName } from './words';

export const BACKUP_TASK_TYPE = 'backup';
const SOURCE = 'Backup';

export interface BackupTaskDefinition extends vscode.TaskDefinition {
  type: typeof BACKUP_TASK_TYPE;
  /** The environment's id (the `id` in backupScheduler.environments). */
  environment: string;
}

export function registerBackupTasks(backups: Backups): vscode.Disposable {
  return vscode.tasks.registerTaskProvider(BACKUP_TASK_TYPE, {
    provideTasks: () =>
      backups.environments().flatMap((e) => (e.valid ? [backupTask(backups, { type: BACKUP_TASK_TYPE, environment: e.environment.id }, e.environment.name)] : [])),
    // A task from tasks.json: keep its definition (and so its label and options), add how it runs.
    resolveTask: (task) => {
      const d = task.definition as Partial<BackupTaskDefinition>;
      if (typeof d.environment !== 'string') return undefined;
      return backupTask(backups, task.definition as BackupTaskDefinition, task.name, task.scope);
    },
  });
}

function backupTask(backups: Backups, definition: BackupTaskDefinition, name: string, scope?: vscode.Task['scope']): vscode.Task {
  const task = new vscode.Task(
    definition,
    scope ?? vscode.TaskScope.Workspace,
    name,
    SOURCE,
    new vscode.CustomExecution(async (resolved) => new BackupTerminal(backups, String(resolved.environment ?? definition.environment))),
  );
  task.detail = vscode.l10n.t('Back up environment "{0}" now (Backup Scheduler)', definition.environment);
  return task;
}

/** The terminal of one run: its exit code is the task's outcome (0 succeeded; see followRun). */
class BackupTerminal implements vscode.Pseudoterminal {
  private readonly written = new vscode.EventEmitter<string>();
  private readonly closed = new vscode.EventEmitter<number>();
  readonly onDidWrite = this.written.event;
  readonly onDidClose = this.closed.event;
  private readonly stop = new AbortController();

  constructor(private readonly backups: Backups, private readonly envId: string) {}

  open(): void {
    void followRun(this.backups, this.envId, {
      signal: this.stop.signal,
      started: (id, queued) => this.line(queued
        ? vscode.l10n.t('Backup Scheduler: backup of {0}, task #{1} (queued: other backups are running); it also shows in the Task Log.', this.envName(), id)
        : vscode.l10n.t('Backup Scheduler: backup of {0}, task #{1}; it also shows in the Task Log.', this.envName(), id)),
      log: (l) => this.line(terminalLogLine(l, (ms) => new Date(ms).toLocaleTimeString())),
      refused: (message) => this.line(coloured(RED, vscode.l10n.t('Backup Scheduler: {0}', message))),
      finished: (t) => this.line(summary(t)),
      followUp: (id, kind) => this.line(vscode.l10n.t('then {0}, task #{1}', kindName(kind), id)),
    }).then(
      (code) => this.closed.fire(code),
      (e: Error) => {
        this.line(vscode.l10n.t('Backup Scheduler: {0}', terminalSafe(e.message)));
        this.closed.fire(1);
      },
    );
  }

  private envName(): string {
    return terminalSafe(this.backups.environment(this.envId)?.name ?? this.envId);
  }

  /** The user closed the terminal or terminated the task: cancel the backup it started. */
  close(): void {
    this.stop.abort();
  }

  /** Writes a line; what is not ours in it went through terminalSafe (core/tasks/terminalText). */
  private line(text: string): void {
    this.written.fire(`${text.replace(/\r?\n/g, '\r\n')}\r\n`);
  }
}

function summary(t: TaskRecord): string {
  const took = t.startedAt !== null && t.finishedAt !== null ? ` ${vscode.l10n.t('in {0}', formatDuration(t.finishedAt - t.startedAt))}` : '';
  const what = t.status === 'succeeded' ? (t.result?.archivePath ? `: ${t.result.archivePath}` : t.result?.summary ? `: ${t.result.summary}` : '') : t.error ? `: ${t.error}` : '';
  return coloured(t.status === 'succeeded' ? GREEN : RED, `${kindName(t.kind)} ${statusName(t.status)}${took}${what}`);
}
