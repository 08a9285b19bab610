// Words for the model's values in the user's language (the Task Log webview has the same messages
// in src/webview/l10n.ts, so one translation serves both). Literal messages for `npm run l10n`.
import * as vscode from 'vscode';
import type { TaskKind, TaskStatus, TaskTrigger } from '../../shared/model';

export function kindName(k: TaskKind): string {
  switch (k) {
    case 'backup': return vscode.l10n.t('backup');
    case 'restore': return vscode.l10n.t('restore');
    case 'prune': return vscode.l10n.t('prune');
    case 'verify': return vscode.l10n.t('verify');
    case 'init': return vscode.l10n.t('init');
    case 'unlock': return vscode.l10n.t('unlock');
    default: return k; // a kind added to the model later, until it gets its words here
  }
}

export function statusName(s: TaskStatus): string {
  switch (s) {
    case 'queued': return vscode.l10n.t('queued');
    case 'running': return vscode.l10n.t('running');
    case 'succeeded': return vscode.l10n.t('succeeded');
    case 'failed': return vscode.l10n.t('failed');
    case 'cancelled': return vscode.l10n.t('cancelled');
    case 'skipped': return vscode.l10n.t('skipped');
    case 'interrupted': return vscode.l10n.t('interrupted');
    default: return s;
  }
}

export function triggerName(t: TaskTrigger): string {
  switch (t) {
    case 'scheduled': return vscode.l10n.t('scheduled');
    case 'manual': return vscode.l10n.t('manual');
    case 'catch-up': return vscode.l10n.t('catch-up');
    default: return t;
  }
}
