// One status bar item: what runs now, else how long since the last good backup, else a warning
// when an environment failed last or has missed two scheduled runs without a good backup.
import * as vscode from 'vscode';
import { formatRelative } from '../../shared/format';
import type { TaskRecord } from '../../shared/model';
import { overdueSince } from '../core/health/overdue';
import type { Backups } from '../core/backups';
import { toVs } from './environmentsTree';

export class BackupStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('backupScheduler.status', vscode.StatusBarAlignment.Left, 10);
  private readonly subs: vscode.Disposable[] = [];
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(private readonly service: Backups, private readonly now: () => number) {
    this.item.name = 'Backup Scheduler';
    this.item.command = 'backupScheduler.openTaskLog';
    this.subs.push(toVs(service.onDidChangeTask((t) => (t.status !== 'running' || t.progress === null ? this.update() : undefined))));
    this.subs.push(toVs(service.onDidChangeEnvironments(() => this.update())));
    this.timer = setInterval(() => this.update(), 60_000);
    this.update();
  }

  /** The text shown now; exposed so tests read what the user sees. */
  get text(): string {
    return this.item.text;
  }

  update(): void {
    const envs = this.service.environments().flatMap((e) => (e.valid && e.environment.enabled ? [e.environment] : []));
    if (envs.length === 0) {
      this.item.hide();
      return;
    }
    const now = this.now();
    const running = this.service.activeTasks().filter((t) => t.status === 'running');
    this.item.backgroundColor = undefined;
    if (running.length) {
      this.item.text = `$(sync~spin) ${running.length === 1 ? `Backing up ${running[0].envId}` : `${running.length} backups running`}`;
      this.item.tooltip = running.map((t) => `#${t.id} ${t.kind} of ${t.envId}`).join('\n');
      this.item.show();
      return;
    }
    const problems: string[] = [];
    let lastGood: TaskRecord | undefined;
    for (const env of envs) {
      const good = this.service.reader.lastSucceeded(env.id, 'backup');
      if (good && (!lastGood || (good.finishedAt ?? 0) > (lastGood.finishedAt ?? 0))) lastGood = good;
      const last = this.service.reader.queryTasks({ envIds: [env.id], kinds: ['backup'], statuses: ['succeeded', 'failed', 'interrupted'], sort: 'queuedAt', descending: true, limit: 1 }).rows[0];
      if (last && last.status !== 'succeeded') problems.push(`${env.name}: last backup ${last.status}`);
      else if (isOverdue(env.schedule, env.timezone, good?.finishedAt ?? undefined, now, this.service.lastHandled(env.id))) problems.push(`${env.name}: overdue`);
    }
    if (problems.length) {
      this.item.text = `$(warning) Backup ${problems.length === 1 ? problems[0].split(':')[1].trim() : `problems (${problems.length})`}`;
      this.item.tooltip = problems.join('\n') + '\n\nClick to open the Task Log.';
      this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
    } else if (lastGood) {
      this.item.text = `$(history) Backup ${formatRelative(lastGood.finishedAt ?? lastGood.queuedAt, now)}`;
      this.item.tooltip = `Last good backup: ${lastGood.envId}, ${new Date(lastGood.finishedAt ?? 0).toLocaleString()}`;
    } else {
      this.item.text = '$(history) No backup yet';
      this.item.tooltip = 'No environment has a good backup yet.';
    }
    this.item.show();
  }

  dispose(): void {
    clearInterval(this.timer);
    this.subs.forEach((s) => s.dispose());
    this.item.dispose();
  }
}

/** Overdue as the alert counts it (core/health/overdue.ts), from the last good backup or, with none, from `trackedSince`. */
export function isOverdue(schedule: string, timezone: string | undefined, lastGood: number | undefined, now: number, trackedSince: number | undefined): boolean {
  const since = lastGood ?? trackedSince;
  return since !== undefined && overdueSince(schedule, timezone, since, now) !== undefined;
}
