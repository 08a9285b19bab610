// One repository's restic, ready to run: program, credentials and the error mapping. The rest of
// the engine never builds an environment or reads stderr itself.
import type { LogLevel } from '../../../../shared/model';
import { CancelledError } from '../../util/errors';
import type { ResticBinary } from './binary';
import { redact, type ResticCredentials } from './credentials';
import { ResticError, resticError } from './errors';
import { runRestic, type RunOptions, type RunResult } from './run';

export type LogFn = (level: LogLevel, text: string) => void;

export interface CliRunOptions extends Omit<RunOptions, 'bin' | 'env' | 'args'> {
  /** Exit codes that count as success (backup: 3 = some files unreadable, snapshot written). */
  okCodes?: number[];
  /** After a lock failure: `unlock` (stale locks only) and one more try. */
  retryOnLock?: boolean;
  /** Extra variables for this run (TZ for retention). */
  extraEnv?: Record<string, string>;
}

export class ResticCli {
  constructor(
    readonly bin: ResticBinary,
    private readonly creds: ResticCredentials,
    readonly repository: string,
    private readonly log: LogFn = () => undefined,
  ) {}

  redact(text: string): string {
    return redact(text, this.creds.secrets);
  }

  get secrets(): string[] {
    return this.creds.secrets;
  }

  /** A variable of the runs' environment (RESTIC_CACHE_DIR, XDG_CACHE_HOME ...); never a secret's name. */
  variable(name: string): string | undefined {
    return name.startsWith('RESTIC_PASSWORD') ? undefined : this.creds.env[name];
  }

  /** Runs `restic <args>`; a failure throws a ResticError (a CancelledError after a cancel). */
  async run(what: string, args: string[], opts: CliRunOptions = {}): Promise<RunResult> {
    const ok = [0, ...(opts.okCodes ?? [])];
    for (let attempt = 0; ; attempt++) {
      const r = await runRestic({ ...opts, bin: this.bin.path, args, env: { ...this.creds.env, ...opts.extraEnv } });
      if (r.aborted || opts.signal?.aborted) throw new CancelledError(what);
      if (r.code !== null && ok.includes(r.code)) return r;
      const err = resticError(what, r, this.repository, this.creds.secrets);
      if (err.kind === 'password') this.creds.onWrongPassword?.();
      if (err.kind === 'locked' && opts.retryOnLock && attempt === 0) {
        const h = err.lock;
        this.log('warn', `Repository is locked${h?.host ? ` by ${h.host}` : ''}${h?.pid ? ` (PID ${h.pid})` : ''}${h?.age ? `, ${h.age} ago` : ''}: removing stale locks and trying once more`);
        await this.unlock(opts.signal);
        continue;
      }
      throw err;
    }
  }

  /**
   * `restic unlock` without --remove-all: only locks of dead processes on this host (or older
   * than 30 minutes) go, so it is safe while our own operations on the repository run.
   */
  async unlock(signal?: AbortSignal): Promise<void> {
    const r = await runRestic({ bin: this.bin.path, args: ['unlock'], env: this.creds.env, signal });
    if (r.aborted) throw new CancelledError('Unlock');
    if (r.code !== 0) throw resticError('Unlock', r, this.repository, this.creds.secrets);
    for (const l of r.stderr.concat(r.stdout.toString('utf8').split('\n'))) if (l.trim()) this.log('info', `restic unlock: ${this.redact(l.trim())}`);
  }
}

export { ResticError };
