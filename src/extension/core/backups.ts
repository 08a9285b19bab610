// What the VS Code layer (views, commands, Task Log) sees of the core, in every window. The
// leader window implements it over its own BackupService and tasks.db (LocalBackups, here);
// a follower window implements it over a read-only copy of tasks.db and calls to the leader
// (leader/followerBackups.ts). Commands are asynchronous for that reason.
import type { TaskRecord } from '../../shared/model';
import type { EngineRegistry } from './engines/registry';
import type { BackupEntry, BackupRef, EngineSummary, RecordedBackup, RepositoryLock, RestoreRequest } from './engines/types';
import type { Environment, EnvironmentEntry } from './environments/types';
import { nextRuns } from './scheduler/cron';
import type { BackupService, RunOutcome } from './service';
import { recordedBackup } from './store/recorded';
import type { TaskStore } from './store/taskStore';
import type { Disposable } from './util/emitter';

export type TaskReader = Pick<TaskStore, 'queryTasks' | 'searchTasks' | 'getTask' | 'lastSucceeded' | 'logAfter' | 'changesSince' | 'recentRuns'>;

/** A command's answer, plain data so it can cross from the leader to a follower. */
export type CommandOutcome =
  | { kind: 'started' | 'queued'; taskId: number }
  | { kind: 'busy'; busyWithId: number; message: string }
  | { kind: 'blocked' | 'unknown'; message: string };

export interface Backups {
  readonly role: 'leader' | 'follower';
  readonly reader: TaskReader;
  environments(): EnvironmentEntry[];
  environment(id: string): Environment | undefined;
  blockedReason(env: Environment): string | undefined;
  /** Running and queued tasks, with live progress where this window has it. */
  activeTasks(): TaskRecord[];
  busyWith(envId: string): TaskRecord | undefined;
  liveRecord(id: number): TaskRecord | undefined;
  nextRuns(envId: string, count: number): number[];
  scheduledIds(): string[];
  lastHandled(envId: string): number | undefined;
  onDidChangeTask(listener: (t: TaskRecord) => void): Disposable;
  onDidChangeEnvironments(listener: () => void): Disposable;
  runNow(envId: string): Promise<CommandOutcome>;
  retry(taskId: number): Promise<CommandOutcome>;
  /** Verify one backup (archive engine), or the environment's storage when `backupId` is absent. */
  verify(envId: string, backupId?: string): Promise<CommandOutcome>;
  restore(envId: string, req: RestoreRequest): Promise<CommandOutcome>;
  /** Creates the environment's storage (restic: `init`), as a task. */
  initRepository(envId: string): Promise<CommandOutcome>;
  /** Removes the storage's provably stale locks, or all of them (`all`), as a task. */
  unlockRepository(envId: string, all: boolean): Promise<CommandOutcome>;
  /** The locks in the environment's storage (read in this window, like listings). */
  listLocks(envId: string, signal?: AbortSignal): Promise<RepositoryLock[]>;
  cancel(taskId: number): Promise<boolean>;
  clearHistory(filter?: { envIds?: string[] }): Promise<number>;
  // The read side runs in every window itself (through the engines), not through the leader:
  // reading a backup changes nothing and needs no coordination.
  // A signal, when given, is carried down to the engine's process (closing a picker kills restic).
  /** The environment's backups, newest first. */
  listBackups(envId: string, signal?: AbortSignal): Promise<BackupRef[]>;
  listFiles(envId: string, backupId: string, signal?: AbortSignal): Promise<BackupEntry[]>;
  /** Whether the environment's engine lists one folder at a time (listFolder, statEntry) or whole backups only. */
  listsFolders(envId: string): boolean;
  listFolder(envId: string, backupId: string, dir: string, signal?: AbortSignal): Promise<BackupEntry[]>;
  statEntry(envId: string, backupId: string, path: string, signal?: AbortSignal): Promise<BackupEntry | undefined>;
  readFile(envId: string, backupId: string, path: string, signal?: AbortSignal): Promise<Uint8Array>;
  summary(envId: string): Promise<EngineSummary | undefined>;
}

/** The read side of Backups over the engines, shared by the leader's and a follower's implementation. */
export class EngineReads {
  constructor(
    private readonly engines: EngineRegistry,
    private readonly lookup: (envId: string) => Environment | undefined,
    /** What the history recorded about a backup: the archive engine reads only through the recorded index. */
    private readonly recorded: (envId: string, backupId: string) => RecordedBackup | undefined = () => undefined,
  ) {}

  private env(envId: string): Environment {
    const env = this.lookup(envId);
    if (!env) throw new Error(`no valid environment "${envId}"`);
    return env;
  }
  listBackups(envId: string, signal?: AbortSignal): Promise<BackupRef[]> {
    const env = this.env(envId);
    return this.engines.for(env).listBackups(env, signal);
  }
  listFiles(envId: string, backupId: string, signal?: AbortSignal): Promise<BackupEntry[]> {
    const env = this.env(envId);
    return this.engines.for(env).listFiles(env, backupId, signal, this.recorded(envId, backupId));
  }
  listsFolders(envId: string): boolean {
    const env = this.lookup(envId);
    if (!env) return false;
    const engine = this.engines.for(env);
    return typeof engine.listFolder === 'function' && typeof engine.statEntry === 'function';
  }
  async listFolder(envId: string, backupId: string, dir: string, signal?: AbortSignal): Promise<BackupEntry[]> {
    const env = this.env(envId);
    const engine = this.engines.for(env);
    if (!engine.listFolder) throw new Error(`the ${engine.name} engine lists whole backups only`);
    return engine.listFolder(env, backupId, dir, signal);
  }
  async statEntry(envId: string, backupId: string, path: string, signal?: AbortSignal): Promise<BackupEntry | undefined> {
    const env = this.env(envId);
    const engine = this.engines.for(env);
    if (!engine.statEntry) throw new Error(`the ${engine.name} engine lists whole backups only`);
    return engine.statEntry(env, backupId, path, signal);
  }
  readFile(envId: string, backupId: string, path: string, signal?: AbortSignal): Promise<Uint8Array> {
    const env = this.env(envId);
    return this.engines.for(env).readFile(env, backupId, path, signal, this.recorded(envId, backupId));
  }
  async listLocks(envId: string, signal?: AbortSignal): Promise<RepositoryLock[]> {
    const env = this.env(envId);
    const engine = this.engines.for(env);
    return engine.locks ? engine.locks(env, signal) : [];
  }
  async summary(envId: string): Promise<EngineSummary | undefined> {
    const env = this.lookup(envId);
    return env ? this.engines.for(env).summary(env) : undefined;
  }
}

export function toCommandOutcome(o: RunOutcome, envId: string): CommandOutcome {
  switch (o.kind) {
    case 'started':
    case 'queued':
      return { kind: o.kind, taskId: o.task.id };
    case 'busy':
      return { kind: 'busy', busyWithId: o.busyWith.id, message: `${envId} is busy with task #${o.busyWith.id} (${o.busyWith.kind}); nothing was started` };
    default:
      return { kind: o.kind, message: o.reason };
  }
}

/** The leader's view: everything answered from this host's own service and store. */
export class LocalBackups implements Backups {
  readonly role = 'leader' as const;
  private readonly reads: EngineReads;
  constructor(readonly service: BackupService, readonly store: TaskStore, engines: EngineRegistry) {
    this.reads = new EngineReads(engines, (id) => service.environment(id), (envId, backupId) => recordedBackup(store, envId, backupId));
  }

  get reader(): TaskReader {
    return this.store;
  }
  environments(): EnvironmentEntry[] {
    return this.service.environments();
  }
  environment(id: string): Environment | undefined {
    return this.service.environment(id);
  }
  blockedReason(env: Environment): string | undefined {
    return this.service.blockedReason(env);
  }
  activeTasks(): TaskRecord[] {
    return this.service.tasks.activeTasks();
  }
  busyWith(envId: string): TaskRecord | undefined {
    return this.service.tasks.busyWith(envId);
  }
  liveRecord(id: number): TaskRecord | undefined {
    return this.service.tasks.liveRecord(id);
  }
  nextRuns(envId: string, count: number): number[] {
    return this.service.scheduler.nextRuns(envId, count);
  }
  scheduledIds(): string[] {
    return this.service.scheduler.scheduledIds();
  }
  lastHandled(envId: string): number | undefined {
    return this.service.scheduler.lastHandled(envId);
  }
  onDidChangeTask(listener: (t: TaskRecord) => void): Disposable {
    return this.service.tasks.onDidChangeTask(listener);
  }
  onDidChangeEnvironments(listener: () => void): Disposable {
    return this.service.onDidChangeEnvironments(listener);
  }
  async runNow(envId: string): Promise<CommandOutcome> {
    return toCommandOutcome(this.service.runNow(envId), envId);
  }
  async retry(taskId: number): Promise<CommandOutcome> {
    return toCommandOutcome(this.service.retry(taskId), this.store.getTask(taskId)?.envId ?? '?');
  }
  async verify(envId: string, backupId?: string): Promise<CommandOutcome> {
    const env = this.service.environment(envId);
    if (!env) return { kind: 'unknown', message: `no valid environment "${envId}"` };
    return toCommandOutcome(this.service.verify(env, backupId), envId);
  }
  async restore(envId: string, req: RestoreRequest): Promise<CommandOutcome> {
    const env = this.service.environment(envId);
    if (!env) return { kind: 'unknown', message: `no valid environment "${envId}"` };
    return toCommandOutcome(this.service.restore(env, req), envId);
  }
  async initRepository(envId: string): Promise<CommandOutcome> {
    const env = this.service.environment(envId);
    if (!env) return { kind: 'unknown', message: `no valid environment "${envId}"` };
    return toCommandOutcome(this.service.initRepository(env), envId);
  }
  async unlockRepository(envId: string, all: boolean): Promise<CommandOutcome> {
    const env = this.service.environment(envId);
    if (!env) return { kind: 'unknown', message: `no valid environment "${envId}"` };
    return toCommandOutcome(this.service.unlockRepository(env, all), envId);
  }
  listLocks(envId: string, signal?: AbortSignal): Promise<RepositoryLock[]> {
    return this.reads.listLocks(envId, signal);
  }
  async cancel(taskId: number): Promise<boolean> {
    return this.service.tasks.cancel(taskId);
  }
  async clearHistory(filter?: { envIds?: string[] }): Promise<number> {
    return this.store.clearHistory(filter);
  }
  listBackups(envId: string, signal?: AbortSignal): Promise<BackupRef[]> {
    return this.reads.listBackups(envId, signal);
  }
  listFiles(envId: string, backupId: string, signal?: AbortSignal): Promise<BackupEntry[]> {
    return this.reads.listFiles(envId, backupId, signal);
  }
  listsFolders(envId: string): boolean {
    return this.reads.listsFolders(envId);
  }
  listFolder(envId: string, backupId: string, dir: string, signal?: AbortSignal): Promise<BackupEntry[]> {
    return this.reads.listFolder(envId, backupId, dir, signal);
  }
  statEntry(envId: string, backupId: string, path: string, signal?: AbortSignal): Promise<BackupEntry | undefined> {
    return this.reads.statEntry(envId, backupId, path, signal);
  }
  readFile(envId: string, backupId: string, path: string, signal?: AbortSignal): Promise<Uint8Array> {
    return this.reads.readFile(envId, backupId, path, signal);
  }
  summary(envId: string): Promise<EngineSummary | undefined> {
    return this.reads.summary(envId);
  }
}

/** Next runs computed from the cron text alone: what a follower shows without a scheduler. */
export function plannedRuns(env: Environment, now: number, count: number): number[] {
  return env.enabled ? nextRuns(env.schedule, env.timezone, now, count) : [];
}
