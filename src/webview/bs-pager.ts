// Paging under the history table: position in words, first/previous/next/last and page size.
import { LitElement, css } from 'lit';
import { html } from 'lit/static-html.js';
import { PAGE_SIZES } from './state';
import { TAGS } from './toolkit';
import * as l10n from './l10n';

export class BsPager extends LitElement {
  static override properties = {
    total: { attribute: false },
    offset: { attribute: false },
    pageSize: { attribute: false },
    shown: { attribute: false },
    runs: { attribute: false },
  };

  total = 0;
  offset = 0;
  pageSize = 50;
  shown = 0;
  /** Counting runs (one row per run) rather than tasks. */
  runs = false;

  static override styles = css`
    :host { display: flex; align-items: center; gap: 8px; flex-wrap: wrap; }
    .pos { margin-right: auto; }
    select { font: inherit; color: var(--vscode-dropdown-foreground); background: var(--vscode-dropdown-background); border: 1px solid var(--vscode-dropdown-border, transparent); padding: 2px 4px; }
    select:focus-visible { outline: 1px solid var(--vscode-focusBorder); }
  `;

  override render() {
    const pages = Math.max(1, Math.ceil(this.total / this.pageSize));
    const page = Math.floor(this.offset / this.pageSize) + 1;
    const first = this.total ? this.offset + 1 : 0;
    const last = Math.min(this.offset + this.shown, this.total);
    const go = (offset: number) => () => this.emit({ offset });
    return html`
      <span class="pos" role="status" aria-live="polite">${this.runs
        ? l10n.t('{0}–{1} of {2} runs · page {3} of {4}', first, last, this.total, page, pages)
        : l10n.t('{0}–{1} of {2} tasks · page {3} of {4}', first, last, this.total, page, pages)}</span>
      <${TAGS.button} appearance="secondary" aria-label=${l10n.t('First page')} ?disabled=${page <= 1} @click=${go(0)}>«</${TAGS.button}>
      <${TAGS.button} appearance="secondary" aria-label=${l10n.t('Previous page')} ?disabled=${page <= 1} @click=${go(this.offset - this.pageSize)}>${l10n.t('‹ Prev')}</${TAGS.button}>
      <${TAGS.button} appearance="secondary" aria-label=${l10n.t('Next page')} ?disabled=${page >= pages} @click=${go(this.offset + this.pageSize)}>${l10n.t('Next ›')}</${TAGS.button}>
      <${TAGS.button} appearance="secondary" aria-label=${l10n.t('Last page')} ?disabled=${page >= pages} @click=${go((pages - 1) * this.pageSize)}>»</${TAGS.button}>
      <label>${l10n.t('Rows per page')}
        <select aria-label=${l10n.t('Rows per page')} @change=${(e: Event) => this.emit({ pageSize: Number((e.target as HTMLSelectElement).value) })}>
          ${PAGE_SIZES.map((n) => html`<option value=${n} ?selected=${n === this.pageSize}>${n}</option>`)}
        </select></label>`;
  }

  private emit(detail: { offset?: number; pageSize?: number }) {
    this.dispatchEvent(new CustomEvent('bs-page', { detail, bubbles: true, composed: true }));
  }
}

customElements.define('bs-pager', BsPager);
