// The Task Log's words in the user's language. The host writes vscode.l10n.bundle (the translated
// messages of l10n/bundle.l10n.<locale>.json, or nothing in English) into the page as JSON in
// <meta name="bs-l10n">; t() looks a message up there and fills {0}, {1}, like vscode.l10n.t.
// Messages are string literals so that `npm run l10n` finds them.
import type { TaskKind, TaskStatus, TaskTrigger } from '../shared/model';

type Bundle = Record<string, string>;
let bundle: Bundle | undefined;

/** The translated messages in the page, read once; none outside a document (unit tests). */
function pageBundle(): Bundle {
  if (bundle) return bundle;
  bundle = {};
  // Through globalThis: present.ts (which uses t) is also unit-tested in Node, type-checked without the DOM.
  const doc = (globalThis as { document?: { querySelector(s: string): { getAttribute(n: string): string | null } | null } }).document;
  const json = doc?.querySelector('meta[name="bs-l10n"]')?.getAttribute('content');
  try {
    const parsed: unknown = json ? JSON.parse(json) : {};
    if (parsed && typeof parsed === 'object') bundle = parsed as Bundle;
  } catch {
    // A broken block leaves the page in English rather than blank.
  }
  return bundle;
}

/** `message` with {n} replaced by args[n], from `messages` when it has a string for it. */
export function format(messages: Bundle, message: string, args: readonly (string | number)[]): string {
  const text = typeof messages[message] === 'string' ? messages[message] : message;
  return text.replace(/\{(\d+)\}/g, (m, i: string) => (Number(i) < args.length ? String(args[Number(i)]) : m));
}

export function t(message: string, ...args: (string | number)[]): string {
  return format(pageBundle(), message, args);
}

/** Words for the model's values (shown in the table, the filters and the detail pane). */
export function statusName(s: TaskStatus): string {
  switch (s) {
    case 'queued': return t('queued');
    case 'running': return t('running');
    case 'succeeded': return t('succeeded');
    case 'failed': return t('failed');
    case 'cancelled': return t('cancelled');
    case 'skipped': return t('skipped');
    case 'interrupted': return t('interrupted');
    default: return s; // a value added to the model later, until it gets its words here
  }
}

export function kindName(k: TaskKind): string {
  switch (k) {
    case 'backup': return t('backup');
    case 'restore': return t('restore');
    case 'prune': return t('prune');
    case 'verify': return t('verify');
    case 'init': return t('init');
    case 'unlock': return t('unlock');
    default: return k;
  }
}

export function triggerName(tr: TaskTrigger): string {
  switch (tr) {
    case 'scheduled': return t('scheduled');
    case 'manual': return t('manual');
    case 'catch-up': return t('catch-up');
    default: return tr;
  }
}
