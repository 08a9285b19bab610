// The overview above the Task Log's table: per environment, the health line, the schedule and the
// next run, a strip of the last 30 runs coloured by outcome (hover: time, duration, result; click
// or Enter opens the run), sparklines of duration and size added, and the stored size over time.
//
// Charts are hand-drawn SVG: four shapes (cells, a polyline, bars, an area) do not justify a
// charting library's weight in the bundle, and drawing them ourselves keeps every colour a class
// mapped to a theme variable (the CSP forbids inline styles) and every chart an <svg role="img">
// with a <title> that says in words what it shows.
import { LitElement, css, html, nothing, svg } from 'lit';
import type { EnvOverview } from '../shared/overview';
import { formatBytes, formatDuration } from '../shared/format';
import { healthLine, nextRunText, runLabel, series, sparkBars, sparkPoints, storedSeries, toneOf, type Series } from './overviewModel';
import { moveIndex } from './state';
import * as l10n from './l10n';

const SPARK_W = 120;
const SPARK_H = 28;
const STORED_W = 200;
const STORED_H = 40;

export class BsOverview extends LitElement {
  static override properties = {
    data: { attribute: false },
    now: { attribute: false },
    selectedId: { attribute: false },
  };

  data: EnvOverview[] | undefined = undefined;
  now = Date.now();
  selectedId: number | undefined = undefined;
  /** Roving focus in each strip: environment id -> index of the cell in the tab order. */
  private cellFocus = new Map<string, number>();

  static override styles = css`
    :host { display: block; overflow: auto; }
    .envs { display: grid; grid-template-columns: repeat(auto-fill, minmax(34em, 1fr)); gap: 8px; }
    section { border: 1px solid var(--vscode-panel-border, var(--vscode-widget-border, transparent)); border-radius: 3px; padding: 6px 10px;
      background: var(--vscode-editorWidget-background, transparent); }
    header { display: flex; flex-wrap: wrap; align-items: baseline; gap: 4px 12px; }
    h2 { font-size: 1em; font-weight: 600; margin: 0; }
    .health { font-weight: 600; }
    .health.ok { color: var(--vscode-testing-iconPassed, var(--vscode-charts-green)); }
    .health.error { color: var(--vscode-testing-iconFailed, var(--vscode-errorForeground)); }
    .health.warn { color: var(--vscode-editorWarning-foreground, var(--vscode-charts-yellow)); }
    .health.idle, .sched, .caption, .empty { color: var(--vscode-descriptionForeground); }
    .sched { margin: 2px 0 6px; }
    .strip { display: flex; gap: 2px; margin-bottom: 6px; }
    .cell { width: 12px; height: 18px; border-radius: 2px; border: 0; padding: 0; cursor: pointer; flex: none; }
    .cell:focus-visible { outline: 1px solid var(--vscode-focusBorder); outline-offset: 1px; }
    .cell.selected { outline: 2px solid var(--vscode-focusBorder); outline-offset: 1px; }
    .cell.ok { background: var(--vscode-testing-iconPassed, var(--vscode-charts-green)); }
    .cell.error { background: var(--vscode-testing-iconFailed, var(--vscode-charts-red)); }
    .cell.warn { background: var(--vscode-charts-yellow, var(--vscode-editorWarning-foreground)); }
    .cell.busy { background: var(--vscode-charts-blue, var(--vscode-progressBar-background)); }
    .cell.idle { background: var(--vscode-disabledForeground, var(--vscode-descriptionForeground)); }
    .charts { display: flex; flex-wrap: wrap; gap: 4px 16px; align-items: flex-end; }
    figure { margin: 0; display: flex; flex-direction: column; gap: 1px; }
    .caption { font-size: 0.85em; }
    svg { display: block; overflow: visible; }
    .line { fill: none; stroke: var(--vscode-charts-blue, var(--vscode-foreground)); stroke-width: 1.5; stroke-linejoin: round; stroke-linecap: round; }
    .bar { fill: var(--vscode-charts-purple, var(--vscode-charts-blue, var(--vscode-foreground))); }
    .area { fill: var(--vscode-charts-green, var(--vscode-foreground)); fill-opacity: 0.25; stroke: var(--vscode-charts-green, var(--vscode-foreground)); stroke-width: 1.5; }
    .dot { fill: var(--vscode-charts-blue, var(--vscode-foreground)); }
  `;

  override render() {
    if (this.data === undefined) return html`<div class="empty" role="status">${l10n.t('Loading…')}</div>`;
    if (this.data.length === 0) return html`<div class="empty" role="status">${l10n.t('No environments yet: add one to see its backups here.')}</div>`;
    return html`<div class="envs">${this.data.map((o) => this.env(o))}</div>`;
  }

  private env(o: EnvOverview) {
    const health = healthLine(o, this.now);
    const id = `env-${cssId(o.id)}`;
    return html`<section aria-labelledby=${id} data-env=${o.id}>
      <header>
        <h2 id=${id}>${o.name}</h2>
        <span class="health ${health.tone}" data-tone=${health.tone} data-failures=${o.failuresInRow}>${health.parts.join(' · ')}</span>
      </header>
      <div class="sched">${o.scheduleText} · ${nextRunText(o, this.now)}</div>
      ${this.strip(o)}
      ${o.runs.length ? this.charts(o) : nothing}
    </section>`;
  }

  private strip(o: EnvOverview) {
    if (o.runs.length === 0) return html`<div class="empty">${l10n.t('No runs yet.')}</div>`;
    const focus = Math.min(this.cellFocus.get(o.id) ?? o.runs.length - 1, o.runs.length - 1);
    return html`<div class="strip" role="toolbar" aria-label=${l10n.t('Last {0} runs of {1}, oldest first', o.runs.length, o.name)}
        @keydown=${(e: KeyboardEvent) => this.onKey(e, o)}>
      ${o.runs.map((r, i) => {
        const label = runLabel(r);
        return html`<button class="cell ${toneOf(r.status)} ${r.id === this.selectedId ? 'selected' : ''}" data-run=${r.id} data-status=${r.status}
          tabindex=${i === focus ? 0 : -1} title=${label} aria-label=${label} aria-pressed=${r.id === this.selectedId ? 'true' : 'false'}
          @click=${() => this.open(o, i)}></button>`;
      })}
    </div>`;
  }

  private onKey(e: KeyboardEvent, o: EnvOverview) {
    const key = { ArrowRight: 'ArrowDown', ArrowLeft: 'ArrowUp' }[e.key] ?? e.key;
    const to = moveIndex(key, this.cellFocus.get(o.id) ?? o.runs.length - 1, o.runs.length, 5);
    if (to === undefined || !['ArrowDown', 'ArrowUp', 'Home', 'End'].includes(key)) return;
    e.preventDefault();
    this.cellFocus.set(o.id, to);
    this.requestUpdate();
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>(`section[data-env="${CSS.escape(o.id)}"] .cell[tabindex="0"]`)?.focus());
  }

  private open(o: EnvOverview, i: number) {
    this.cellFocus.set(o.id, i);
    this.dispatchEvent(new CustomEvent('bs-select', { detail: { id: o.runs[i].id }, bubbles: true, composed: true }));
  }

  private charts(o: EnvOverview) {
    const duration = series(o.runs.map((r) => (r.status === 'succeeded' ? r.duration : undefined)));
    const added = series(o.runs.map((r) => r.added));
    const stored = storedSeries(o.runs);
    return html`<div class="charts">
      ${duration ? this.spark(l10n.t('Duration'), duration, formatDuration, 'line',
        l10n.t('Duration of the good runs: {0} to {1}, latest {2}', formatDuration(duration.min), formatDuration(duration.max), formatDuration(duration.last))) : nothing}
      ${added ? this.spark(l10n.t('Size added'), added, formatBytes, 'bars',
        l10n.t('Size added per run: {0} to {1}, latest {2}', formatBytes(added.min), formatBytes(added.max), formatBytes(added.last))) : nothing}
      ${stored.series ? this.storedChart(o, stored.series, stored.recorded) : nothing}
    </div>`;
  }

  private spark(caption: string, s: Series, fmt: (n: number) => string, shape: 'line' | 'bars', alt: string) {
    const pts = sparkPoints(s, SPARK_W, SPARK_H);
    const shapes = shape === 'line'
      ? (pts.includes(' ') ? svg`<polyline class="line" points=${pts}></polyline>` : dot(pts))
      : sparkBars(s, SPARK_W, SPARK_H).map((b) => svg`<rect class="bar" x=${b.x} y=${b.y} width=${b.w} height=${b.h}></rect>`);
    return html`<figure>
      <svg role="img" aria-label=${alt} width=${SPARK_W} height=${SPARK_H} viewBox="0 0 ${SPARK_W} ${SPARK_H}"><title>${alt}</title>${shapes}</svg>
      <figcaption class="caption">${caption}: ${fmt(s.last ?? 0)}</figcaption>
    </figure>`;
  }

  private storedChart(o: EnvOverview, s: Series, recorded: boolean) {
    // From zero, so growth reads as growth and not as noise around a large total.
    const fromZero: Series = { ...s, min: 0 };
    const pts = sparkPoints(fromZero, STORED_W, STORED_H);
    const first = pts.split(' ')[0]?.split(',')[0] ?? '0';
    const last = pts.split(' ').at(-1)?.split(',')[0] ?? '0';
    const area = `${first},${STORED_H} ${pts} ${last},${STORED_H}`;
    const caption = recorded
      ? (o.engine === 'restic' ? l10n.t('Repository size') : l10n.t('Archives stored'))
      : (o.engine === 'restic' ? l10n.t('Repository growth (data added)') : l10n.t('Archives added up'));
    const alt = l10n.t('{0} over the last {1} runs: from {2} to {3}', caption, o.runs.length, formatBytes(s.values.find((v) => v !== undefined) ?? 0), formatBytes(s.last ?? 0));
    return html`<figure>
      <svg role="img" aria-label=${alt} width=${STORED_W} height=${STORED_H} viewBox="0 0 ${STORED_W} ${STORED_H}"><title>${alt}</title>
        ${pts.includes(' ') ? svg`<polygon class="area" points=${area}></polygon>` : dot(pts)}</svg>
      <figcaption class="caption">${caption}: ${formatBytes(s.last ?? 0)}</figcaption>
    </figure>`;
  }
}

/** One run so far: a point, since a line needs two. */
function dot(point: string) {
  const [x, y] = point.split(',').map(Number);
  return point ? svg`<circle class="dot" cx=${x} cy=${y} r="2.5"></circle>` : nothing;
}

function cssId(s: string): string {
  return s.replace(/[^A-Za-z0-9_-]/g, (c) => `_${c.charCodeAt(0).toString(16)}`);
}

customElements.define('bs-overview', BsOverview);
