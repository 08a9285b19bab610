// The history table. A native <table role="grid">, not the toolkit's data-grid: it needs sortable
// headers with aria-sort and rows that are selectable, which the native semantics give directly.
// One row is in the tab order at a time (roving tabindex): arrows/Home/End/PageUp/PageDown move
// focus, Enter or Space selects.
//
// One row per run (`runs`): a backup's verify and prune are its run's steps, shown under it when
// the run is expanded (ArrowRight/ArrowLeft, or the triangle); the run row shows the run's outcome
// and names the step that failed. The table is then a treegrid (aria-level, aria-expanded).
import { LitElement, css, html, nothing } from 'lit';
import type { SortColumn, TaskRecord } from '../shared/model';
import { groupRuns, runDuration, type Run } from '../shared/runs';
import { formatBytes, formatDateTime, formatDuration } from '../shared/format';
import { moveIndex, taskDuration } from './state';
import { resultText, statusLook } from './present';
import { statusStyles } from './statusStyles';
import * as l10n from './l10n';

/** A displayed row: a task, or a run's first task standing for the run (level 1), or a run's step (level 2). */
interface Line { task: TaskRecord; run?: Run; level: 1 | 2 }

interface Column { label: string; sort?: SortColumn; cell(line: Line, host: BsTaskTable): unknown }

function statusCell({ task, run }: Line) {
  const s = run ? statusLook({ status: run.status, warnings: task.warnings, progress: task.progress }) : statusLook(task);
  // The step that failed the run is named: "failed (verify)".
  const label = run?.worst && run.worst.id !== task.id ? l10n.t('{0} ({1})', s.label, l10n.kindName(run.worst.kind)) : s.label;
  return html`<span class="glyph ${s.tone}" aria-hidden="true">${s.glyph}</span> ${label}`;
}

// A function: the words are looked up once the page (and its translations) is there.
const columns = (): Column[] => [
  { label: l10n.t('Status'), sort: 'status', cell: (l, h) => html`${h.runs ? expander(l, h) : nothing}${statusCell(l)}` },
  { label: l10n.t('Environment'), sort: 'envId', cell: ({ task: t }, h) => h.envNames.get(t.envId) ?? t.envId },
  { label: l10n.t('Kind'), sort: 'kind', cell: ({ task: t, run }) => (run && run.steps.length ? [t, ...run.steps.filter((x, i, all) => all.findIndex((y) => y.kind === x.kind) === i)].map((x) => l10n.kindName(x.kind)).join(' + ') : l10n.kindName(t.kind)) },
  { label: l10n.t('Trigger'), sort: 'trigger', cell: ({ task: t }) => l10n.triggerName(t.trigger) },
  { label: l10n.t('Started'), sort: 'startedAt', cell: ({ task: t }) => (t.startedAt === null ? html`<span class="dim">${l10n.t('queued {0}', formatDateTime(t.queuedAt).slice(11))}</span>` : formatDateTime(t.startedAt)) },
  { label: l10n.t('Duration'), sort: 'duration', cell: ({ task: t, run }, h) => formatDuration(run ? runDuration(run, h.now) : taskDuration(t, h.now)) },
  { label: l10n.t('Size'), sort: 'size', cell: ({ task: t }) => formatBytes(t.result?.size) },
  // No store sort key fits free text; the Status column orders by outcome.
  { label: l10n.t('Result'), cell: ({ task: t, run }) => { const r = resultText(run?.worst ?? t); return html`<span class="result" title=${r}>${r}</span>`; } },
];

function expander({ task, run, level }: Line, h: BsTaskTable) {
  if (level === 2) return html`<span class="twist step" aria-hidden="true">└</span>`;
  if (!run || run.steps.length === 0) return html`<span class="twist" aria-hidden="true"></span>`;
  const open = h.expanded.has(task.id);
  return html`<span class="twist toggle" aria-hidden="true" title=${open ? l10n.t('Hide the steps of this run') : l10n.t('Show the steps of this run')}
    @click=${(e: Event) => { e.stopPropagation(); h.toggle(task.id); }}>${open ? '▾' : '▸'}</span>`;
}

export class BsTaskTable extends LitElement {
  static override properties = {
    rows: { attribute: false },
    sort: { attribute: false },
    descending: { attribute: false },
    selectedId: { attribute: false },
    envNames: { attribute: false },
    now: { attribute: false },
    loaded: { attribute: false },
    runs: { attribute: false },
    focusIndex: { state: true },
    expanded: { state: true },
  };

  rows: TaskRecord[] = [];
  sort: SortColumn = 'queuedAt';
  descending = true;
  selectedId: number | undefined = undefined;
  envNames = new Map<string, string>();
  now = Date.now();
  loaded = false;
  runs = false;
  /** Runs whose steps are shown (by the id of their first task). */
  expanded = new Set<number>();
  private focusIndex = 0;
  private cols: Column[] | undefined;
  private focusAfterRender = false;

  static override styles = [statusStyles, css`
    :host { display: block; overflow: auto; }
    table { border-collapse: collapse; width: 100%; font-size: var(--vscode-font-size); }
    th { position: sticky; top: 0; background: var(--vscode-editor-background); text-align: left; font-weight: 600; border-bottom: 1px solid var(--vscode-panel-border, transparent); padding: 0; white-space: nowrap; }
    th .plain, th button { padding: 4px 8px; display: block; }
    th button { all: unset; box-sizing: border-box; width: 100%; padding: 4px 8px; cursor: pointer; color: var(--vscode-foreground); }
    th button:hover { background: var(--vscode-list-hoverBackground); }
    th button:focus-visible, tr:focus-visible { outline: 1px solid var(--vscode-focusBorder); outline-offset: -1px; }
    .arrow { color: var(--vscode-descriptionForeground); }
    td { padding: 3px 8px; white-space: nowrap; border-bottom: 1px solid var(--vscode-tree-tableColumnsBorder, transparent); }
    tr { cursor: default; }
    tbody tr:hover { background: var(--vscode-list-hoverBackground); }
    tr[aria-selected='true'] { background: var(--vscode-list-activeSelectionBackground); color: var(--vscode-list-activeSelectionForeground);
      outline: 1px dotted var(--vscode-contrastActiveBorder, transparent); outline-offset: -1px; }
    tr[aria-selected='true']:focus-visible { outline: 1px solid var(--vscode-focusBorder); }
    .result { display: inline-block; max-width: 40ch; overflow: hidden; text-overflow: ellipsis; vertical-align: bottom; }
    .dim, .empty { color: var(--vscode-descriptionForeground); }
    .twist { display: inline-block; width: 1.1em; text-align: center; color: var(--vscode-descriptionForeground); }
    .twist.toggle { cursor: pointer; color: var(--vscode-foreground); }
    .twist.step { padding-left: 0.6em; }
    tr.step td { color: var(--vscode-descriptionForeground); }
    tr.step[aria-selected='true'] td { color: inherit; }
    .empty { padding: 12px 8px; }
  `];

  private header(c: Column) {
    if (!c.sort) return html`<th scope="col"><span class="plain">${c.label}</span></th>`;
    const active = this.sort === c.sort;
    const dir = active ? (this.descending ? 'descending' : 'ascending') : 'none';
    return html`<th scope="col" aria-sort=${dir}>
      <button @click=${() => this.emit('bs-sort', { column: c.sort })} title=${l10n.t('Sort by {0}', c.label)}>
        ${c.label} <span class="arrow" aria-hidden="true">${active ? (this.descending ? '▼' : '▲') : ''}</span>
      </button></th>`;
  }

  /** The rows as shown: tasks, or runs with the steps of expanded runs under them. */
  lines(): Line[] {
    if (!this.runs) return this.rows.map((task) => ({ task, level: 1 }));
    const out: Line[] = [];
    for (const run of groupRuns(this.rows)) {
      out.push({ task: run.head, run, level: 1 });
      if (this.expanded.has(run.head.id)) for (const task of run.steps) out.push({ task, level: 2 });
    }
    return out;
  }

  toggle(id: number, open = !this.expanded.has(id)) {
    const next = new Set(this.expanded);
    if (open) next.add(id);
    else next.delete(id);
    this.expanded = next;
  }

  override render() {
    const lines = this.shown = this.lines();
    const idx = Math.min(this.focusIndex, Math.max(0, lines.length - 1));
    const cols = this.cols ??= columns();
    return html`<table role=${this.runs ? 'treegrid' : 'grid'} aria-label=${this.runs ? l10n.t('Run history') : l10n.t('Task history')} aria-rowcount=${lines.length + 1}>
      <thead><tr>${cols.map((c) => this.header(c))}</tr></thead>
      <tbody @keydown=${this.onKey}>
        ${lines.map((l, i) => html`<tr tabindex=${i === idx ? 0 : -1} aria-selected=${l.task.id === this.selectedId ? 'true' : 'false'}
            class=${l.level === 2 ? 'step' : ''} data-index=${i} data-task=${l.task.id} data-status=${l.run?.status ?? l.task.status}
            aria-level=${this.runs ? l.level : nothing} aria-expanded=${l.run && l.run.steps.length ? String(this.expanded.has(l.task.id)) : nothing}
            @click=${() => this.choose(i)} @focus=${() => { this.focusIndex = i; }}>
          ${cols.map((c) => html`<td>${c.cell(l, this)}</td>`)}</tr>`)}
      </tbody></table>
      ${lines.length ? nothing : html`<div class="empty" role="status">${this.loaded ? l10n.t('No tasks match the filters.') : l10n.t('Loading…')}</div>`}`;
  }

  private shown: Line[] = [];

  private choose(i: number) {
    this.focusIndex = i;
    const t = this.shown[i]?.task;
    if (t) this.emit('bs-select', { id: t.id });
  }

  private onKey(e: KeyboardEvent) {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      this.choose(this.focusIndex);
      return;
    }
    const line = this.shown[this.focusIndex];
    if (this.runs && line && (e.key === 'ArrowRight' || e.key === 'ArrowLeft')) {
      e.preventDefault();
      if (line.level === 2) {
        // From a step, Left goes to its run.
        if (e.key === 'ArrowLeft') this.focusIndex = this.shown.findIndex((l) => l.task.id === line.task.parentId);
      } else if (line.run?.steps.length) this.toggle(line.task.id, e.key === 'ArrowRight');
      this.focusAfterRender = true;
      this.requestUpdate();
      return;
    }
    const to = moveIndex(e.key, this.focusIndex, this.shown.length);
    if (to === undefined) return;
    e.preventDefault();
    this.focusIndex = to;
    this.focusAfterRender = true;
  }

  override updated() {
    if (!this.focusAfterRender) return;
    this.focusAfterRender = false;
    this.renderRoot.querySelector<HTMLElement>(`tr[data-index="${this.focusIndex}"]`)?.focus();
  }

  private emit(name: string, detail: unknown) {
    this.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
  }
}

customElements.define('bs-task-table', BsTaskTable);
