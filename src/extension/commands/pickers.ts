import * as vscode from 'vscode';
import { formatDateTime } from '../../shared/format';
import type { TaskRecord } from '../../shared/model';
import type { Environment } from '../core/environments/types';
import type { Backups } from '../core/backups';

export async function pickEnvironment(service: Backups, title: string, filter: (e: Environment) => boolean = () => true): Promise<Environment | undefined> {
  const envs = service.environments().flatMap((e) => (e.valid && filter(e.environment) ? [e.environment] : []));
  if (envs.length === 0) {
    void vscode.window.showInformationMessage('Backup Scheduler: no environment fits. Add one with "Backup Scheduler: Add Environment…".');
    return undefined;
  }
  if (envs.length === 1) return envs[0];
  const pick = await vscode.window.showQuickPick(
    envs.map((e) => ({ label: e.name, description: e.id, detail: `${e.type === 'folder' ? e.source : e.command} → ${e.destination}${e.enabled ? '' : ' (disabled)'}`, env: e })),
    { title, placeHolder: 'Environment' },
  );
  return pick?.env;
}

export async function pickTask(tasks: TaskRecord[], title: string): Promise<TaskRecord | undefined> {
  if (tasks.length === 0) return undefined;
  const pick = await vscode.window.showQuickPick(
    tasks.map((t) => ({ label: `#${t.id} ${t.kind} of ${t.envId}`, description: t.status, detail: `queued ${formatDateTime(t.queuedAt)}`, task: t })),
    { title },
  );
  return pick?.task;
}
