import * as vscode from 'vscode';
import { formatDateTime } from '../../shared/format';
import type { TaskRecord } from '../../shared/model';
import type { Environment } from '../core/environments/types';
import type { Backups } from '../core/backups';
import { storageOf, subjectOf } from '../core/environments/lookup';
import { kindName, statusName } from '../ui/words';

export async function pickEnvironment(service: Pick<Backups, 'environments'>, title: string, filter: (e: Environment) => boolean = () => true): Promise<Environment | undefined> {
  const envs = service.environments().flatMap((e) => (e.valid && filter(e.environment) ? [e.environment] : []));
  if (envs.length === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Backup Scheduler: no environment fits. Add one with "Backup Scheduler: Add Environment…".'));
    return undefined;
  }
  if (envs.length === 1) return envs[0];
  const pick = await vscode.window.showQuickPick(
    envs.map((e) => ({ label: e.name, description: e.id, detail: `${subjectOf(e)} → ${storageOf(e)}${e.enabled ? '' : ` ${vscode.l10n.t('(disabled)')}`}`, env: e })),
    { title, placeHolder: vscode.l10n.t('Environment') },
  );
  return pick?.env;
}

export async function pickTask(tasks: TaskRecord[], title: string): Promise<TaskRecord | undefined> {
  if (tasks.length === 0) return undefined;
  const pick = await vscode.window.showQuickPick(
    tasks.map((t) => ({ label: vscode.l10n.t('#{0} {1} of {2}', t.id, kindName(t.kind), t.envId), description: statusName(t.status), detail: vscode.l10n.t('queued {0}', formatDateTime(t.queuedAt)), task: t })),
    { title },
  );
  return pick?.task;
}
