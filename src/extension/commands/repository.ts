// restic repositories from the editor: "Set Repository Password…" keeps the password (and any
// `${secret:NAME}` a backend needs) in SecretStorage, never in settings; "Initialize
// Repository…" creates the repository as a task. Scheduled runs never create one.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { Backups } from '../core/backups';
import { secretKeys, secretNamesIn } from '../core/engines/secrets';
import { isBackendString } from '../core/environments/engineFields';
import type { Environment } from '../core/environments/types';
import { trackTask } from '../ui/progress';
import { envIdFrom } from './args';
import { pickEnvironment } from './pickers';

const isRestic = (e: Environment) => e.engine === 'restic';

export async function resticEnvironment(service: Backups, arg: unknown, title: string): Promise<Environment | undefined> {
  const given = service.environment(envIdFrom(arg) ?? '');
  if (given && isRestic(given)) return given;
  return pickEnvironment(service, title, isRestic);
}

/** Asks twice, stores, and says where it went. False when the user gave up. */
async function askPassword(secrets: vscode.SecretStorage, env: Environment, purpose: string): Promise<boolean> {
  const repo = env.repository ?? '';
  const first = await vscode.window.showInputBox({ title: vscode.l10n.t('{0}: password of {1}', purpose, repo), password: true, ignoreFocusOut: true, prompt: vscode.l10n.t('Kept in VS Code\'s secret storage (the OS keychain where available), never in settings or logs.'), validateInput: (v) => (v.length ? undefined : vscode.l10n.t('A password is required')) });
  if (!first) return false;
  const again = await vscode.window.showInputBox({ title: vscode.l10n.t('{0}: repeat the password', purpose), password: true, ignoreFocusOut: true, validateInput: (v) => (v === first ? undefined : vscode.l10n.t('The passwords differ')) });
  if (again !== first) return false;
  await secrets.store(secretKeys.resticPassword(repo), first);
  return true;
}

/** Asks for every `${secret:NAME}` of backendEnv not stored yet. */
async function askBackendSecrets(secrets: vscode.SecretStorage, env: Environment, all: boolean): Promise<void> {
  for (const name of secretNamesIn(env.backendEnv)) {
    if (!all && (await secrets.get(secretKeys.named(name))) !== undefined) continue;
    const v = await vscode.window.showInputBox({ title: vscode.l10n.t('Secret {0} for {1}\'s backend', name, env.name), password: true, ignoreFocusOut: true, prompt: vscode.l10n.t('Used where backendEnv says {0}; kept in VS Code\'s secret storage.', `\${secret:${name}}`) });
    if (v === undefined) return;
    await secrets.store(secretKeys.named(name), v);
  }
}

function passwordSourceOf(env: Environment): string | undefined {
  if (env.passwordFile) return vscode.l10n.t('the password file {0}', env.passwordFile);
  if (env.passwordCommand) return vscode.l10n.t('its passwordCommand');
  return undefined;
}

export async function setRepositoryPassword(service: Backups, secrets: vscode.SecretStorage, arg: unknown): Promise<boolean> {
  const env = await resticEnvironment(service, arg, vscode.l10n.t('Set Repository Password'));
  if (!env) return false;
  const other = passwordSourceOf(env);
  if (other) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Backup Scheduler: {0} reads its password from {1}; nothing to store.', env.name, other));
    await askBackendSecrets(secrets, env, true);
    return false;
  }
  if (!(await askPassword(secrets, env, vscode.l10n.t('Set Repository Password')))) return false;
  await askBackendSecrets(secrets, env, false);
  void vscode.window.showInformationMessage(vscode.l10n.t('Backup Scheduler: the password of {0} is stored.', env.repository ?? ''));
  return true;
}

/** Whether a local repository folder already holds a restic repository (remote ones cannot be told cheaply). */
/** `repository` as parsing left it: a backend string, or an absolute folder (`~`, `local:` resolved). */
export function localRepositoryExists(repository: string): boolean | undefined {
  if (isBackendString(repository)) return undefined;
  return existsSync(join(repository, 'config'));
}

export async function initRepository(service: Backups, secrets: vscode.SecretStorage, arg: unknown): Promise<number | undefined> {
  const env = await resticEnvironment(service, arg, vscode.l10n.t('Initialize Repository'));
  if (!env) return undefined;
  if (localRepositoryExists(env.repository ?? '') === true) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Backup Scheduler: {0} is already a restic repository.', env.repository ?? ''));
    return undefined;
  }
  if (!passwordSourceOf(env) && (await secrets.get(secretKeys.resticPassword(env.repository ?? ''))) === undefined) {
    if (!(await askPassword(secrets, env, vscode.l10n.t('Initialize Repository')))) return undefined;
  }
  await askBackendSecrets(secrets, env, false);
  const outcome = await service.initRepository(env.id);
  if (!('taskId' in outcome)) {
    void vscode.window.showWarningMessage(vscode.l10n.t('Backup Scheduler: {0}', outcome.message));
    return undefined;
  }
  trackTask(service, outcome.taskId, vscode.l10n.t('Initializing {0}', env.repository ?? ''), vscode.ProgressLocation.Notification);
  return outcome.taskId;
}
