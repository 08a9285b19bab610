// One repository's restic, ready to run: program, credentials and the error mapping. The rest of
// the engine never builds an environment or reads stderr itself.
import type { LogLevel } from '../../../../shared/model';
import { CancelledError } from '../../util/errors';
import type { ResticBinary } from './binary';
import { redact, type ResticCredentials } from './credentials';
import { ResticError, resticError } from './errors';
import { listLocks, provablyStale, unlockIsSafe } from './locks';
import { runRestic, type RunOptions, type RunResult } from './run';

export type LogFn = (level: LogLevel, text: string) => void;

export interface CliRunOptions extends Omit<RunOptions, 'bin' | 'env' | 'args'> {
  /** Exit codes that count as success (backup: 3 = some files unreadable, snapshot written). */
  okCodes?: number[];
  /**
   * Another process holds the repository's lock: wait for it (restic's --retry-lock from 0.16,
   * our own back-off before), and remove the lock only when it is provably stale.
   */
  retryOnLock?: boolean;
  /** Extra variables for this run (TZ for retention). */
  extraEnv?: Record<string, string>;
}

/** Pauses between tries while a live process holds the lock: about 2 minutes in all, then the task fails naming the lock. */
export const LOCK_RETRY_DELAYS_MS = [5_000, 10_000, 20_000, 30_000, 60_000];

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new CancelledError('Waiting for the repository lock'));
    const onAbort = () => {
      clearTimeout(t);
      reject(new CancelledError('Waiting for the repository lock'));
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export class ResticCli {
  constructor(
    readonly bin: ResticBinary,
    private readonly creds: ResticCredentials,
    readonly repository: string,
    private readonly log: LogFn = () => undefined,
    private readonly lockDelaysMs: readonly number[] = LOCK_RETRY_DELAYS_MS,
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
    const waitMs = this.lockDelaysMs.reduce((a, b) => a + b, 0);
    // restic 0.16+ waits for the lock itself; before, we do (below).
    const retryFlag = opts.retryOnLock && this.bin.features.retryLock ? ['--retry-lock', `${Math.ceil(waitMs / 1000)}s`] : [];
    let waits = 0;
    let waited = 0;
    let unlocked = false;
    for (;;) {
      const r = await runRestic({ ...opts, bin: this.bin.path, args: [...args, ...retryFlag], env: { ...this.creds.env, ...opts.extraEnv } });
      if (r.aborted || opts.signal?.aborted) throw new CancelledError(what);
      if (r.code !== null && ok.includes(r.code)) return r;
      const err = resticError(what, r, this.repository, this.creds.secrets);
      if (err.kind === 'password') this.creds.onWrongPassword?.();
      if (err.kind !== 'locked' || !opts.retryOnLock) throw err;
      if (retryFlag.length) throw new ResticError(`${err.message} (waited ${Math.ceil(waitMs / 1000)} s)`, err.kind, err.lock);
      const h = err.lock;
      const who = `${h?.host ? ` by ${h.host}` : ''}${h?.pid ? ` (PID ${h.pid})` : ''}${h?.age ? `, made ${h.age} ago` : ''}`;
      if (!unlocked && h && provablyStale({ hostname: h.host, pid: h.pid })) {
        // restic's unlock would also remove other machines' locks older than 30 minutes.
        const locks = await listLocks(this, opts.signal);
        if (unlockIsSafe(locks, Date.now())) {
          this.log('warn', `Repository is locked${who}: that process is gone from this machine, so its stale lock is removed and the operation tried again`);
          await this.unlock(opts.signal);
          unlocked = true;
          continue;
        }
      }
      if (waits < this.lockDelaysMs.length) {
        const delay = this.lockDelaysMs[waits++];
        this.log('info', `Repository is locked${who}: waiting ${Math.max(1, Math.round(delay / 1000))} s before trying again`);
        await sleep(delay, opts.signal);
        waited += delay;
        continue;
      }
      throw new ResticError(`${err.message} (waited ${Math.round(waited / 1000)} s)`, err.kind, err.lock);
    }
  }

  /**
   * `restic unlock`; without `all` only stale locks go (dead processes on this host, or older
   * than 30 minutes: callers make sure only provably stale ones are there, see locks.ts). `all`
   * (--remove-all) removes every lock: only after the user saw them and confirmed.
   */
  async unlock(signal?: AbortSignal, all = false): Promise<void> {
    const r = await runRestic({ bin: this.bin.path, args: all ? ['unlock', '--remove-all'] : ['unlock'], env: this.creds.env, signal });
    if (r.aborted) throw new CancelledError('Unlock');
    if (r.code !== 0) throw resticError('Unlock', r, this.repository, this.creds.secrets);
    for (const l of r.stderr.concat(r.stdout.toString('utf8').split('\n'))) if (l.trim()) this.log('info', `restic unlock: ${this.redact(l.trim())}`);
  }
}

export { ResticError };
