// The history table. A native <table role="grid">, not the toolkit's data-grid: it needs sortable
// headers with aria-sort and rows that are selectable, which the native semantics give directly.
// One row is in the tab order at a time (roving tabindex): arrows/Home/End/PageUp/PageDown move
// focus, Enter or Space selects.
import { LitElement, css, html, nothing } from 'lit';
import type { SortColumn, TaskRecord } from '../shared/model';
import { formatBytes, formatDateTime, formatDuration } from '../shared/format';
import { moveIndex, taskDuration } from './state';
import { resultText, statusLook } from './present';
import { statusStyles } from './statusStyles';
import * as l10n from './l10n';

interface Column { label: string; sort?: SortColumn; cell(t: TaskRecord, host: BsTaskTable): unknown }

// A function: the words are looked up once the page (and its translations) is there.
const columns = (): Column[] => [
  { label: l10n.t('Status'), sort: 'status', cell: (t) => { const s = statusLook(t); return html`<span class="glyph ${s.tone}" aria-hidden="true">${s.glyph}</span> ${s.label}`; } },
  { label: l10n.t('Environment'), sort: 'envId', cell: (t, h) => h.envNames.get(t.envId) ?? t.envId },
  { label: l10n.t('Kind'), sort: 'kind', cell: (t) => l10n.kindName(t.kind) },
  { label: l10n.t('Trigger'), sort: 'trigger', cell: (t) => l10n.triggerName(t.trigger) },
  { label: l10n.t('Started'), sort: 'startedAt', cell: (t) => (t.startedAt === null ? html`<span class="dim">${l10n.t('queued {0}', formatDateTime(t.queuedAt).slice(11))}</span>` : formatDateTime(t.startedAt)) },
  { label: l10n.t('Duration'), sort: 'duration', cell: (t, h) => formatDuration(taskDuration(t, h.now)) },
  { label: l10n.t('Size'), sort: 'size', cell: (t) => formatBytes(t.result?.size) },
  // No store sort key fits free text; the Status column orders by outcome.
  { label: l10n.t('Result'), cell: (t) => html`<span class="result" title=${resultText(t)}>${resultText(t)}</span>` },
];

export class BsTaskTable extends LitElement {
  static override properties = {
    rows: { attribute: false },
    sort: { attribute: false },
    descending: { attribute: false },
    selectedId: { attribute: false },
    envNames: { attribute: false },
    now: { attribute: false },
    loaded: { attribute: false },
    focusIndex: { state: true },
  };

  rows: TaskRecord[] = [];
  sort: SortColumn = 'queuedAt';
  descending = true;
  selectedId: number | undefined = undefined;
  envNames = new Map<string, string>();
  now = Date.now();
  loaded = false;
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

  override render() {
    const idx = Math.min(this.focusIndex, Math.max(0, this.rows.length - 1));
    const cols = this.cols ??= columns();
    return html`<table role="grid" aria-label=${l10n.t('Task history')} aria-rowcount=${this.rows.length + 1}>
      <thead><tr>${cols.map((c) => this.header(c))}</tr></thead>
      <tbody @keydown=${this.onKey}>
        ${this.rows.map((t, i) => html`<tr tabindex=${i === idx ? 0 : -1} aria-selected=${t.id === this.selectedId ? 'true' : 'false'}
            data-index=${i} @click=${() => this.choose(i)} @focus=${() => { this.focusIndex = i; }}>
          ${cols.map((c) => html`<td>${c.cell(t, this)}</td>`)}</tr>`)}
      </tbody></table>
      ${this.rows.length ? nothing : html`<div class="empty" role="status">${this.loaded ? l10n.t('No tasks match the filters.') : l10n.t('Loading…')}</div>`}`;
  }

  private choose(i: number) {
    this.focusIndex = i;
    const t = this.rows[i];
    if (t) this.emit('bs-select', { id: t.id });
  }

  private onKey(e: KeyboardEvent) {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      this.choose(this.focusIndex);
      return;
    }
    const to = moveIndex(e.key, this.focusIndex, this.rows.length);
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
