// The restic engine: snapshots in a restic repository (SPEC "Engines"). Each operation finds
// restic, builds the run's credentials, and takes our per-repository lock: backups share it,
// prune/check/unlock/init hold it alone.
import type { TaskResult } from '../../../../shared/model';
import type { Environment } from '../../environments/types';
import type { TaskContext } from '../../ports';
import type { BackupEntry, BackupRef, BackupRequest, Engine, EngineDeps, EngineSummary, PruneRequest, RepositoryLock, RestoreRequest, VerifyRequest } from '../types';
import { backupCommand, backupFolder, localRepositoryPath } from './backup';
import { ResticLocator, versionText } from './binary';
import { listFiles, listFolder, listSnapshots, readFile, repositorySize, snapshotArg, statEntry } from './browse';
import { LOCK_RETRY_DELAYS_MS, ResticCli, type LogFn } from './cli';
import { listLocks, provablyStale, unlockIsSafe } from './locks';
import { credentialsFor, redactUrl, repositoryOf } from './credentials';
import { check, init, prune } from './maintenance';
import { formatBytes } from '../../util/format';
import { withRepositoryLock } from './repoLock';
import { PasswordKeeper } from './passwordCommand';
import { restoreSnapshot } from './restore';
import { ourHost } from './tags';

// A tooltip asks often; each answer costs restic processes (seconds on a busy machine).
const SIZE_CACHE_MS = 10 * 60_000;
const COUNT_CACHE_MS = 60_000;
/** Snapshot ids found to be an environment's own, remembered (a snapshot's tags and host never change). */
const OWNED_KEEP = 1000;

export class ResticEngine implements Engine {
  readonly name = 'restic' as const;
  private readonly sizes = new Map<string, { at: number; bytes: number }>();
  private readonly counts = new Map<string, { at: number; count: number }>();
  private readonly owned = new Map<string, string>();
  private readonly summaries = new Map<string, Promise<EngineSummary>>();
  private readonly passwords: PasswordKeeper;

  constructor(
    private readonly deps: EngineDeps,
    private readonly locator = new ResticLocator(),
    /** Pauses while another process holds a repository's lock (tests make them short). */
    private readonly lockDelaysMs: readonly number[] = LOCK_RETRY_DELAYS_MS,
  ) {
    this.passwords = new PasswordKeeper(() => deps.clock.monotonic());
  }

  private async cli(env: Environment, log?: LogFn): Promise<ResticCli> {
    const bin = await this.locator.locate(this.deps.settings.resticPath || undefined);
    const creds = await credentialsFor(env, this.deps.secrets, process.env, this.passwords);
    return new ResticCli(bin, creds, repositoryOf(env), log, this.lockDelaysMs);
  }

  /** One lock per repository, however it is spelled in different environments. */
  private lockKey(env: Environment): string {
    const repo = repositoryOf(env);
    return localRepositoryPath(repo) ?? repo;
  }

  private locked<T>(ctx: TaskContext, env: Environment, exclusive: boolean, fn: () => Promise<T>): Promise<T> {
    return withRepositoryLock(this.lockKey(env), exclusive, fn, {
      signal: ctx.signal,
      onWait: () => ctx.log('info', `Waiting for ${exclusive ? 'other operations on' : 'a prune or check of'} repository ${redactUrl(repositoryOf(env))} to finish`),
    });
  }

  private async start(ctx: TaskContext, env: Environment): Promise<ResticCli> {
    const cli = await this.cli(env, ctx.log.bind(ctx));
    ctx.log('debug', `restic ${versionText(cli.bin.version)} (${cli.bin.path}), repository ${redactUrl(cli.repository)}`);
    return cli;
  }

  async backup(ctx: TaskContext, env: Environment, req: BackupRequest): Promise<TaskResult> {
    const cli = await this.start(ctx, env);
    const lock = <T>(fn: () => Promise<T>) => this.locked(ctx, env, false, fn);
    const result =
      env.type === 'command'
        ? await backupCommand(ctx, cli, env, req, { cwd: env.source ?? this.deps.defaultCwd ?? process.cwd(), lock })
        : await backupFolder(ctx, cli, env, req, lock);
    if (result.unchangedSince === undefined) this.forget(env);
    return result;
  }

  /** Cached facts about the repository that an operation just changed. */
  private forget(env: Environment): void {
    const key = this.lockKey(env);
    this.sizes.delete(key);
    this.counts.delete(`${key}\0${env.id}`);
  }

  async verify(ctx: TaskContext, env: Environment, _req: VerifyRequest): Promise<TaskResult> {
    const cli = await this.start(ctx, env);
    return this.locked(ctx, env, true, () => check(ctx, cli, env));
  }

  async prune(ctx: TaskContext, env: Environment, req: PruneRequest): Promise<TaskResult> {
    const cli = await this.start(ctx, env);
    const r = await this.locked(ctx, env, true, () => prune(ctx, cli, env, req));
    this.forget(env);
    // The repository's size after the prune is the overview's "stored size" point for this run
    // (as the archive engine's prune records what its destination holds). A size that cannot be
    // read leaves the point out; it never fails a prune that worked.
    try {
      const bytes = await repositorySize(cli, ctx.signal);
      if (bytes !== undefined) {
        r.storedSize = bytes;
        this.sizes.set(this.lockKey(env), { at: this.deps.clock.monotonic(), bytes });
        ctx.log('info', `repository size after prune: ${formatBytes(bytes)}`);
      }
    } catch (e) {
      if (ctx.signal.aborted) throw e;
      ctx.log('warn', `repository size not read: ${e instanceof Error ? e.message : String(e)}`);
    }
    return r;
  }

  async restore(ctx: TaskContext, env: Environment, req: RestoreRequest): Promise<TaskResult> {
    const cli = await this.start(ctx, env);
    const backupId = await this.own(cli, env, req.backupId, ctx.signal);
    return this.locked(ctx, env, false, () => restoreSnapshot(ctx, cli, { ...req, backupId }));
  }

  /**
   * The full id of `id` when it is one of this environment's snapshots made on this machine (the
   * ones listBackups shows); otherwise an error. A `backup:` URI can name any id of the
   * repository: another environment's or another machine's snapshots are not this one's to open,
   * as the archive engine opens only its environment's archives.
   */
  private async own(cli: ResticCli, env: Environment, id: string, signal?: AbortSignal): Promise<string> {
    snapshotArg(id);
    const key = `${this.lockKey(env)}\0${env.id}\0${id}`;
    const known = this.owned.get(key);
    if (known) return known;
    const found = (await listSnapshots(cli, env, signal)).find((s) => s.id === id || (id.length >= 8 && s.id.startsWith(id)));
    if (!found) throw new Error(`Snapshot ${id} is not a backup of ${env.name} made on this machine (${ourHost()}) in restic repository ${redactUrl(cli.repository)}`);
    this.owned.set(key, found.id);
    if (this.owned.size > OWNED_KEEP) this.owned.delete(this.owned.keys().next().value as string);
    return found.id;
  }

  /** "Initialize Repository…": creates the repository (a scheduled backup never does). */
  async init(ctx: TaskContext, env: Environment): Promise<TaskResult> {
    const cli = await this.start(ctx, env);
    return this.locked(ctx, env, true, () => init(ctx, cli));
  }

  async locks(env: Environment, signal?: AbortSignal): Promise<RepositoryLock[]> {
    const locks = await listLocks(await this.cli(env), signal);
    return locks.map((l) => ({ id: l.id, exclusive: l.exclusive, time: l.time, host: l.hostname, user: l.username, pid: l.pid, stale: provablyStale(l) }));
  }

  /**
   * "Unlock Repository…", after the user saw the locks: without `all`, restic's unlock when every
   * lock it would take is provably stale (locks.ts), else nothing; with `all`, --remove-all.
   */
  async unlock(ctx: TaskContext, env: Environment, opts: { all: boolean } = { all: false }): Promise<TaskResult> {
    const cli = await this.start(ctx, env);
    return this.locked(ctx, env, true, async () => {
      const before = await listLocks(cli, ctx.signal);
      for (const l of before) ctx.log('info', `lock ${l.id.slice(0, 8)}: ${l.exclusive ? 'exclusive' : 'shared'}, host ${l.hostname ?? '?'}, PID ${l.pid ?? '?'}${provablyStale(l) ? ' (stale: that process is gone)' : ''}`);
      if (!opts.all) {
        const live = before.filter((l) => !provablyStale(l)).length;
        if (live === before.length) return { summary: before.length ? `no stale lock; ${live} lock${live === 1 ? '' : 's'} of running or other machines' processes left alone` : 'no locks' };
        if (!unlockIsSafe(before, Date.now())) {
          ctx.log('warn', `restic's unlock would also remove locks older than 30 minutes that may belong to running processes on other machines, so nothing was removed`);
          return { summary: `nothing removed: ${live} lock${live === 1 ? '' : 's'} may be live` };
        }
      }
      if (before.length === 0) return { summary: 'no locks' };
      await cli.unlock(ctx.signal, opts.all);
      const after = await listLocks(cli, ctx.signal);
      const removed = before.filter((l) => !after.some((a) => a.id === l.id)).length;
      return { summary: `${removed} lock${removed === 1 ? '' : 's'} removed${after.length ? `, ${after.length} left` : ''}` };
    });
  }

  async listBackups(env: Environment, signal?: AbortSignal): Promise<BackupRef[]> {
    return listSnapshots(await this.cli(env), env, signal);
  }

  async listFiles(env: Environment, backupId: string, signal?: AbortSignal): Promise<BackupEntry[]> {
    const cli = await this.cli(env);
    return listFiles(cli, await this.own(cli, env, backupId, signal), signal);
  }

  async listFolder(env: Environment, backupId: string, dir: string, signal?: AbortSignal): Promise<BackupEntry[]> {
    const cli = await this.cli(env);
    return listFolder(cli, await this.own(cli, env, backupId, signal), dir, signal);
  }

  async statEntry(env: Environment, backupId: string, path: string, signal?: AbortSignal): Promise<BackupEntry | undefined> {
    const cli = await this.cli(env);
    return statEntry(cli, await this.own(cli, env, backupId, signal), path, signal);
  }

  async readFile(env: Environment, backupId: string, path: string, signal?: AbortSignal): Promise<Uint8Array> {
    const cli = await this.cli(env);
    return readFile(cli, await this.own(cli, env, backupId, signal), path, signal);
  }

  /**
   * Snapshot count and repository size; the size (a slow `stats`) is cached for a while, and
   * hovers asking while one is being found wait for it instead of starting restic again.
   */
  summary(env: Environment, signal?: AbortSignal): Promise<EngineSummary> {
    const key = `${this.lockKey(env)}\0${env.id}`;
    let p = this.summaries.get(key);
    if (!p) {
      p = this.findSummary(env, signal).finally(() => this.summaries.delete(key));
      this.summaries.set(key, p);
    }
    return p;
  }

  private async findSummary(env: Environment, signal?: AbortSignal): Promise<EngineSummary> {
    const out: EngineSummary = { location: redactUrl(repositoryOf(env)) };
    try {
      const cli = await this.cli(env);
      const key = this.lockKey(env);
      const counted = this.counts.get(`${key}\0${env.id}`);
      if (counted && this.deps.clock.monotonic() - counted.at < COUNT_CACHE_MS) out.backupCount = counted.count;
      else {
        out.backupCount = (await listSnapshots(cli, env, signal)).length;
        this.counts.set(`${key}\0${env.id}`, { at: this.deps.clock.monotonic(), count: out.backupCount });
      }
      const cached = this.sizes.get(key);
      if (cached && this.deps.clock.monotonic() - cached.at < SIZE_CACHE_MS) out.storedBytes = cached.bytes;
      else {
        const bytes = await repositorySize(cli, signal);
        if (bytes !== undefined) {
          this.sizes.set(key, { at: this.deps.clock.monotonic(), bytes });
          out.storedBytes = bytes;
        }
      }
    } catch (e) {
      this.deps.logger.debug(`restic summary of ${out.location}: ${e instanceof Error ? e.message : String(e)}`);
    }
    return out;
  }
}
