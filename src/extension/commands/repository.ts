// restic repositories from the editor: "Set Repository Password…" keeps the password (and any
// `${secret:NAME}` a backend needs) in SecretStorage, never in settings; "Initialize
// Repository…" creates the repository as a task. Scheduled runs never create one.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { Backups } from '../core/backups';
import { secretKeys, secretNamesIn } from '../core/engines/secrets';
import type { Environment } from '../core/environments/types';
import { trackTask } from '../ui/progress';
import { envIdFrom } from './args';
import { pickEnvironment } from './pickers';

const isRestic = (e: Environment) => e.engine === 'restic';

async function resticEnvironment(service: Backups, arg: unknown, title: string): Promise<Environment | undefined> {
  const given = service.environment(envIdFrom(arg) ?? '');
  if (given && isRestic(given)) return given;
  return pickEnvironment(service, title, isRestic);
}

/** Asks twice, stores, and says where it went. False when the user gave up. */
async function askPassword(secrets: vscode.SecretStorage, env: Environment, purpose: string): Promise<boolean> {
  const repo = env.repository ?? '';
  const first = await vscode.window.showInputBox({ title: `${purpose}: password of ${repo}`, password: true, ignoreFocusOut: true, prompt: 'Kept in VS Code\'s secret storage (the OS keychain where available), never in settings or logs.', validateInput: (v) => (v.length ? undefined : 'A password is required') });
  if (!first) return false;
  const again = await vscode.window.showInputBox({ title: `${purpose}: repeat the password`, password: true, ignoreFocusOut: true, validateInput: (v) => (v === first ? undefined : 'The passwords differ') });
  if (again !== first) return false;
  await secrets.store(secretKeys.resticPassword(repo), first);
  return true;
}

/** Asks for every `${secret:NAME}` of backendEnv not stored yet. */
async function askBackendSecrets(secrets: vscode.SecretStorage, env: Environment, all: boolean): Promise<void> {
  for (const name of secretNamesIn(env.backendEnv)) {
    if (!all && (await secrets.get(secretKeys.named(name))) !== undefined) continue;
    const v = await vscode.window.showInputBox({ title: `Secret ${name} for ${env.name}'s backend`, password: true, ignoreFocusOut: true, prompt: `Used where backendEnv says \${secret:${name}}; kept in VS Code's secret storage.` });
    if (v === undefined) return;
    await secrets.store(secretKeys.named(name), v);
  }
}

function passwordSourceOf(env: Environment): string | undefined {
  if (env.passwordFile) return `the password file ${env.passwordFile}`;
  if (env.passwordCommand) return 'its passwordCommand';
  return undefined;
}

export async function setRepositoryPassword(service: Backups, secrets: vscode.SecretStorage, arg: unknown): Promise<boolean> {
  const env = await resticEnvironment(service, arg, 'Set Repository Password');
  if (!env) return false;
  const other = passwordSourceOf(env);
  if (other) {
    void vscode.window.showInformationMessage(`Backup Scheduler: ${env.name} reads its password from ${other}; nothing to store.`);
    await askBackendSecrets(secrets, env, true);
    return false;
  }
  if (!(await askPassword(secrets, env, 'Set Repository Password'))) return false;
  await askBackendSecrets(secrets, env, false);
  void vscode.window.showInformationMessage(`Backup Scheduler: the password of ${env.repository} is stored.`);
  return true;
}

/** Whether a local repository folder already holds a restic repository (remote ones cannot be told cheaply). */
export function localRepositoryExists(repository: string): boolean | undefined {
  if (/^[a-z0-9]+:/i.test(repository) && !/^[a-zA-Z]:[\\/]/.test(repository) && !repository.startsWith('local:')) return undefined;
  return existsSync(join(repository.replace(/^local:/, ''), 'config'));
}

export async function initRepository(service: Backups, secrets: vscode.SecretStorage, arg: unknown): Promise<number | undefined> {
  const env = await resticEnvironment(service, arg, 'Initialize Repository');
  if (!env) return undefined;
  if (localRepositoryExists(env.repository ?? '') === true) {
    void vscode.window.showInformationMessage(`Backup Scheduler: ${env.repository} is already a restic repository.`);
    return undefined;
  }
  if (!passwordSourceOf(env) && (await secrets.get(secretKeys.resticPassword(env.repository ?? ''))) === undefined) {
    if (!(await askPassword(secrets, env, 'Initialize Repository'))) return undefined;
  }
  await askBackendSecrets(secrets, env, false);
  const outcome = await service.initRepository(env.id);
  if (!('taskId' in outcome)) {
    void vscode.window.showWarningMessage(`Backup Scheduler: ${outcome.message}`);
    return undefined;
  }
  trackTask(service, outcome.taskId, `Initializing ${env.repository}`, vscode.ProgressLocation.Notification);
  return outcome.taskId;
}
