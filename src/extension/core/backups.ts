// What the VS Code layer (views, commands, Task Log) sees of the core, in every window. The
// leader window implements it over its own BackupService and tasks.db (LocalBackups, here);
// a follower window implements it over a read-only copy of tasks.db and calls to the leader
// (leader/followerBackups.ts). Commands are asynchronous for that reason.
import type { TaskRecord } from '../../shared/model';
import type { ArchiveInfo } from './backup';
import { listArchives } from './backup';
import type { Environment, EnvironmentEntry } from './environments/types';
import { nextRuns } from './scheduler/cron';
import type { BackupService, RunOutcome } from './service';
import type { TaskStore } from './store/taskStore';
import type { Disposable } from './util/emitter';

export type TaskReader = Pick<TaskStore, 'queryTasks' | 'getTask' | 'lastSucceeded' | 'logAfter' | 'changesSince'>;

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
  verify(envId: string, archivePath: string): Promise<CommandOutcome>;
  restore(envId: string, archivePath: string, target: string, overwrite: boolean): Promise<CommandOutcome>;
  cancel(taskId: number): Promise<boolean>;
  clearHistory(filter?: { envIds?: string[] }): Promise<number>;
  listArchives(envId: string): Promise<ArchiveInfo[]>;
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
  constructor(readonly service: BackupService, readonly store: TaskStore) {}

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
  async verify(envId: string, archivePath: string): Promise<CommandOutcome> {
    const env = this.service.environment(envId);
    if (!env) return { kind: 'unknown', message: `no valid environment "${envId}"` };
    return toCommandOutcome(this.service.verify(env, archivePath), envId);
  }
  async restore(envId: string, archivePath: string, target: string, overwrite: boolean): Promise<CommandOutcome> {
    const env = this.service.environment(envId);
    if (!env) return { kind: 'unknown', message: `no valid environment "${envId}"` };
    return toCommandOutcome(this.service.restore(env, archivePath, target, overwrite), envId);
  }
  async cancel(taskId: number): Promise<boolean> {
    return this.service.tasks.cancel(taskId);
  }
  async clearHistory(filter?: { envIds?: string[] }): Promise<number> {
    return this.store.clearHistory(filter);
  }
  async listArchives(envId: string): Promise<ArchiveInfo[]> {
    const env = this.service.environment(envId);
    return env ? listArchives(env.destination, env.id) : [];
  }
}

/** Next runs computed from the cron text alone: what a follower shows without a scheduler. */
export function plannedRuns(env: Environment, now: number, count: number): number[] {
  return env.enabled ? nextRuns(env.schedule, env.timezone, now, count) : [];
}
