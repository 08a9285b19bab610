// The Task Log app: owns the ViewState, talks to the host, and polls. All state changes go through
// the pure functions of state.ts; this element only sequences requests and renders.
//
// Polling: the host holds a poll that finds nothing new until something changes or pollMs ends
// (long polling), so the next poll is armed at once after each reply (see nextPollDelay); a change
// of the query or selection sends a poll at once, superseding the one held. The state that should survive
// a reload is written with setState after every change.
import { LitElement, css, html, nothing } from 'lit';
import type { HostNotice, TaskAction } from '../shared/protocol';
import type { LogLevel, SortColumn } from '../shared/model';
import { HostBus, type VsCodeApi } from './hostBus';
import {
  EMPTY_FILTERS, applyInit, applyPoll, nextPollDelay, pollTimeoutMs, applyTask, initialState, persisted, pollRequest, select, setFilters, setFollow, setLogLevel, setOffset,
  setOverview, setPageSize, setRuns, setSort, shownCount, visibleLog, type Filters, type ViewState,
} from './state';
import './bs-overview';
import './bs-task-filters';
import './bs-task-table';
import './bs-pager';
import './bs-task-detail';
import * as l10n from './l10n';

export class BsTaskLog extends LitElement {
  static override properties = {
    state: { state: true },
    notice: { state: true },
  };

  private state: ViewState;
  private notice = '';
  private bus: HostBus;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Number of the newest poll sent. */
  private pollSeq = 0;
  private stopped = false;

  constructor(private readonly api: VsCodeApi) {
    super();
    this.state = initialState(api.getState());
    this.bus = new HostBus(api, (m) => this.onNotice(m));
  }

  static override styles = css`
    :host { display: grid; grid-template-rows: auto auto auto minmax(8em, 1fr) auto; gap: 8px; height: 100vh; box-sizing: border-box; padding: 8px 12px;
      color: var(--vscode-foreground); font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); }
    :host(.with-detail) { grid-template-rows: auto auto auto minmax(8em, 1fr) auto minmax(16em, 1.2fr); }
    .top { display: flex; flex-wrap: wrap; align-items: baseline; gap: 4px 16px; }
    h1 { font-size: 1.2em; margin: 0; font-weight: 600; }
    .top label { display: inline-flex; align-items: center; gap: 4px; color: var(--vscode-descriptionForeground); cursor: pointer; }
    .top input { accent-color: var(--vscode-checkbox-background, auto); margin: 0; }
    .top input:focus-visible { outline: 1px solid var(--vscode-focusBorder); outline-offset: 1px; }
    bs-overview { max-height: 45vh; min-height: 0; }
    bs-overview[hidden] { display: none; }
    .notice { color: var(--vscode-errorForeground); }
    bs-task-table { border: 1px solid var(--vscode-panel-border, transparent); min-height: 0; }
    bs-task-detail { border-top: 1px solid var(--vscode-panel-border, transparent); padding-top: 8px; min-height: 0; }
  `;

  override connectedCallback() {
    super.connectedCallback();
    window.addEventListener('message', this.onMessage);
    void this.start();
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    window.removeEventListener('message', this.onMessage);
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private readonly onMessage = (e: MessageEvent) => this.bus.receive(e.data);

  /** The level-filtered log, recomputed only when the lines or the level change: it can be 20k lines and renders every poll. */
  private visible: { log: ViewState['log']; level: LogLevel; lines: ViewState['log'] } | undefined;
  private visibleLines(s: ViewState): ViewState['log'] {
    if (this.visible?.log !== s.log || this.visible.level !== s.logLevel) this.visible = { log: s.log, level: s.logLevel, lines: visibleLog(s) };
    return this.visible.lines;
  }

  private async start() {
    try {
      const r = await this.bus.request({ type: 'ready' });
      if (r.type === 'init') this.state = applyInit(this.state, r);
    } catch (e) {
      this.report(e);
    }
    if (this.state.selectedId !== undefined) void this.loadSelected();
    void this.poll();
  }

  /**
   * Polls now. The poll in flight may be held open at the host (long polling): a new one does not
   * wait for it but supersedes it (the host then answers the held one at once). Every reply is
   * merged (applyPoll drops what a newer query or selection made stale); only the newest poll arms
   * the next one.
   */
  private async poll() {
    if (this.stopped) return;
    clearTimeout(this.timer);
    const seq = ++this.pollSeq;
    const began = Date.now();
    let failed = false;
    let changed = false;
    try {
      const { request, sent } = pollRequest(this.state, 0);
      const { id: _id, ...body } = request;
      const r = await this.bus.request(body, pollTimeoutMs(this.state));
      if (r.type === 'changes' || r.type === 'unchanged') this.state = applyPoll(this.state, r, sent);
      else if (r.type === 'error') this.notice = r.message;
      failed = r.type === 'error';
      changed = r.type === 'changes';
      if (!failed && this.notice.startsWith('no reply')) this.notice = '';
    } catch (e) {
      if (seq !== this.pollSeq) return;
      failed = true;
      this.report(e);
    }
    if (seq !== this.pollSeq || this.stopped) return;
    const delay = nextPollDelay(this.state, { failed, pollAgain: false, changed, elapsedMs: Date.now() - began });
    this.timer = setTimeout(() => void this.poll(), delay);
  }

  private async loadSelected() {
    const id = this.state.selectedId;
    if (id === undefined) return;
    const selGen = this.state.selGen;
    try {
      const r = await this.bus.request({ type: 'getTask', taskId: id });
      if (r.type === 'task') this.state = applyTask(this.state, r.task, selGen);
    } catch (e) {
      this.report(e);
    }
  }

  private change(next: ViewState) {
    if (next === this.state) return;
    const requery = next.gen !== this.state.gen || next.selGen !== this.state.selGen;
    const reselected = next.selGen !== this.state.selGen;
    this.state = next;
    if (reselected) void this.loadSelected();
    if (requery) void this.poll();
  }

  private onNotice(m: HostNotice) {
    if (m.type === 'showEnvironment') return this.change(setFilters(this.state, { ...EMPTY_FILTERS, envId: m.envId }));
    this.change(select(this.state, m.taskId));
    this.updateComplete.then(() => this.renderRoot.querySelector('bs-task-detail')?.scrollIntoView({ block: 'nearest' }));
  }

  private async act(action: TaskAction) {
    const id = this.state.selectedId;
    if (id === undefined) return;
    await this.send({ type: 'action', action, taskId: id });
    void this.poll();
  }

  private async send(body: Parameters<HostBus['request']>[0]) {
    try {
      const r = await this.bus.request(body);
      this.notice = r.type === 'error' ? r.message : r.type === 'actionResult' ? (r.message ?? '') : '';
    } catch (e) {
      this.report(e);
    }
  }

  private report(e: unknown) {
    this.notice = e instanceof Error ? e.message : String(e);
    this.bus.log('warn', this.notice);
  }

  override updated() {
    this.api.setState(persisted(this.state));
    this.classList.toggle('with-detail', this.state.selectedId !== undefined);
  }

  override render() {
    const s = this.state;
    const envNames = new Map(s.environments.map((e) => [e.id, e.name]));
    const now = Date.now();
    return html`
      <div class="top">
        <h1>${l10n.t('Task Log')}</h1>
        <label><input type="checkbox" .checked=${s.overview} @change=${(e: Event) => this.change(setOverview(this.state, (e.target as HTMLInputElement).checked))}>${l10n.t('Overview')}</label>
        <label><input type="checkbox" .checked=${s.runs} @change=${(e: Event) => this.change(setRuns(this.state, (e.target as HTMLInputElement).checked))}>${l10n.t('One row per run')}</label>
      </div>
      <bs-overview ?hidden=${!s.overview} aria-label=${l10n.t('Overview')} role="region" .data=${s.overviewData} .now=${now} .selectedId=${s.selectedId}
        @bs-select=${(e: CustomEvent<{ id: number }>) => this.change(select(this.state, e.detail.id))}></bs-overview>
      <bs-task-filters .filters=${s.filters} .environments=${s.environments}
        @bs-filter=${(e: CustomEvent<Partial<Filters>>) => this.change(setFilters(this.state, e.detail))}></bs-task-filters>
      <bs-task-table .rows=${s.rows} .sort=${s.sort} .descending=${s.descending} .selectedId=${s.selectedId} .envNames=${envNames} .now=${now} .loaded=${s.loaded} .runs=${s.runs}
        @bs-sort=${(e: CustomEvent<{ column: SortColumn }>) => this.change(setSort(this.state, e.detail.column))}
        @bs-select=${(e: CustomEvent<{ id: number }>) => this.change(select(this.state, e.detail.id))}></bs-task-table>
      <div>
        <bs-pager .total=${s.total} .offset=${s.offset} .pageSize=${s.pageSize} .shown=${shownCount(s)} .runs=${s.runs}
          @bs-page=${(e: CustomEvent<{ offset?: number; pageSize?: number }>) => this.change(e.detail.pageSize !== undefined ? setPageSize(this.state, e.detail.pageSize) : setOffset(this.state, e.detail.offset ?? 0))}></bs-pager>
        ${this.notice ? html`<div class="notice" role="alert">${this.notice}</div>` : nothing}
      </div>
      ${s.selectedId === undefined ? nothing : html`<bs-task-detail .task=${s.selected} .envName=${s.selected ? envNames.get(s.selected.envId) ?? '' : ''} .now=${now}
          .lines=${this.visibleLines(s)} .level=${s.logLevel} .follow=${s.follow} .clipped=${s.logClipped}
          @bs-action=${(e: CustomEvent<{ action: TaskAction }>) => void this.act(e.detail.action)}
          @bs-close=${() => this.change(select(this.state, undefined))}
          @bs-copy=${() => void this.send({ type: 'copyLog', taskId: s.selectedId!, minLevel: this.state.logLevel })}
          @bs-log-level=${(e: CustomEvent<{ level: LogLevel }>) => this.change(setLogLevel(this.state, e.detail.level))}
          @bs-follow=${(e: CustomEvent<{ follow: boolean }>) => this.change(setFollow(this.state, e.detail.follow))}></bs-task-detail>`}`;
  }
}

customElements.define('bs-task-log', BsTaskLog);
