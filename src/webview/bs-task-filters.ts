// The filter bar above the history table. Emits `bs-filter` with the changed fields; the text
// field waits for a pause in typing so each keystroke does not refetch the page.
import { LitElement, css } from 'lit';
import { html } from 'lit/static-html.js';
import { TASK_KINDS, TASK_STATUSES, TASK_TRIGGERS, type TaskKind, type TaskStatus, type TaskTrigger } from '../shared/model';
import type { EnvironmentRef } from '../shared/protocol';
import { EMPTY_FILTERS, type Filters } from './state';
import { TAGS } from './toolkit';
import * as l10n from './l10n';

const TEXT_DEBOUNCE_MS = 300;

export class BsTaskFilters extends LitElement {
  static override properties = {
    filters: { attribute: false },
    environments: { attribute: false },
  };

  filters: Filters = { ...EMPTY_FILTERS };
  environments: EnvironmentRef[] = [];
  private textTimer: ReturnType<typeof setTimeout> | undefined;

  static override styles = css`
    :host { display: flex; flex-wrap: wrap; gap: 8px 12px; align-items: flex-end; }
    label { display: flex; flex-direction: column; gap: 2px; color: var(--vscode-descriptionForeground); font-size: 0.9em; }
    select, input[type='date'] {
      font: inherit; font-size: var(--vscode-font-size); color: var(--vscode-dropdown-foreground, var(--vscode-input-foreground));
      background: var(--vscode-dropdown-background, var(--vscode-input-background)); border: 1px solid var(--vscode-dropdown-border, var(--vscode-input-border, transparent));
      border-radius: 2px; padding: 3px 4px; min-height: 26px; box-sizing: border-box;
    }
    input[type='date'] { color-scheme: light dark; }
    select:focus-visible, input:focus-visible { outline: 1px solid var(--vscode-focusBorder); outline-offset: -1px; }
    .text { min-width: 14em; }
  `;

  private select(field: keyof Filters, label: string, values: readonly string[], name: (v: string) => string = (v) => v) {
    return html`<label>${label}
      <select aria-label=${label} .value=${this.filters[field]} @change=${(e: Event) => this.emit({ [field]: (e.target as HTMLSelectElement).value })}>
        <option value="" ?selected=${this.filters[field] === ''}>${l10n.t('All')}</option>
        ${values.map((v) => html`<option value=${v} ?selected=${this.filters[field] === v}>${name(v)}</option>`)}
      </select></label>`;
  }

  override render() {
    const envNames = new Map(this.environments.map((e) => [e.id, e.name]));
    const envIds = this.environments.map((e) => e.id);
    if (this.filters.envId && !envNames.has(this.filters.envId)) envIds.push(this.filters.envId);
    return html`
      ${this.select('envId', l10n.t('Environment'), envIds, (v) => envNames.get(v) ?? v)}
      ${this.select('status', l10n.t('Status'), TASK_STATUSES, (v) => l10n.statusName(v as TaskStatus))}
      ${this.select('kind', l10n.t('Kind'), TASK_KINDS, (v) => l10n.kindName(v as TaskKind))}
      ${this.select('trigger', l10n.t('Trigger'), TASK_TRIGGERS, (v) => l10n.triggerName(v as TaskTrigger))}
      <label class="text">${l10n.t('Text')}
        <${TAGS.textField} aria-label=${l10n.t('Search errors, results and logs')} placeholder=${l10n.t('Search')} .value=${this.filters.text} @input=${this.onText}></${TAGS.textField}>
      </label>
      <label>${l10n.t('From')} <input type="date" aria-label=${l10n.t('Queued on or after')} .value=${this.filters.from} max=${this.filters.to || ''} @change=${(e: Event) => this.emit({ from: (e.target as HTMLInputElement).value })}></label>
      <label>${l10n.t('To')} <input type="date" aria-label=${l10n.t('Queued on or before')} .value=${this.filters.to} min=${this.filters.from || ''} @change=${(e: Event) => this.emit({ to: (e.target as HTMLInputElement).value })}></label>
      <${TAGS.button} appearance="secondary" @click=${() => this.emit({ ...EMPTY_FILTERS })}>${l10n.t('Clear filters')}</${TAGS.button}>`;
  }

  private onText(e: Event) {
    const value = (e.target as HTMLInputElement).value;
    clearTimeout(this.textTimer);
    this.textTimer = setTimeout(() => this.emit({ text: value.slice(0, 200) }), TEXT_DEBOUNCE_MS);
  }

  private emit(patch: Partial<Filters>) {
    this.dispatchEvent(new CustomEvent('bs-filter', { detail: patch, bubbles: true, composed: true }));
  }
}

customElements.define('bs-task-filters', BsTaskFilters);
