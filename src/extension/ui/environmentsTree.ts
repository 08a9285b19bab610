// The Environments view: one item per entry of the setting, valid or not, with its next run,
// state icon and a tooltip that answers "when does it run and when did it last work".
// A redraw runs on the extension host's thread, which also starts scheduled runs: an item reads
// only what it shows (the last backup's outcome, kept per environment from task changes, and the
// next run), and the tooltip is built when the user hovers.
import * as vscode from 'vscode';
import { formatBytes, formatDateTime, formatDuration, formatRelative } from '../../shared/format';
import type { TaskRecord } from '../../shared/model';
import type { Environment, EnvironmentEntry } from '../core/environments/types';
import { describeSchedule } from '../core/scheduler/cron';
import type { Backups } from '../core/backups';
import { subjectOf } from '../core/environments/lookup';
import { Coalesced } from '../core/util/coalesce';
import { maskSecrets } from '../core/util/maskSecrets';
import { codeSpan, escapeMarkdown } from './markdownText';
import { kindName, statusName } from './words';

/** What the Environments view asks about the background agent (ui/agentLink.ts). */
export interface AgentView {
  onDidChange(listener: () => void): { dispose(): void };
  /** Environments only the agent runs (their workspace is not open in this window). */
  agentOnly(): Environment[];
  waitingForPassword(env: Environment): boolean;
}

/** The outcomes the view's icon and tooltip count as an environment's last backup. */
const LAST_BACKUP_STATUSES: readonly TaskRecord['status'][] = ['succeeded', 'failed', 'interrupted', 'cancelled'];

export class EnvironmentItem extends vscode.TreeItem {
  constructor(readonly entry: EnvironmentEntry, readonly envId: string | undefined) {
    super(entry.valid ? entry.environment.name : entry.name, vscode.TreeItemCollapsibleState.None);
  }
}

export class EnvironmentsTree implements vscode.TreeDataProvider<EnvironmentItem>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subs: vscode.Disposable[] = [];
  private tick: ReturnType<typeof setInterval>;
  /** A burst of task changes (31 runs due at once fire about a hundred) redraws once. */
  private readonly pending = new Coalesced(() => this.changed.fire(), 200);
  /** Each environment's last finished backup (null: none), kept up to date from task changes. */
  private readonly lastBackups = new Map<string, TaskRecord | null>();

  constructor(private readonly service: Backups, private readonly now: () => number, private readonly agent?: AgentView) {
    this.subs.push(toVs(service.onDidChangeEnvironments(() => this.refresh())));
    if (agent) this.subs.push(toVs(agent.onDidChange(() => this.refresh())));
    this.subs.push(toVs(service.onDidChangeTask((t) => {
      this.noteFinished(t);
      if (t.kind === 'backup' && (t.status !== 'running' || t.progress === null)) this.pending.schedule();
    })));
    // "in 3 min" must count down even when nothing happens.
    this.tick = setInterval(() => this.refresh(), 30_000);
  }

  /** Redraws from scratch (commands such as Clear History, a new role, the 30 s tick): nothing cached is trusted. */
  refresh(): void {
    this.lastBackups.clear();
    this.changed.fire();
  }

  getTreeItem(item: EnvironmentItem): vscode.TreeItem {
    return item;
  }

  /**
   * On hover: the tooltip (schedule, next runs, last good backup) and what the storage holds
   * (backup count, size; restic: the repository). Asked only when the user hovers, since listing
   * a remote repository takes a round trip.
   */
  async resolveTreeItem(item: vscode.TreeItem, element: EnvironmentItem): Promise<vscode.TreeItem> {
    if (!element.entry.valid) return item;
    const env = element.entry.environment;
    if (!(item.tooltip instanceof vscode.MarkdownString)) {
      const blocked = this.service.blockedReason(env);
      const next = env.enabled && !blocked ? this.service.nextRuns(env.id, 3) : [];
      item.tooltip = this.tooltip(env, next, this.lastBackup(env.id), this.service.reader.lastSucceeded(env.id, 'backup'), blocked);
    }
    if (!(item.tooltip instanceof vscode.MarkdownString)) return item;
    try {
      const s = await this.service.summary(env.id);
      if (s) {
        const parts = [s.backupCount !== undefined ? (s.backupCount === 1 ? vscode.l10n.t('1 backup') : vscode.l10n.t('{0} backups', s.backupCount)) : undefined, s.storedBytes !== undefined ? formatBytes(s.storedBytes) : undefined].filter(Boolean);
        if (parts.length) item.tooltip.appendMarkdown(`\n\n**${vscode.l10n.t('Stored:')}** ${parts.join(', ')}`);
      }
    } catch (e) {
      item.tooltip.appendMarkdown(`\n\n**${vscode.l10n.t('Stored:')}** ${vscode.l10n.t('unknown ({0})', escapeMarkdown((e as Error).message))}`);
    }
    return item;
  }

  getChildren(): EnvironmentItem[] {
    const own = this.service.environments().map((entry) => this.item(entry));
    const only = (this.agent?.agentOnly() ?? []).map((env, i) => this.agentOnlyItem(env, own.length + i));
    return [...own, ...only];
  }

  /** An environment the background agent runs for a workspace that is not open here. */
  private agentOnlyItem(env: Environment, index: number): EnvironmentItem {
    const item = new EnvironmentItem({ index, valid: true, environment: env }, env.id);
    item.id = `env-agent-${env.id}`;
    const running = this.service.busyWith(env.id);
    const waiting = this.agent?.waitingForPassword(env);
    item.description = waiting
      ? vscode.l10n.t('background agent only · waiting for its password')
      : running
        ? vscode.l10n.t('background agent only · running {0}…', kindName(running.kind))
        : vscode.l10n.t('background agent only');
    item.contextValue = 'agentOnlyEnvironment'; // not 'environment.*': none of a settings entry's actions apply
    item.iconPath = new vscode.ThemeIcon(running ? 'sync~spin' : 'server-process');
    const md = this.tooltip(env, [], this.lastBackup(env.id), this.service.reader.lastSucceeded(env.id, 'backup'), undefined);
    md.appendMarkdown(`\n\n${vscode.l10n.t('Only the background agent runs this environment: its workspace ({0}) is not open in this window. "Stop Running in Background" removes it from the agent.', escapeMarkdown(env.folder ?? '?'))}`);
    item.tooltip = md;
    item.command = { command: 'backupScheduler.openTaskLog', title: vscode.l10n.t('Open Task Log'), arguments: [{ envId: env.id }] };
    return item;
  }

  dispose(): void {
    clearInterval(this.tick);
    this.pending.dispose();
    this.subs.forEach((s) => s.dispose());
    this.changed.dispose();
  }

  private item(entry: EnvironmentEntry): EnvironmentItem {
    if (!entry.valid) {
      const item = new EnvironmentItem(entry, entry.id);
      item.id = `env-invalid-${entry.index}`;
      item.description = vscode.l10n.t('invalid: {0}', entry.errors[0]);
      item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
      item.contextValue = 'environment.invalid';
      item.tooltip = new vscode.MarkdownString(`${vscode.l10n.t('{0} is invalid and does not run:', `**${escapeMarkdown(entry.name)}**`)}\n\n${entry.errors.map((e) => `- ${escapeMarkdown(e)}`).join('\n')}`);
      return item;
    }
    const env = entry.environment;
    const item = new EnvironmentItem(entry, env.id);
    item.id = `env-${env.id}`;
    const running = this.service.busyWith(env.id);
    const last = this.lastBackup(env.id);
    const blocked = this.service.blockedReason(env);
    const next = env.enabled && !blocked ? this.service.nextRuns(env.id, 1) : [];
    const now = this.now();
    const waiting = !blocked && this.agent?.waitingForPassword(env) ? vscode.l10n.t('waiting for its password (background agent)') : undefined;
    item.description = blocked ?? waiting ?? (!env.enabled ? vscode.l10n.t('disabled') : running ? vscode.l10n.t('running {0}…', kindName(running.kind)) : next.length ? vscode.l10n.t('next {0}', formatRelative(next[0], now)) : '');
    item.contextValue = env.enabled ? 'environment.enabled' : 'environment.disabled';
    item.iconPath = running
      ? new vscode.ThemeIcon('sync~spin')
      : blocked
        ? new vscode.ThemeIcon('shield')
        : !env.enabled
          ? new vscode.ThemeIcon('circle-slash')
          : !last
            ? new vscode.ThemeIcon('circle-outline')
            : last.status === 'succeeded'
              ? new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed'))
              : last.status === 'failed' || last.status === 'interrupted'
                ? new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed'))
                : new vscode.ThemeIcon('circle-outline');
    item.command = { command: 'backupScheduler.openTaskLog', title: vscode.l10n.t('Open Task Log'), arguments: [{ envId: env.id }] };
    return item;
  }

  /**
   * A backup that just ended is its environment's last one (an environment runs one task at a
   * time, in queue order); anything else (a queued or running backup, a verify, a skip) leaves the
   * last backup as it was. A record older than the cached one (a task marked interrupted at
   * start-up) makes the next redraw ask the history again.
   */
  private noteFinished(t: TaskRecord): void {
    if (t.kind !== 'backup' || !LAST_BACKUP_STATUSES.includes(t.status)) return;
    const cached = this.lastBackups.get(t.envId);
    if (cached !== undefined && (cached === null || cached.queuedAt <= t.queuedAt)) this.lastBackups.set(t.envId, t);
    else this.lastBackups.delete(t.envId);
  }

  private lastBackup(envId: string): TaskRecord | undefined {
    let last = this.lastBackups.get(envId);
    if (last === undefined) {
      last = this.service.reader.queryTasks({ envIds: [envId], kinds: ['backup'], statuses: [...LAST_BACKUP_STATUSES], sort: 'queuedAt', descending: true, limit: 1 }).rows[0] ?? null;
      this.lastBackups.set(envId, last);
    }
    return last ?? undefined;
  }

  private tooltip(env: Environment, next: number[], last: TaskRecord | undefined, good: TaskRecord | undefined, blocked: string | undefined): vscode.MarkdownString {
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**${escapeMarkdown(env.name)}** \`${env.id}\` — ${env.type === 'folder' ? vscode.l10n.t('folder') : vscode.l10n.t('command dump')}, ${env.engine === 'restic' ? vscode.l10n.t('restic snapshots') : vscode.l10n.t('archives')}\n\n`);
    if (blocked) md.appendMarkdown(`$(shield) ${escapeMarkdown(blocked)}\n\n`);
    md.appendMarkdown(`**${vscode.l10n.t('Schedule:')}** ${escapeMarkdown(describeSchedule(env.schedule))} (\`${env.schedule}\`${env.timezone ? `, ${env.timezone}` : ''})${env.enabled ? '' : ` — ${vscode.l10n.t('disabled')}`}\n\n`);
    if (next.length) md.appendMarkdown(`**${vscode.l10n.t('Next runs:')}** ${next.map((t) => formatDateTime(t)).join(', ')}\n\n`);
    if (good) {
      const r = good.result ?? {};
      const dur = good.startedAt && good.finishedAt ? formatDuration(good.finishedAt - good.startedAt) : '';
      md.appendMarkdown(`**${vscode.l10n.t('Last good backup:')}** ${formatDateTime(good.finishedAt)}${r.size !== undefined ? `, ${formatBytes(r.size)}` : ''}${dur ? `, ${vscode.l10n.t('took {0}', dur)}` : ''}${r.unchangedSince ? ` ${vscode.l10n.t('(no changes)')}` : ''}\n\n`);
    } else {
      md.appendMarkdown(`**${vscode.l10n.t('Last good backup:')}** ${vscode.l10n.t('never')}\n\n`);
    }
    if (last && last.status !== 'succeeded') md.appendMarkdown(`**${vscode.l10n.t('Last run {0}:', statusName(last.status))}** ${escapeMarkdown(last.error ?? '')}\n\n`);
    md.appendMarkdown(`**${vscode.l10n.t('Source:')}** ${codeSpan(maskSecrets(subjectOf(env)))}\n\n`);
    md.appendMarkdown(env.engine === 'restic' ? `**${vscode.l10n.t('Repository:')}** ${codeSpan(env.repository ?? '')}` : `**${vscode.l10n.t('Destination:')}** ${codeSpan(env.destination)}`);
    return md;
  }
}


export function toVs(d: { dispose(): void }): vscode.Disposable {
  return new vscode.Disposable(() => d.dispose());
}
