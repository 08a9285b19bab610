// The environment variables one restic run gets: repository, password source and backend
// variables. Secrets travel only here (never argv, which `ps` shows to every user), and every
// secret value is remembered so that no log line can carry it.
import type { Environment } from '../../environments/types';
import { maskUrlPasswords } from '../../util/maskSecrets';
import type { PasswordKeeper } from './passwordCommand';
import { secretKeys } from '../secrets';
import type { SecretSource } from '../types';

/** SecretStorage key of a repository's password ("Set Repository Password…" writes it). */
export const passwordKey = secretKeys.resticPassword;

/** SecretStorage key behind `${secret:NAME}` in backendEnv. */
export const secretKey = secretKeys.named;

/** Variables restic reads that must come from the environment's settings, not from VS Code's own environment. */
const OWN = ['RESTIC_REPOSITORY', 'RESTIC_REPOSITORY_FILE', 'RESTIC_PASSWORD', 'RESTIC_PASSWORD_FILE', 'RESTIC_PASSWORD_COMMAND', 'RESTIC_KEY_HINT'];

export class MissingPasswordError extends Error {}

export interface ResticCredentials {
  env: Record<string, string>;
  /** Values to cut out of anything logged or shown. */
  secrets: string[];
  /** restic said the password is wrong: a kept password must not be used again. */
  onWrongPassword?(): void;
}

export function repositoryOf(env: Environment): string {
  if (!env.repository) throw new Error(`Environment "${env.id}" has no "repository" (needed by the restic engine)`);
  return env.repository;
}

async function resolveValue(key: string, value: string, secrets: SecretSource, found: string[]): Promise<string> {
  let out = '';
  let last = 0;
  for (const m of value.matchAll(/\$\{(secret|env):([^}]+)\}/g)) {
    out += value.slice(last, m.index);
    last = m.index! + m[0].length;
    if (m[1] === 'env') {
      const v = process.env[m[2]];
      if (v === undefined) throw new Error(`backendEnv.${key} uses \${env:${m[2]}}, which is not set in VS Code's environment`);
      out += v;
      continue;
    }
    const v = await secrets.get(secretKey(m[2]));
    if (v === undefined || v === '') throw new Error(`backendEnv.${key} uses \${secret:${m[2]}}, but no secret "${m[2]}" is stored in VS Code's secret storage (key "${secretKey(m[2])}")`);
    found.push(v);
    out += v;
  }
  return out + value.slice(last);
}

export async function credentialsFor(env: Environment, secrets: SecretSource, base: NodeJS.ProcessEnv = process.env, passwords?: PasswordKeeper): Promise<ResticCredentials> {
  const repository = repositoryOf(env);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined && !OWN.includes(k)) out[k] = v;
  const found: string[] = [];
  out.RESTIC_REPOSITORY = repository;
  // A password inside a URL (rest:https://user:pass@host/) is a secret too.
  // It runs to the last '@' of the authority, as restic (Go's url.Parse) reads it.
  const userinfo = /^[a-z0-9]+:[a-z]+:\/\/[^/@:]*:([^/?#]+)@/i.exec(repository);
  if (userinfo) found.push(userinfo[1]);
  if (env.passwordFile) out.RESTIC_PASSWORD_FILE = env.passwordFile;
  else if (env.passwordCommand && passwords) {
    // Run once and kept a short while (passwordCommand.ts), instead of once per restic process.
    const pw = await passwords.get(env.passwordCommand, out);
    out.RESTIC_PASSWORD = pw;
    found.push(pw);
  } else if (env.passwordCommand) out.RESTIC_PASSWORD_COMMAND = env.passwordCommand;
  else {
    const pw = await secrets.get(passwordKey(repository));
    if (pw === undefined || pw === '') {
      throw new MissingPasswordError(
        `No password is set for restic repository ${redactUrl(repository)}: run "Set Repository Password…", or give the environment a "passwordFile" or "passwordCommand"`,
      );
    }
    out.RESTIC_PASSWORD = pw;
    found.push(pw);
  }
  for (const [k, v] of Object.entries(env.backendEnv ?? {})) out[k] = await resolveValue(k, v, secrets, found);
  // Status lines twice a second are plenty (older versions default to 60 a second).
  out.RESTIC_PROGRESS_FPS = '2';
  const command = env.passwordCommand;
  return { env: out, secrets: found.filter((s) => s.length >= 3), onWrongPassword: command && passwords ? () => passwords.forget(command) : undefined };
}

/** `rest:https://user:secret@host/` -> `rest:https://user:***@host/`. */
export function redactUrl(repository: string): string {
  return maskUrlPasswords(repository);
}

/**
 * Every URL password in `text` (whatever its length: a short one is not in `secrets`, where it
 * would mask letters of ordinary words), then every known secret.
 */
export function redact(text: string, secrets: string[]): string {
  let out = maskUrlPasswords(text);
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join('***');
  return out;
}
