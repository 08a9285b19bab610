// The detail pane: the selected task's facts, its actions and its live log.
import { LitElement, css, nothing } from 'lit';
import { html } from 'lit/static-html.js';
import { FINAL_STATUSES, type LogLevel, type TaskRecord } from '../shared/model';
import type { TaskAction } from '../shared/protocol';
import { formatBytes, formatDateTime, formatDuration } from '../shared/format';
import { resultText, statusLook } from './present';
import { taskDuration, type ViewLine } from './state';
import { statusStyles } from './statusStyles';
import { TAGS } from './toolkit';
import * as l10n from './l10n';
import './bs-log-view';

export class BsTaskDetail extends LitElement {
  static override properties = {
    task: { attribute: false },
    envName: { attribute: false },
    now: { attribute: false },
    lines: { attribute: false },
    level: { attribute: false },
    follow: { attribute: false },
    clipped: { attribute: false },
  };

  /** undefined: loading; null: the task no longer exists. */
  task: TaskRecord | null | undefined = undefined;
  envName = '';
  now = Date.now();
  lines: ViewLine[] = [];
  level: LogLevel = 'debug';
  follow = true;
  clipped = false;

  static override styles = [statusStyles, css`
    /* Facts and actions beside the log when there is room, so the log keeps its height; stacked and scrolling when narrow. */
    :host { display: grid; grid-template-columns: minmax(16em, 1fr) minmax(0, 2fr); grid-template-rows: auto minmax(0, 1fr); gap: 8px 16px; min-height: 0; }
    h2 { grid-column: 1 / -1; font-size: 1.1em; margin: 0; font-weight: 600; }
    .facts { display: flex; flex-direction: column; gap: 8px; overflow: auto; min-height: 0; }
    @media (max-width: 760px) {
      /* A column that scrolls as a whole: grid rows would squeeze the facts under the log. */
      :host { display: flex; flex-direction: column; overflow: auto; }
      .facts { overflow: visible; min-height: auto; flex: none; }
      bs-log-view { flex: none; height: 20em; }
    }
    dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 0; }
    dt { color: var(--vscode-descriptionForeground); }
    dd { margin: 0; word-break: break-all; }
    .actions { display: flex; gap: 8px; flex-wrap: wrap; }
    .error { color: var(--vscode-errorForeground); }
    bs-log-view { min-height: 0; }
  `];

  override render() {
    const t = this.task;
    if (t === undefined) return html`<p role="status">${l10n.t('Loading task…')}</p>`;
    if (t === null) return html`<p role="status">${l10n.t('This task is no longer in the history.')}</p>`;
    const s = statusLook(t);
    const final = FINAL_STATUSES.includes(t.status);
    const fact = (label: string, value: unknown) => (value === '' || value === undefined || value === null ? nothing : html`<dt>${label}</dt><dd>${value}</dd>`);
    return html`
      <h2 id="title"><span class="glyph ${s.tone}" aria-hidden="true">${s.glyph}</span> ${l10n.t('Task #{0}: {1} of {2} — {3}', t.id, l10n.kindName(t.kind), this.envName || t.envId, s.label)}</h2>
      <div class="facts">
      <dl aria-labelledby="title">
        ${fact(l10n.t('Trigger'), l10n.triggerName(t.trigger))}
        ${fact(l10n.t('Queued'), formatDateTime(t.queuedAt))}
        ${fact(l10n.t('Started'), formatDateTime(t.startedAt))}
        ${fact(l10n.t('Finished'), formatDateTime(t.finishedAt))}
        ${fact(l10n.t('Duration'), formatDuration(taskDuration(t, this.now)))}
        ${fact(l10n.t('Result'), resultText(t))}
        ${fact(l10n.t('Archive'), t.result?.archivePath)}
        ${fact(l10n.t('Snapshot'), t.result?.snapshotId)}
        ${fact(l10n.t('Size'), formatBytes(t.result?.size))}
        ${fact(l10n.t('Files'), t.result?.fileCount)}
        ${fact('SHA-256', t.result?.sha256)}
        ${t.error ? html`<dt>${l10n.t('Error')}</dt><dd class="error">${t.error}</dd>` : nothing}
        ${fact(l10n.t('Skip reason'), t.skipReason)}
        ${fact(l10n.t('Warnings'), t.warnings || '')}
      </dl>
      <div class="actions" role="group" aria-label=${l10n.t('Task actions')}>
        ${final ? nothing : this.action('cancel', l10n.t('Cancel'))}
        ${final ? this.action('retry', l10n.t('Retry')) : nothing}
        ${t.result?.archivePath ? this.action('revealArchive', l10n.t('Reveal archive')) : nothing}
        ${this.action('openLog', l10n.t('Open log in editor'))}
        <${TAGS.button} appearance="secondary" aria-label=${l10n.t('Close the task details')} @click=${() => this.dispatchEvent(new CustomEvent('bs-close', { bubbles: true, composed: true }))}>${l10n.t('Close')}</${TAGS.button}>
      </div>
      </div>
      <bs-log-view .lines=${this.lines} .level=${this.level} .follow=${this.follow} .clipped=${this.clipped}></bs-log-view>`;
  }

  private action(action: TaskAction, label: string) {
    return html`<${TAGS.button} appearance=${action === 'cancel' ? 'primary' : 'secondary'} @click=${() => this.dispatchEvent(new CustomEvent('bs-action', { detail: { action }, bubbles: true, composed: true }))}>${label}</${TAGS.button}>`;
  }
}

customElements.define('bs-task-detail', BsTaskDetail);
