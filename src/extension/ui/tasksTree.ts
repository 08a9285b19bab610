// The Tasks view: what runs now (with live progress) first, then recent history by day, capped,
// with a last item that opens the Task Log for everything else. The view's badge counts what runs.
// History is one item per run, as in the Task Log: a backup with its verify and prune under it,
// showing the run's outcome and naming the step that failed.
import * as vscode from 'vscode';
import { formatBytes, formatDateTime, formatDay, formatDuration, stalledClock } from '../../shared/format';
import type { TaskRecord } from '../../shared/model';
import { groupRuns, runOutcome, type Run } from '../../shared/runs';
import type { Backups } from '../core/backups';
import { Coalesced } from '../core/util/coalesce';
import { toVs } from './environmentsTree';
import { taskTooltipMarkdown } from './markdownText';
import { kindName, statusName, triggerName } from './words';

const HISTORY_ITEMS = 50;

type Node = { type: 'task'; task: TaskRecord; run?: Run } | { type: 'day'; day: string; runs: Run[] } | { type: 'more'; total: number };

export class TasksTree implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subs: vscode.Disposable[] = [];
  /** Progress arrives throttled by the TaskManager; bursts (a finish fires 2-3 events) redraw once. */
  private readonly pending = new Coalesced(() => this.refresh(), 200);
  private view: vscode.TreeView<Node> | undefined;

  constructor(private readonly service: Backups, private readonly envName: (id: string) => string) {
    this.subs.push(toVs(service.onDidChangeTask(() => this.pending.schedule())));
  }

  attach(view: vscode.TreeView<Node>): void {
    this.view = view;
    this.updateBadge();
  }

  refresh(): void {
    this.changed.fire();
    this.updateBadge();
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node.type === 'day') {
      const item = new vscode.TreeItem(node.day === formatDay(Date.now()) ? vscode.l10n.t('Today') : node.day, vscode.TreeItemCollapsibleState.Expanded);
      item.id = `day-${node.day}`;
      item.description = node.runs.length === 1 ? vscode.l10n.t('1 run') : vscode.l10n.t('{0} runs', node.runs.length);
      item.contextValue = 'day';
      return item;
    }
    if (node.type === 'more') {
      const item = new vscode.TreeItem(vscode.l10n.t('Show all {0} runs in the Task Log…', node.total), vscode.TreeItemCollapsibleState.None);
      item.id = 'more';
      item.iconPath = new vscode.ThemeIcon('list-flat');
      item.command = { command: 'backupScheduler.openTaskLog', title: vscode.l10n.t('Open Task Log') };
      return item;
    }
    return taskItem(node.task, this.envName(node.task.envId), node.run);
  }

  getChildren(node?: Node): Node[] {
    if (node?.type === 'day') return node.runs.map((run) => ({ type: 'task', task: run.head, run }));
    if (node?.type === 'task') return (node.run?.steps ?? []).map((task) => ({ type: 'task', task }));
    if (node) return [];
    const active = this.service.activeTasks().sort((a, b) => (a.status === b.status ? a.id - b.id : a.status === 'running' ? -1 : 1));
    const activeIds = new Set(active.map((t) => t.id));
    const page = this.service.reader.queryTasks({ runs: true, sort: 'queuedAt', descending: true, limit: HISTORY_ITEMS + active.length });
    // A run still going (its verify runs) waits in the active list; it joins the history once done.
    const history = groupRuns([...page.rows, ...(page.steps ?? [])])
      .filter((r) => ![r.head, ...r.steps].some((t) => activeIds.has(t.id) || t.status === 'running' || t.status === 'queued'))
      .slice(0, HISTORY_ITEMS);
    const days = new Map<string, Run[]>();
    for (const r of history) {
      const d = formatDay(r.head.finishedAt ?? r.head.queuedAt);
      days.set(d, [...(days.get(d) ?? []), r]);
    }
    const out: Node[] = active.map((task) => ({ type: 'task', task }));
    for (const [day, runs] of days) out.push({ type: 'day', day, runs });
    if (page.total > history.length + active.length) out.push({ type: 'more', total: page.total });
    return out;
  }

  dispose(): void {
    this.pending.dispose();
    this.subs.forEach((s) => s.dispose());
    this.changed.dispose();
  }

  private updateBadge(): void {
    if (!this.view) return;
    const n = this.service.activeTasks().filter((t) => t.status === 'running').length;
    this.view.badge = n ? { value: n, tooltip: n === 1 ? vscode.l10n.t('1 task running') : vscode.l10n.t('{0} tasks running', n) } : undefined;
  }
}

const STATUS_ICON: Record<TaskRecord['status'], [string, string | undefined]> = {
  queued: ['clock', undefined],
  running: ['sync~spin', undefined],
  succeeded: ['pass', 'testing.iconPassed'],
  failed: ['error', 'testing.iconFailed'],
  cancelled: ['circle-slash', undefined],
  skipped: ['debug-step-over', 'disabledForeground'],
  interrupted: ['debug-disconnect', 'testing.iconErrored'],
};

export function statusText(t: TaskRecord): string {
  if (stalledClock(t)) return vscode.l10n.t('stalled');
  if (t.status === 'succeeded' && t.warnings > 0) return t.warnings === 1 ? vscode.l10n.t('succeeded with 1 warning') : vscode.l10n.t('succeeded with {0} warnings', t.warnings);
  return statusName(t.status);
}

function taskItem(t: TaskRecord, envName: string, run?: Run): vscode.TreeItem {
  const steps = run?.steps ?? [];
  const item = new vscode.TreeItem(`${envName} — ${kindName(t.kind)}`, steps.length ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
  item.id = `task-${t.id}`;
  const outcome = run && steps.length ? runOutcome(t, steps) : undefined;
  const status = outcome?.status ?? t.status;
  const [icon, color] = (status === 'succeeded' && t.warnings > 0) || stalledClock(t) ? ['warning', 'problemsWarningIcon.foreground'] : STATUS_ICON[status];
  item.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
  // A run that a step failed says which: "verify failed · 14:05 · 2.1 MB · 3 s".
  const failedStep = outcome?.worst && outcome.worst.id !== t.id ? vscode.l10n.t('{0} {1}', kindName(outcome.worst.kind), statusName(outcome.worst.status)) : '';
  if (steps.length) item.label = `${envName} — ${[t, ...steps].map((x) => x.kind).filter((k, i, all) => all.indexOf(k) === i).map(kindName).join(' + ')}`;
  item.description = [failedStep, describe(t)].filter(Boolean).join(' · ');
  item.contextValue = t.status === 'running' ? 'task.running' : t.status === 'queued' ? 'task.queued' : t.result?.archivePath ? 'task.finished.archive' : 'task.finished';
  item.tooltip = new vscode.MarkdownString(taskTooltipMarkdown(t, envName, statusText(t), vscode.l10n, kindName(t.kind), triggerName(t.trigger)));
  item.command = { command: 'backupScheduler.showTaskLog', title: vscode.l10n.t('Show Log'), arguments: [t.id] };
  return item;
}

function describe(t: TaskRecord): string {
  if (t.status === 'running') {
    const p = t.progress;
    if (!p) return vscode.l10n.t('starting…');
    const since = stalledClock(t);
    if (since) return vscode.l10n.t('stalled since {0}', since);
    const parts = [p.percent !== undefined ? `${Math.floor(p.percent)}%` : '', p.files !== undefined ? vscode.l10n.t('{0} files', p.files) : '', p.bytes !== undefined ? formatBytes(p.bytes) : '', p.etaSeconds !== undefined ? vscode.l10n.t('{0} left', formatDuration(p.etaSeconds * 1000)) : ''];
    return parts.filter(Boolean).join(' · ') || vscode.l10n.t('running…');
  }
  if (t.status === 'queued') return statusName('queued');
  const dur = t.startedAt && t.finishedAt ? formatDuration(t.finishedAt - t.startedAt) : '';
  const when = formatDateTime(t.finishedAt ?? t.queuedAt).slice(11, 16);
  const status = statusText(t);
  const what = t.status === 'succeeded' ? (t.result?.unchangedSince ? vscode.l10n.t('no changes') : formatBytes(t.result?.size) || t.result?.summary || '') : t.status === 'skipped' ? statusName('skipped') : status;
  return [when, status === statusName('succeeded') ? '' : status, what !== status ? what : '', dur].filter(Boolean).join(' · ');
}
