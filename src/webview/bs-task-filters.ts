// The filter bar above the history table. Emits `bs-filter` with the changed fields; the text
// field waits for a pause in typing so each keystroke does not refetch the page.
import { LitElement, css } from 'lit';
import { html } from 'lit/static-html.js';
import { TASK_KINDS, TASK_STATUSES, TASK_TRIGGERS } from '../shared/model';
import type { EnvironmentRef } from '../shared/protocol';
import { EMPTY_FILTERS, type Filters } from './state';
import { TAGS } from './toolkit';

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

  private select(field: keyof Filters, label: string, values: readonly string[], names?: Map<string, string>) {
    return html`<label>${label}
      <select aria-label=${label} .value=${this.filters[field]} @change=${(e: Event) => this.emit({ [field]: (e.target as HTMLSelectElement).value })}>
        <option value="" ?selected=${this.filters[field] === ''}>All</option>
        ${values.map((v) => html`<option value=${v} ?selected=${this.filters[field] === v}>${names?.get(v) ?? v}</option>`)}
      </select></label>`;
  }

  override render() {
    const envNames = new Map(this.environments.map((e) => [e.id, e.name]));
    const envIds = this.environments.map((e) => e.id);
    if (this.filters.envId && !envNames.has(this.filters.envId)) envIds.push(this.filters.envId);
    return html`
      ${this.select('envId', 'Environment', envIds, envNames)}
      ${this.select('status', 'Status', TASK_STATUSES)}
      ${this.select('kind', 'Kind', TASK_KINDS)}
      ${this.select('trigger', 'Trigger', TASK_TRIGGERS)}
      <label class="text">Text
        <${TAGS.textField} aria-label="Search errors, results and logs" placeholder="Search" .value=${this.filters.text} @input=${this.onText}></${TAGS.textField}>
      </label>
      <label>From <input type="date" aria-label="Queued on or after" .value=${this.filters.from} max=${this.filters.to || ''} @change=${(e: Event) => this.emit({ from: (e.target as HTMLInputElement).value })}></label>
      <label>To <input type="date" aria-label="Queued on or before" .value=${this.filters.to} min=${this.filters.from || ''} @change=${(e: Event) => this.emit({ to: (e.target as HTMLInputElement).value })}></label>
      <${TAGS.button} appearance="secondary" @click=${() => this.emit({ ...EMPTY_FILTERS })}>Clear filters</${TAGS.button}>`;
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
