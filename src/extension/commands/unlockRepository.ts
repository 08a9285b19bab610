// "Unlock Repository…": shows a restic repository's locks first (whose, since when, and whether
// the process that made each is provably gone), then removes what the user confirms: the stale
// ones (restic's unlock), or every lock (--remove-all), which can hurt a restic still running on
// another machine, so the dialog says so. Tests pass { envId, confirm: 'stale' | 'all' }.
import * as vscode from 'vscode';
import { formatDateTime } from '../../shared/format';
import type { Backups } from '../core/backups';
import type { RepositoryLock } from '../core/engines/types';
import { message } from '../ui/backupFileSystem';
import { trackTask } from '../ui/progress';
import { optionsFrom } from './args';
import { resticEnvironment } from './repository';

function describe(l: RepositoryLock): string {
  const who = vscode.l10n.t('host {0}, PID {1}, user {2}', l.host ?? '?', l.pid ?? '?', l.user ?? '?');
  const when = l.time !== undefined ? vscode.l10n.t('made {0}', formatDateTime(l.time)) : '';
  const state = l.stale ? vscode.l10n.t('stale: its process is gone from this machine') : vscode.l10n.t('may belong to a running restic');
  const kind = l.exclusive ? vscode.l10n.t('exclusive lock {0}', l.id.slice(0, 8)) : vscode.l10n.t('shared lock {0}', l.id.slice(0, 8));
  return `${kind}: ${[who, when].filter(Boolean).join(', ')} (${state})`;
}

export async function unlockRepository(service: Backups, arg: unknown): Promise<number | undefined> {
  const opts = optionsFrom<{ confirm: 'stale' | 'all' }>(arg);
  const env = await resticEnvironment(service, arg, vscode.l10n.t('Unlock Repository'));
  if (!env) return undefined;
  const repo = env.repository ?? '';
  let locks: RepositoryLock[];
  try {
    locks = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Reading the locks of {0}…', env.name), cancellable: true }, (_p, token) => {
      const ac = new AbortController();
      token.onCancellationRequested(() => ac.abort());
      return service.listLocks(env.id, ac.signal);
    });
  } catch (err) {
    void vscode.window.showErrorMessage(vscode.l10n.t('Backup Scheduler: cannot read the locks of {0}: {1}', env.name, message(err)));
    return undefined;
  }
  if (locks.length === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Backup Scheduler: the repository of {0} holds no locks.', env.name));
    return undefined;
  }
  const stale = locks.filter((l) => l.stale).length;
  const removeStale = vscode.l10n.t('Remove Stale Locks');
  const removeAll = vscode.l10n.t('Remove All Locks');
  let answer: string | undefined;
  if (opts.confirm) answer = opts.confirm === 'all' ? removeAll : removeStale;
  else {
    const question = stale === locks.length
      ? vscode.l10n.t('{0} holds {1} stale lock(s): made on this machine by restic processes that are gone. Remove them?', repo, locks.length)
      : vscode.l10n.t('{0} holds {1} lock(s), {2} of them possibly of a running restic (here or on another machine). Removing a live lock lets another operation run beside it, which can damage the repository: remove all locks only when you are sure no restic uses it.', repo, locks.length, locks.length - stale);
    answer = await vscode.window.showWarningMessage(question, { modal: true, detail: locks.map(describe).join('\n') }, ...(stale ? [removeStale] : []), removeAll);
  }
  if (answer !== removeStale && answer !== removeAll) return undefined;
  const outcome = await service.unlockRepository(env.id, answer === removeAll);
  if (!('taskId' in outcome)) {
    void vscode.window.showWarningMessage(vscode.l10n.t('Backup Scheduler: {0}', outcome.message));
    return undefined;
  }
  trackTask(service, outcome.taskId, vscode.l10n.t('Unlocking {0}', repo), vscode.ProgressLocation.Notification);
  return outcome.taskId;
}
