// One place that turns a failed restic run (exit code and stderr) into an error a user can act
// on. restic 0.17 has exit codes for these cases; 0.14 is told apart by its messages, which
// later versions still print.
import { redact, redactUrl } from './credentials';
import type { RunResult } from './run';

export type ResticErrorKind = 'password' | 'missing-repository' | 'unreachable' | 'locked' | 'failed';

export interface LockHolder {
  pid?: number;
  host?: string;
  /** As restic prints it, e.g. "1.4s" or "2h3m0s". */
  age?: string;
  /** The lock's storage ID as restic prints it (its first 8 characters). */
  id?: string;
}

export class ResticError extends Error {
  constructor(
    message: string,
    readonly kind: ResticErrorKind,
    readonly lock?: LockHolder,
  ) {
    super(message);
  }
}

const UNREACHABLE = /connection refused|no such host|dial tcp|i\/o timeout|network is unreachable|connection reset|TLS handshake|x509:|Host key verification failed|ssh: |exit status 255/i;

export function lockHolder(text: string): LockHolder {
  const who = /locked (?:exclusively )?by PID (\d+) on (\S+)/.exec(text);
  const age = /lock was created at [^(]*\(([^)]+?) ago\)/.exec(text);
  const id = /storage ID ([0-9a-f]+)/.exec(text);
  return { pid: who ? Number(who[1]) : undefined, host: who?.[2], age: age?.[1], ...(id ? { id: id[1] } : {}) };
}

/** The error for a run that failed; `what` names the operation ("Backup", "Check", ...). */
export function resticError(what: string, run: Pick<RunResult, 'code' | 'stderr'>, repository: string, secrets: string[]): ResticError {
  const text = run.stderr.join('\n');
  const repo = redactUrl(repository);
  const fatal = run.stderr.filter((l) => /^Fatal:|error/i.test(l)).pop() ?? run.stderr.filter((l) => l.trim()).pop() ?? `exit code ${run.code}`;
  const detail = redact(fatal.replace(/^Fatal:\s*/, ''), secrets);
  if (run.code === 12 || /wrong password or no key found/.test(text)) {
    return new ResticError(`${what} failed: wrong password for restic repository ${repo}. Run "Set Repository Password…" (or fix the environment's passwordFile / passwordCommand)`, 'password');
  }
  if (run.code === 11 || /repository is already locked|unable to create lock/.test(text)) {
    const h = lockHolder(text);
    const who = [h.host && `host ${h.host}`, h.pid && `PID ${h.pid}`].filter(Boolean).join(', ');
    return new ResticError(
      `${what} failed: restic repository ${repo} is locked${who ? ` by ${who}` : ''}${h.age ? `, lock made ${h.age} ago` : ''}${h.id ? ` (lock ${h.id})` : ''}. It is not a stale lock of a dead process on this machine, so it was left alone: wait for that operation, or run "Unlock Repository…" once you are sure it is gone`,
      'locked',
      h,
    );
  }
  if (UNREACHABLE.test(text)) return new ResticError(`${what} failed: cannot reach restic repository ${repo}: ${detail}`, 'unreachable');
  if (run.code === 10 || /unable to open config file|Is there a repository at the following location\?/.test(text)) {
    return new ResticError(`${what} failed: there is no restic repository at ${repo}. Run "Initialize Repository…" to create it (a scheduled backup never creates one), or fix "repository"`, 'missing-repository');
  }
  return new ResticError(`${what} failed: restic ${run.code === null ? 'was killed' : `exited with code ${run.code}`}: ${detail}`, 'failed');
}
