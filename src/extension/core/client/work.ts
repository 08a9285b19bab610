// The work of one storage folder as the command line sees it: the leader's answers over its
// private channel when someone leads (a window or the agent), else the history in tasks.db, read
// into memory and never written (a reader cannot corrupt what the leader owns). Commands that
// change something (run, cancel, restore) need a leader; without one they say how to start one.
import type { LogLine, TaskPage, TaskQuery, TaskRecord } from '../../../shared/model';
import type { BackupRef, RestoreRequest } from '../engines/types';
import type { CommandOutcome } from '../backups';
import { ReplicaStore } from '../leader/replicaStore';
import { checkTaskQuery, READ_METHODS, type LeaderAbout, type StatusReply } from '../leader/readHandlers';
import { LEADER_METHODS } from '../leader/rpc';
import { silentLogger, systemClock } from '../ports';
import { publishedEnvironments } from './publishedEnvironments';
import { LeaderLink, NoLeaderError, readLeader } from './leaderLink';
import { summarize, type EnvironmentSummary } from './summaries';

export interface Work {
  /** Who leads, or undefined: then everything is read from tasks.db. */
  readonly leader: LeaderAbout | undefined;
  /** Without a leader: why nothing can be started, and how to change that. */
  readonly hint?: string;
  status(): Promise<StatusReply | { leader: undefined; running: TaskRecord[]; environments: EnvironmentSummary[] }>;
  environments(): Promise<EnvironmentSummary[]>;
  tasks(q: TaskQuery): Promise<TaskPage>;
  task(id: number): Promise<TaskRecord | undefined>;
  log(id: number, after: number, limit: number): Promise<LogLine[]>;
  listBackups(envId: string): Promise<BackupRef[]>;
  runNow(envId: string): Promise<CommandOutcome>;
  restore(envId: string, req: RestoreRequest): Promise<CommandOutcome>;
  cancel(taskId: number): Promise<boolean>;
  dispose(): void;
}

export const START_HINT = 'no VS Code window or background agent is running the backups for this storage folder; open VS Code, or start the agent with `backup-scheduler agent start`';

/** Connects to the leader of `storageDir` if there is one that answers, else opens the history. */
export async function openWork(storageDir: string, opts: { wasmPath?: string; timeoutMs?: number } = {}): Promise<Work> {
  const files = readLeader(storageDir);
  let unreachable: string | undefined;
  if (files) {
    const link = new LeaderLink(files, opts.timeoutMs);
    try {
      const status = await link.call<StatusReply>(READ_METHODS.status);
      return new LeaderWork(link, status);
    } catch (e) {
      link.dispose();
      // A leader of an older version has no read methods: its history is still readable.
      if (!(e instanceof NoLeaderError) && !/unknown method/.test((e as Error).message)) throw e;
      unreachable = e instanceof NoLeaderError ? e.message : `the process leading the backups (pid ${files.pid}) is of an older version that does not answer the command line; update it, or restart VS Code`;
    }
  }
  return new HistoryWork(storageDir, unreachable ?? START_HINT, await ReplicaStore.open({ dir: storageDir, clock: systemClock, logger: silentLogger, wasmPath: opts.wasmPath, pollMs: 2 ** 31 - 1 }));
}

class LeaderWork implements Work {
  readonly leader: LeaderAbout;
  private first: StatusReply | undefined;
  constructor(private readonly link: LeaderLink, status: StatusReply) {
    this.leader = status.leader;
    this.first = status;
  }
  async status(): Promise<StatusReply> {
    const s = this.first ?? (await this.link.call<StatusReply>(READ_METHODS.status));
    this.first = undefined;
    return s;
  }
  async environments(): Promise<EnvironmentSummary[]> {
    return this.first?.environments ?? this.link.call<EnvironmentSummary[]>(READ_METHODS.environments);
  }
  tasks(q: TaskQuery): Promise<TaskPage> {
    return this.link.call(READ_METHODS.tasks, q);
  }
  async task(id: number): Promise<TaskRecord | undefined> {
    return (await this.link.call<TaskRecord | null>(READ_METHODS.task, { taskId: id })) ?? undefined;
  }
  log(id: number, after: number, limit: number): Promise<LogLine[]> {
    return this.link.call(READ_METHODS.log, { taskId: id, after, limit });
  }
  listBackups(envId: string): Promise<BackupRef[]> {
    return this.link.call(READ_METHODS.listBackups, { envId });
  }
  runNow(envId: string): Promise<CommandOutcome> {
    return this.link.call(LEADER_METHODS.runNow, { envId });
  }
  restore(envId: string, req: RestoreRequest): Promise<CommandOutcome> {
    return this.link.call(LEADER_METHODS.restore, { envId, ...req });
  }
  async cancel(taskId: number): Promise<boolean> {
    return (await this.link.call(LEADER_METHODS.cancel, { taskId })) === true;
  }
  dispose(): void {
    this.link.dispose();
  }
}

class HistoryWork implements Work {
  readonly leader = undefined;
  /** `hint`: why nothing can be started: nobody leads, or the leader did not answer. */
  constructor(private readonly storageDir: string, readonly hint: string, private readonly replica: ReplicaStore) {}

  async status(): Promise<{ leader: undefined; running: TaskRecord[]; environments: EnvironmentSummary[] }> {
    // Nothing runs without a leader: a task the file still shows running was cut off, and the
    // next leader marks it interrupted.
    return { leader: undefined, running: [], environments: await this.environments() };
  }
  async environments(): Promise<EnvironmentSummary[]> {
    const published = publishedEnvironments(this.storageDir);
    if (published) return summarize(published.entries, { reader: this.replica, nextRun: () => undefined });
    // Nobody ever published them: the environments the history knows, by id.
    const ids = [...new Set(this.replica.queryTasks({ sort: 'id', descending: true, limit: 5000 }).rows.map((t) => t.envId))].sort();
    return summarize(
      ids.map((id, index) => ({ index, valid: false as const, id, name: id, errors: [] })),
      { reader: this.replica, nextRun: () => undefined },
    ).map((s) => ({ ...s, valid: true, problem: undefined, origin: 'history' }));
  }
  async tasks(q: TaskQuery): Promise<TaskPage> {
    return this.replica.queryTasks(checkTaskQuery(q));
  }
  async task(id: number): Promise<TaskRecord | undefined> {
    return this.replica.getTask(id);
  }
  async log(id: number, after: number, limit: number): Promise<LogLine[]> {
    return this.replica.logAfter(id, after, limit);
  }
  listBackups(): Promise<BackupRef[]> {
    return Promise.reject(new NoLeaderError(this.hint));
  }
  runNow(): Promise<CommandOutcome> {
    return Promise.reject(new NoLeaderError(this.hint));
  }
  restore(): Promise<CommandOutcome> {
    return Promise.reject(new NoLeaderError(this.hint));
  }
  cancel(): Promise<boolean> {
    return Promise.reject(new NoLeaderError(this.hint));
  }
  dispose(): void {
    this.replica.dispose();
  }
}
