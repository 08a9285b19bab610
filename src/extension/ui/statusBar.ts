// One status bar item: what runs now, else how long since the last good backup, else a warning
// when an environment failed last or has missed two scheduled runs without a good backup.
import * as vscode from 'vscode';
import { formatRelative } from '../../shared/format';
import type { TaskRecord } from '../../shared/model';
import { overdueSince } from '../core/health/overdue';
import type { Backups } from '../core/backups';
import { Coalesced } from '../core/util/coalesce';
import { toVs } from './environmentsTree';
import { kindName, statusName } from './words';

export class BackupStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('backupScheduler.status', vscode.StatusBarAlignment.Left, 10);
  private readonly subs: vscode.Disposable[] = [];
  private readonly timer: ReturnType<typeof setInterval>;
  /** update() reads every environment's history: a burst of task changes updates once. */
  private readonly pending = new Coalesced(() => this.update(), 200);

  /** `runBy`: who runs the schedules ("this window", "the background agent …"), added to every tooltip. */
  constructor(private readonly service: Backups, private readonly now: () => number, private readonly runBy?: () => string) {
    this.item.name = vscode.l10n.t('Backup Scheduler');
    this.item.command = 'backupScheduler.openTaskLog';
    this.subs.push(toVs(service.onDidChangeTask((t) => (t.status !== 'running' || t.progress === null ? this.pending.schedule() : undefined))));
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
      this.item.text = `$(sync~spin) ${running.length === 1 ? vscode.l10n.t('Backing up {0}', running[0].envId) : vscode.l10n.t('{0} backups running', running.length)}`;
      this.item.tooltip = running.map((t) => vscode.l10n.t('#{0} {1} of {2}', t.id, kindName(t.kind), t.envId)).join('\n');
      this.withRunBy();
      this.item.show();
      return;
    }
    const problems: { env: string; what: string }[] = [];
    let lastGood: TaskRecord | undefined;
    for (const env of envs) {
      const good = this.service.reader.lastSucceeded(env.id, 'backup');
      if (good && (!lastGood || (good.finishedAt ?? 0) > (lastGood.finishedAt ?? 0))) lastGood = good;
      const last = this.service.reader.queryTasks({ envIds: [env.id], kinds: ['backup'], statuses: ['succeeded', 'failed', 'interrupted'], sort: 'queuedAt', descending: true, limit: 1 }).rows[0];
      if (last && last.status !== 'succeeded') problems.push({ env: env.name, what: vscode.l10n.t('last backup {0}', statusName(last.status)) });
      else if (isOverdue(env.schedule, env.timezone, good?.finishedAt ?? undefined, now, this.service.lastHandled(env.id))) problems.push({ env: env.name, what: vscode.l10n.t('overdue') });
    }
    if (problems.length) {
      this.item.text = `$(warning) ${problems.length === 1 ? vscode.l10n.t('Backup {0}', problems[0].what) : vscode.l10n.t('Backup problems ({0})', problems.length)}`;
      this.item.tooltip = `${problems.map((p) => `${p.env}: ${p.what}`).join('\n')}\n\n${vscode.l10n.t('Click to open the Task Log.')}`;
      this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
    } else if (lastGood) {
      this.item.text = `$(history) ${vscode.l10n.t('Backup {0}', formatRelative(lastGood.finishedAt ?? lastGood.queuedAt, now))}`;
      this.item.tooltip = vscode.l10n.t('Last good backup: {0}, {1}', lastGood.envId, new Date(lastGood.finishedAt ?? 0).toLocaleString());
    } else {
      this.item.text = `$(history) ${vscode.l10n.t('No backup yet')}`;
      this.item.tooltip = vscode.l10n.t('No environment has a good backup yet.');
    }
    this.withRunBy();
    this.item.show();
  }

  /** The tooltip shown now; exposed so tests read what the user sees. */
  get tooltip(): string {
    return typeof this.item.tooltip === 'string' ? this.item.tooltip : (this.item.tooltip?.value ?? '');
  }

  private withRunBy(): void {
    const who = this.runBy?.();
    if (who && typeof this.item.tooltip === 'string') this.item.tooltip = `${this.item.tooltip}\n\n${who}`;
  }

  dispose(): void {
    clearInterval(this.timer);
    this.pending.dispose();
    this.subs.forEach((s) => s.dispose());
    this.item.dispose();
  }
}

/** Overdue as the alert counts it (core/health/overdue.ts), from the last good backup or, with none, from `trackedSince`. */
export function isOverdue(schedule: string, timezone: string | undefined, lastGood: number | undefined, now: number, trackedSince: number | undefined): boolean {
  const since = lastGood ?? trackedSince;
  return since !== undefined && overdueSince(schedule, timezone, since, now) !== undefined;
}
