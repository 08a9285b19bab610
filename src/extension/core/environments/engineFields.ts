// The fields that choose and configure an environment's engine (SPEC "Engines"): `engine`, and
// for restic `repository`, `passwordFile` / `passwordCommand`, `backendEnv`, `verifyDataSubset`.
// Secrets never appear here: `${secret:NAME}` in backendEnv stays as written and is resolved by
// the engine when a task runs.
import * as nodePath from 'node:path';
import { expandPath, expandVariables, type ExpandContext } from './expand';
import type { Environment } from './types';

export type EngineFields = Pick<Environment, 'engine' | 'repository' | 'passwordFile' | 'passwordCommand' | 'backendEnv' | 'verifyDataSubset'>;

const RESTIC_ONLY = ['repository', 'passwordFile', 'passwordCommand', 'backendEnv', 'verifyDataSubset'] as const;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `sftp:`, `rest:`, `s3:`, `rclone:` ... (two letters at least, so `C:\repo` stays a path). */
export function isBackendString(repository: string): boolean {
  return /^[a-z0-9]{2,}:/i.test(repository) && !repository.startsWith('local:');
}

function parseRepository(v: string, ctx: ExpandContext, errors: string[]): string | undefined {
  if (isBackendString(v)) {
    const r = expandVariables(v, ctx);
    if ('error' in r) errors.push(`"repository": ${r.error}`);
    return 'error' in r ? undefined : r.value;
  }
  const local = v.startsWith('local:');
  const r = expandPath(local ? v.slice(6) : v, ctx);
  if ('error' in r) {
    errors.push(`"repository": ${r.error}`);
    return undefined;
  }
  if (!nodePath.isAbsolute(r.value)) {
    errors.push(`"repository" must be an absolute folder (or \${workspaceFolder}/...) or a backend such as sftp:user@host:/srv/restic, rest:https://host/repo, s3:..., rclone:remote:path (got "${v}")`);
    return undefined;
  }
  return r.value;
}

/** restic's `check --read-data-subset`: "n/t" (one of t parts) or a percentage. */
export function verifyDataSubsetError(v: string): string | undefined {
  const part = /^(\d+)\/(\d+)$/.exec(v);
  if (part) {
    const [n, t] = [Number(part[1]), Number(part[2])];
    return n >= 1 && t >= 1 && n <= t ? undefined : `"verifyDataSubset" "${v}": use n/t with 1 <= n <= t, e.g. "1/10"`;
  }
  const pct = /^(\d+(?:\.\d+)?)%$/.exec(v);
  if (pct) {
    const p = Number(pct[1]);
    return p > 0 && p <= 100 ? undefined : `"verifyDataSubset" "${v}": a percentage must be above 0 and at most 100`;
  }
  return `"verifyDataSubset" must be a percentage such as "5%" or a part such as "1/10" (got "${v}")`;
}

export function parseEngineFields(o: Record<string, unknown>, ctx: ExpandContext, errors: string[]): EngineFields {
  const engine = o.engine ?? 'archive';
  if (engine !== 'archive' && engine !== 'restic') {
    errors.push(`"engine" must be "archive" or "restic" (got ${JSON.stringify(engine)})`);
    return { engine: 'archive' };
  }
  if (engine === 'archive') {
    const stray = RESTIC_ONLY.filter((k) => o[k] !== undefined);
    if (stray.length) errors.push(`${stray.map((k) => `"${k}"`).join(', ')} ${stray.length === 1 ? 'is' : 'are'} only used by the restic engine: add "engine": "restic"`);
    return { engine };
  }
  const text = (key: string): string | undefined => {
    const v = o[key];
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v !== 'string') {
      errors.push(`"${key}" must be a string`);
      return undefined;
    }
    return v;
  };
  const out: EngineFields = { engine };
  const repository = text('repository');
  if (repository === undefined) errors.push('"repository" is required for the restic engine (a folder, or sftp:, rest:, s3:, b2:, azure:, gs:, rclone: ...)');
  else out.repository = parseRepository(repository, ctx, errors);

  const passwordFile = text('passwordFile');
  const passwordCommand = text('passwordCommand');
  if (passwordFile !== undefined && passwordCommand !== undefined) errors.push('use either "passwordFile" or "passwordCommand", not both');
  if (passwordFile !== undefined) {
    const r = expandPath(passwordFile, ctx);
    if ('error' in r) errors.push(`"passwordFile": ${r.error}`);
    else out.passwordFile = r.value;
  }
  if (passwordCommand !== undefined) out.passwordCommand = passwordCommand;

  if (o.backendEnv !== undefined) {
    const b = o.backendEnv;
    if (typeof b !== 'object' || b === null || Array.isArray(b)) errors.push('"backendEnv" must be an object of variable names to strings, e.g. { "AWS_ACCESS_KEY_ID": "${secret:aws-key}" }');
    else {
      const env: Record<string, string> = {};
      for (const [k, v] of Object.entries(b)) {
        if (!ENV_NAME.test(k)) errors.push(`"backendEnv.${k}": not a valid environment variable name`);
        else if (typeof v !== 'string') errors.push(`"backendEnv.${k}" must be a string`);
        else {
          const bad = [...v.matchAll(/\$\{([^}]*)\}/g)].find((m) => !/^(secret|env):.+$/.test(m[1]));
          if (bad) errors.push(`"backendEnv.${k}": ${bad[0]} is not known (use \${env:VAR} or \${secret:NAME})`);
          else env[k] = v;
        }
      }
      out.backendEnv = env;
    }
  }

  const subset = text('verifyDataSubset');
  if (subset !== undefined) {
    const e = verifyDataSubsetError(subset.trim());
    if (e) errors.push(e);
    else out.verifyDataSubset = subset.trim();
  }
  return out;
}
