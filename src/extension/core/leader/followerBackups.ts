// Backups as a follower window sees them: tasks and logs from a read-only copy of tasks.db,
// environments from this window's own settings, and every command sent to the leader window.
import type { TaskRecord } from '../../../shared/model';
import { EngineReads, plannedRuns, type Backups, type CommandOutcome } from '../backups';
import { recordedBackup } from '../store/recorded';
import type { EngineRegistry } from '../engines/registry';
import type { BackupEntry, BackupRef, EngineSummary, RepositoryLock, RestoreRequest } from '../engines/types';
import { findEnvironment, trustBlock } from '../environments/lookup';
import type { Environment, EnvironmentEntry } from '../environments/types';
import type { Clock } from '../ports';
import { Emitter, type Disposable } from '../util/emitter';
import type { ReplicaStore } from './replicaStore';
import { LEADER_METHODS } from './rpc';

export interface LeaderCaller {
  call(method: string, params: unknown): Promise<unknown>;
}

export class FollowerBackups implements Backups {
  readonly role = 'follower' as const;
  private entries: EnvironmentEntry[] = [];
  private trusted: boolean;
  private readonly taskChanged = new Emitter<TaskRecord>();
  private readonly envChanged = new Emitter<void>();
  private readonly sub: Disposable;
  private readonly reads: EngineReads;

  constructor(
    readonly reader: ReplicaStore,
    private readonly leader: LeaderCaller,
    private readonly clock: Clock,
    trusted: boolean,
    engines: EngineRegistry,
    private readonly trust: { untrustedFolders?: () => readonly string[]; defaultCwd?: string } = {},
  ) {
    this.trusted = trusted;
    this.reads = new EngineReads(engines, (id) => this.environment(id), (envId, backupId) => recordedBackup(reader, envId, backupId));
    this.sub = reader.onDidChange((c) => {
      for (const t of c.tasks) this.taskChanged.fire(t);
      if (c.removed) this.envChanged.fire(); // views refetch everything
    });
  }

  setEnvironments(entries: EnvironmentEntry[]): void {
    this.entries = entries;
    this.envChanged.fire();
  }

  setTrusted(trusted: boolean): void {
    this.trusted = trusted;
    this.envChanged.fire();
  }

  environments(): EnvironmentEntry[] {
    return this.entries;
  }
  environment(id: string): Environment | undefined {
    return findEnvironment(this.entries, id);
  }
  blockedReason(env: Environment): string | undefined {
    return trustBlock(env, this.trusted, this.trust.untrustedFolders?.(), this.trust.defaultCwd);
  }
  activeTasks(): TaskRecord[] {
    return this.reader.queryTasks({ statuses: ['running', 'queued'], sort: 'id', limit: 100 }).rows;
  }
  busyWith(envId: string): TaskRecord | undefined {
    return this.reader.queryTasks({ envIds: [envId], statuses: ['running', 'queued'], sort: 'id', limit: 1 }).rows[0];
  }
  liveRecord(id: number): TaskRecord | undefined {
    return this.reader.getTask(id);
  }
  nextRuns(envId: string, count: number): number[] {
    const env = this.environment(envId);
    return env && !this.blockedReason(env) ? plannedRuns(env, this.clock.now(), count) : [];
  }
  scheduledIds(): string[] {
    return this.entries.flatMap((e) => (e.valid && e.environment.enabled && !this.blockedReason(e.environment) ? [e.environment.id] : []));
  }
  lastHandled(envId: string): number | undefined {
    const v = Number(this.reader.getState(`scheduler.lastHandled.${envId}`));
    return Number.isFinite(v) && v > 0 ? v : undefined;
  }
  onDidChangeTask(listener: (t: TaskRecord) => void): Disposable {
    return this.taskChanged.event(listener);
  }
  onDidChangeEnvironments(listener: () => void): Disposable {
    return this.envChanged.event(listener);
  }

  // Commands go to the leader; the answer comes back as plain data. After a command that changes
  // the history, the copy is refreshed at once rather than at the next poll.
  async runNow(envId: string): Promise<CommandOutcome> {
    return this.command(LEADER_METHODS.runNow, { envId });
  }
  async retry(taskId: number): Promise<CommandOutcome> {
    return this.command(LEADER_METHODS.retry, { taskId });
  }
  async verify(envId: string, backupId?: string): Promise<CommandOutcome> {
    return this.command(LEADER_METHODS.verify, { envId, backupId });
  }
  async restore(envId: string, req: RestoreRequest): Promise<CommandOutcome> {
    return this.command(LEADER_METHODS.restore, { envId, ...req });
  }
  async initRepository(envId: string): Promise<CommandOutcome> {
    return this.command(LEADER_METHODS.initRepository, { envId });
  }
  async unlockRepository(envId: string, all: boolean): Promise<CommandOutcome> {
    return this.command(LEADER_METHODS.unlockRepository, { envId, all });
  }
  listLocks(envId: string, signal?: AbortSignal): Promise<RepositoryLock[]> {
    return this.reads.listLocks(envId, signal);
  }
  async cancel(taskId: number): Promise<boolean> {
    const r = (await this.leader.call(LEADER_METHODS.cancel, { taskId })) === true;
    await this.reader.refresh();
    return r;
  }
  async clearHistory(filter?: { envIds?: string[] }): Promise<number> {
    const n = Number(await this.leader.call(LEADER_METHODS.clearHistory, { envIds: filter?.envIds }));
    await this.reader.refresh();
    return n;
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

  dispose(): void {
    this.sub.dispose();
    this.taskChanged.dispose();
    this.envChanged.dispose();
  }

  private async command(method: string, params: unknown): Promise<CommandOutcome> {
    const outcome = (await this.leader.call(method, params)) as CommandOutcome;
    // The leader persists within its coalescing window; wait for the copy to show the new task.
    if (outcome && 'taskId' in outcome) await this.waitForTask(outcome.taskId);
    return outcome;
  }

  private async waitForTask(id: number): Promise<void> {
    for (let i = 0; i < 40 && !this.reader.getTask(id); i++) {
      await new Promise((r) => setTimeout(r, 100));
      await this.reader.refresh();
    }
  }
}
