// The selected task's live log: level filter, follow (keep the newest line in view) and copy.
// Scrolling up by hand turns follow off, as in a terminal; scrolling back to the end turns it on.
import { LitElement, css, nothing } from 'lit';
import { html } from 'lit/static-html.js';
import { LOG_LEVELS, type LogLevel } from '../shared/model';
import { formatDateTime } from '../shared/format';
import type { ViewLine } from './state';
import { TAGS } from './toolkit';
import * as l10n from './l10n';

export class BsLogView extends LitElement {
  static override properties = {
    lines: { attribute: false },
    level: { attribute: false },
    follow: { attribute: false },
    clipped: { attribute: false },
  };

  lines: ViewLine[] = [];
  level: LogLevel = 'debug';
  follow = true;
  clipped = false;
  private programmaticScroll = false;

  static override styles = css`
    :host { display: flex; flex-direction: column; min-height: 0; }
    .bar { display: flex; gap: 12px; align-items: center; padding: 4px 0; flex-wrap: wrap; }
    .bar .count { margin-left: auto; color: var(--vscode-descriptionForeground); }
    select { font: inherit; color: var(--vscode-dropdown-foreground); background: var(--vscode-dropdown-background); border: 1px solid var(--vscode-dropdown-border, transparent); padding: 2px 4px; }
    .log { flex: 1; min-height: 8em; overflow: auto; font-family: var(--vscode-editor-font-family); font-size: var(--vscode-editor-font-size);
      background: var(--vscode-textCodeBlock-background, var(--vscode-editor-background)); border: 1px solid var(--vscode-panel-border, transparent); padding: 4px; }
    .log:focus-visible, select:focus-visible { outline: 1px solid var(--vscode-focusBorder); }
    /* pre-wrap on the lines only: on the container it would also show the template's own whitespace. */
    .line { display: block; white-space: pre-wrap; word-break: break-all; }
    .time { color: var(--vscode-descriptionForeground); }
    .warn { color: var(--vscode-editorWarning-foreground); }
    .error { color: var(--vscode-errorForeground); }
    .debug { color: var(--vscode-descriptionForeground); }
    .note { color: var(--vscode-descriptionForeground); font-style: italic; }
  `;

  override render() {
    return html`<div class="bar">
        <label>${l10n.t('Level')} <select aria-label=${l10n.t('Minimum log level')} @change=${(e: Event) => this.emit('bs-log-level', { level: (e.target as HTMLSelectElement).value })}>
          ${LOG_LEVELS.map((l) => html`<option value=${l} ?selected=${l === this.level}>${l === 'debug' ? l10n.t('{0} (all)', l) : l10n.t('{0} and above', l)}</option>`)}
        </select></label>
        <${TAGS.checkbox} ?checked=${this.follow} @change=${(e: Event) => this.emit('bs-follow', { follow: (e.target as HTMLInputElement).checked })}>${l10n.t('Follow')}</${TAGS.checkbox}>
        <${TAGS.button} appearance="secondary" @click=${() => this.emit('bs-copy', {})} aria-label=${l10n.t('Copy the whole log to the clipboard')}>${l10n.t('Copy log')}</${TAGS.button}>
        <span class="count">${this.lines.length === 1 ? l10n.t('1 line shown') : l10n.t('{0} lines shown', this.lines.length)}</span>
      </div>
      <div class="log" role="log" aria-label=${l10n.t('Task log')} aria-live="off" tabindex="0" @scroll=${this.onScroll}>
        ${this.clipped ? html`<span class="line note">${l10n.t('Older lines are not shown here; "Copy log" copies them all.')}</span>` : nothing}
        ${this.lines.map((l) => html`<span class="line ${l.level}"><span class="time">${formatDateTime(l.time).slice(11)}</span> ${l.level === 'info' ? '' : `[${l.level}] `}${l.text}</span>`)}
        ${this.lines.length ? nothing : html`<span class="line note">${this.level === 'debug' ? l10n.t('No log lines.') : l10n.t('No log lines at this level.')}</span>`}
      </div>`;
  }

  override updated() {
    if (!this.follow) return;
    const log = this.renderRoot.querySelector<HTMLElement>('.log');
    if (!log || log.scrollTop + log.clientHeight >= log.scrollHeight - 1) return;
    this.programmaticScroll = true;
    log.scrollTop = log.scrollHeight;
  }

  private onScroll(e: Event) {
    if (this.programmaticScroll) {
      this.programmaticScroll = false;
      return;
    }
    const log = e.target as HTMLElement;
    const atEnd = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
    if (atEnd !== this.follow) this.emit('bs-follow', { follow: atEnd });
  }

  private emit(name: string, detail: unknown) {
    this.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
  }
}

customElements.define('bs-log-view', BsLogView);
