// The core's one front door: it owns the environments, the TaskManager and the Scheduler, and
// turns "run environment X" (from a schedule, a catch-up or the user) into tasks of the right
// kinds. Where does a scheduled run start? `Scheduler` -> `onFire` here -> `startBackup`.
import type { TaskRecord, TaskResult, TaskTrigger } from '../../shared/model';
import { EngineRegistry } from './engines/registry';
import type { RestoreRequest } from './engines/types';
import { backupTaskOf, recordedBackup } from './store/recorded';
import { findEnvironment, trustBlock } from './environments/lookup';
import type { Environment, EnvironmentEntry } from './environments/types';
import type { Clock, Logger } from './ports';
import { Scheduler, type ArmJob } from './scheduler/scheduler';
import type { TaskStore } from './store/taskStore';
import { TaskManager, type StartOutcome, type TaskSpec } from './tasks/taskManager';
import { retryWhileUnreachable } from './engines/unreachable';
import { Emitter } from './util/emitter';

export interface BackupServiceOptions {
  store: TaskStore;
  /** Where each environment's backups are stored and read (archive, restic, ...); default: no secrets, no settings. */
  engines?: EngineRegistry;
  clock: Clock;
  logger: Logger;
  /** Folder commands run in when the environment names none (the first workspace folder). */
  defaultCwd: string | undefined;
  /** False while the workspace is untrusted: workspace-defined command environments are blocked. */
  trusted: boolean;
  /** Folders of untrusted workspaces: a command whose working folder is inside one is blocked (lookup.ts trustBlock). */
  untrustedFolders?: () => readonly string[];
  arm?: ArmJob;
  maxParallel?: number;
  /** A running task silent this long is flagged stalled (TaskManager). */
  stallMs?: () => number;
  /**
   * Runs before a scheduled or catch-up run starts; false stops it. The multi-window leader
   * writes "occurrence handled" to disk here and checks it still leads, so an occurrence is
   * never run again by a window that takes over.
   */
  beforeScheduledRun?: (env: Environment, occurrence: number) => Promise<boolean>;
  /**
   * A catch-up whose destination or repository cannot be reached is tried again after each of
   * these delays before it fails (engines/unreachable.ts). The background agent sets it: its
   * catch-ups start right after a wake, before the network or a disk is back. Default: none.
   */
  catchUpRetryDelaysMs?: readonly number[];
}

export type RunOutcome = StartOutcome | { kind: 'blocked'; reason: string } | { kind: 'unknown'; reason: string };

export class BackupService {
  readonly tasks: TaskManager;
  readonly scheduler: Scheduler;
  private entries: EnvironmentEntry[] = [];
  private trusted: boolean;
  private readonly changedEnvironments = new Emitter<void>();
  readonly onDidChangeEnvironments = this.changedEnvironments.event;

  constructor(private readonly opts: BackupServiceOptions) {
    this.trusted = opts.trusted;
    this.tasks = new TaskManager({ store: opts.store, clock: opts.clock, logger: opts.logger, maxParallel: opts.maxParallel, stallMs: opts.stallMs });
    this.scheduler = new Scheduler({
      clock: opts.clock,
      logger: opts.logger,
      state: opts.store,
      arm: opts.arm,
      onFire: (env, trigger, occurrence) => {
        const go = opts.beforeScheduledRun ? opts.beforeScheduledRun(env, occurrence) : Promise.resolve(true);
        void go.then((ok) => {
          if (!ok) return opts.logger.warn(`${trigger} run of ${env.id} not started: this window no longer leads`);
          const r = this.startBackup(env, trigger, occurrence);
          if (r.kind === 'blocked') opts.logger.warn(`${trigger} run of ${env.id} not started: ${r.reason}`);
        }, (e: Error) => opts.logger.error(`${trigger} run of ${env.id} not started: ${e.message}`));
      },
    });
  }

  /** Marks what a dead host left running as interrupted, then arms the schedules. */
  start(): void {
    this.tasks.recoverInterrupted();
    this.scheduler.start();
  }

  /** Stops arming scheduled runs (a window handing over to the agent); running tasks go on. */
  pauseSchedules(): void {
    this.scheduler.dispose();
    this.scheduler.update(this.runnable()); // remembered, armed again by resumeSchedules()
  }

  resumeSchedules(): void {
    this.scheduler.update(this.runnable());
    this.scheduler.start();
  }

  setEnvironments(entries: EnvironmentEntry[]): void {
    this.entries = entries;
    this.scheduler.update(this.runnable());
    this.changedEnvironments.fire();
  }

  setTrusted(trusted: boolean): void {
    if (trusted === this.trusted) return;
    this.trusted = trusted;
    this.scheduler.update(this.runnable());
    this.changedEnvironments.fire();
  }

  environments(): EnvironmentEntry[] {
    return this.entries;
  }

  environment(id: string): Environment | undefined {
    return findEnvironment(this.entries, id);
  }

  /** Why an environment cannot run at all right now, or undefined. */
  blockedReason(env: Environment): string | undefined {
    return trustBlock(env, this.trusted, this.opts.untrustedFolders?.(), this.opts.defaultCwd);
  }

  runNow(envId: string): RunOutcome {
    const env = this.environment(envId);
    if (!env) return { kind: 'unknown', reason: `no valid environment "${envId}"` };
    return this.startBackup(env, 'manual');
  }

  /** Runs a finished task again: the same kind with a manual trigger. */
  retry(taskId: number): RunOutcome {
    const t = this.opts.store.getTask(taskId);
    if (!t) return { kind: 'unknown', reason: `no task #${taskId}` };
    const env = this.environment(t.envId);
    if (!env) return { kind: 'unknown', reason: `environment "${t.envId}" no longer exists or is invalid` };
    if (t.kind === 'verify') return this.verify(env, t.result?.archivePath ?? t.result?.snapshotId);
    if (t.kind === 'restore') return { kind: 'unknown', reason: 'a restore is retried from "Restore Backup…", which asks for the target again' };
    return this.startBackup(env, 'manual');
  }

  /** Checks one backup (archive engine) or the environment's storage (restic: the repository). */
  verify(env: Environment, backupId: string | undefined, trigger: TaskTrigger = 'manual'): RunOutcome {
    const blocked = this.blockedReason(env);
    if (blocked) return { kind: 'blocked', reason: blocked };
    // A verify of one backup, started by hand, joins that backup's run.
    const made = backupId ? this.backupTaskFor(env.id, backupId) : undefined;
    const expected = made?.result ? { sha256: made.result.sha256, fileCount: made.result.fileCount } : undefined;
    return this.tasks.start({ envId: env.id, kind: 'verify', trigger, parentId: made?.id, work: (ctx) => this.engine(env).verify(ctx, env, { backupId, expected }) });
  }

  restore(env: Environment, req: RestoreRequest): RunOutcome {
    const blocked = this.blockedReason(env);
    if (blocked) return { kind: 'blocked', reason: blocked };
    // The archive engine uses only the index the backup recorded.
    const withRecord: RestoreRequest = { ...req, recorded: req.recorded ?? recordedBackup(this.opts.store, env.id, req.backupId) };
    return this.tasks.start({ envId: env.id, kind: 'restore', trigger: 'manual', work: (ctx) => this.engine(env).restore(ctx, env, withRecord) });
  }

  /** "Initialize Repository…": creates the environment's storage where its engine needs that. */
  initRepository(env: Environment): RunOutcome {
    const blocked = this.blockedReason(env);
    if (blocked) return { kind: 'blocked', reason: blocked };
    const engine = this.engine(env);
    const init = engine.init?.bind(engine);
    if (!init) return { kind: 'unknown', reason: `the ${engine.name} engine has nothing to initialize` };
    return this.tasks.start({ envId: env.id, kind: 'init', trigger: 'manual', work: (ctx) => init(ctx, env) });
  }

  /** "Unlock Repository…": removes provably stale locks, or every lock when the user chose `all`. */
  unlockRepository(env: Environment, all: boolean): RunOutcome {
    const blocked = this.blockedReason(env);
    if (blocked) return { kind: 'blocked', reason: blocked };
    const engine = this.engine(env);
    const unlock = engine.unlock?.bind(engine);
    if (!unlock) return { kind: 'unknown', reason: `the ${engine.name} engine has no locks` };
    return this.tasks.start({ envId: env.id, kind: 'unlock', trigger: 'manual', work: (ctx) => unlock(ctx, env, { all }) });
  }

  /** `occurrence`: the scheduled time this run is for (scheduled and catch-up runs). */
  startBackup(env: Environment, trigger: TaskTrigger, occurrence?: number): RunOutcome {
    const blocked = this.blockedReason(env);
    if (blocked) return { kind: 'blocked', reason: blocked };
    return this.tasks.start(this.backupSpec(env, trigger, occurrence));
  }

  async dispose(): Promise<void> {
    this.scheduler.dispose();
    await this.tasks.dispose();
    this.changedEnvironments.dispose();
  }

  private runnable(): Environment[] {
    return this.entries.flatMap((e) => (e.valid && !this.blockedReason(e.environment) ? [e.environment] : []));
  }

  private engine(env: Environment) {
    this.engines ??= this.opts.engines ?? new EngineRegistry({ clock: this.opts.clock, logger: this.opts.logger, secrets: { get: async () => undefined }, defaultCwd: this.opts.defaultCwd, settings: {} });
    return this.engines.for(env);
  }
  private engines: EngineRegistry | undefined;

  /**
   * What the backup that made `backupId` recorded (hash, file count): without it, a dump cut
   * short or an archive replaced by another readable one would verify as good.
   */
  private backupTaskFor(envId: string, backupId: string): TaskRecord | undefined {
    return backupTaskOf(this.opts.store, envId, backupId);
  }

  private backupSpec(env: Environment, trigger: TaskTrigger, occurrence?: number): TaskSpec {
    const timeoutMs = env.timeoutMinutes ? env.timeoutMinutes * 60_000 : undefined;
    const work: TaskSpec['work'] = async (ctx) => {
      if (occurrence !== undefined) ctx.log('info', `${trigger === 'catch-up' ? 'catch-up for the missed' : 'scheduled'} run of ${new Date(occurrence).toISOString()}`);
      const previous = this.opts.store.lastSucceeded(env.id, 'backup');
      const delays = trigger === 'catch-up' ? this.opts.catchUpRetryDelaysMs : undefined;
      const attempt = () => this.engine(env).backup(ctx, env, {
        trigger,
        // "No changes since" counts from the backup that wrote something, not from the last skip.
        previous: previous?.result?.manifestHash
          ? {
              manifestHash: previous.result.manifestHash,
              finishedAt: previous.result.unchangedSince ?? previous.finishedAt ?? previous.queuedAt,
              archivePath: previous.result.archivePath,
              snapshotId: previous.result.snapshotId,
            }
          : undefined,
      });
      return delays?.length ? retryWhileUnreachable(ctx, delays, attempt) : attempt();
    };
    return { envId: env.id, kind: 'backup', trigger, work, timeoutMs, followUps: (result) => this.followUps(env, trigger, result) };
  }

  /** After a good backup: verify what it wrote (if asked), then apply retention (if set). */
  private followUps(env: Environment, trigger: TaskTrigger, result: TaskResult): TaskSpec[] {
    const out: TaskSpec[] = [];
    const made = result.archivePath ?? result.snapshotId;
    if (!made || result.unchangedSince !== undefined) return out;
    if (env.verify) {
      const expected = { sha256: result.sha256, fileCount: result.fileCount };
      out.push({ envId: env.id, kind: 'verify', trigger, work: (ctx) => this.engine(env).verify(ctx, env, { backupId: made, expected }) });
    }
    if (env.retention && Object.values(env.retention).some((n) => n !== undefined)) {
      out.push({ envId: env.id, kind: 'prune', trigger, work: (ctx) => this.engine(env).prune(ctx, env, { newestGoodId: made }) });
    }
    return out;
  }
}

export function isStarted(o: RunOutcome): o is Extract<StartOutcome, { task: TaskRecord }> {
  return o.kind === 'started' || o.kind === 'queued';
}
