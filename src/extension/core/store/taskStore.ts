// The contract of tasks.db as the rest of the core sees it. Implemented over sql.js in sqlStore.ts.
import type { LogLevel, LogLine, TaskKind, TaskPage, TaskProgress, TaskQuery, TaskRecord, TaskResult, TaskStatus, TaskTrigger } from '../../../shared/model';

export interface NewTask {
  envId: string;
  kind: TaskKind;
  trigger: TaskTrigger;
  status: TaskStatus;
  queuedAt: number;
  startedAt?: number | null;
  finishedAt?: number | null;
  skipReason?: string | null;
  error?: string | null;
  /** The task whose run this one joins (a backup's verify or prune). */
  parentId?: number | null;
}

export interface TaskPatch {
  status?: TaskStatus;
  startedAt?: number | null;
  finishedAt?: number | null;
  progress?: TaskProgress | null;
  result?: TaskResult | null;
  error?: string | null;
  skipReason?: string | null;
}

export interface RunRows {
  head: TaskRecord;
  steps: TaskRecord[];
}

export interface ChangeSet {
  /** Pass this back as the cursor next time. */
  revision: number;
  /** Rows created or changed after the given cursor, by id ascending. */
  tasks: TaskRecord[];
  /** True when rows were deleted (pruned or cleared) after the cursor: the reader should refetch. */
  removed: boolean;
}

export interface HistoryBounds {
  maxAgeDays: number;
  maxTasks: number;
  maxLinesPerTask: number;
  /**
   * Characters of log text across all tasks (default 4 million: a file of about 8 MB). Past it,
   * the logs of the oldest finished tasks are cut to their first and last lines. This bounds the
   * size of tasks.db, and so the pause of each save: maxTasks x maxLinesPerTask alone allows
   * 10 million lines.
   */
  maxTotalLogChars?: number;
}

export interface TaskStore {
  createTask(task: NewTask): TaskRecord;
  updateTask(id: number, patch: TaskPatch): TaskRecord;
  appendLog(taskId: number, level: LogLevel, text: string, time: number): void;
  getTask(id: number): TaskRecord | undefined;
  queryTasks(query: TaskQuery): TaskPage;
  /**
   * queryTasks for a caller that can wait: a text filter (a scan of every summary and log line)
   * may run off the caller's thread (the extension host's store worker). Same answer.
   */
  searchTasks(query: TaskQuery): Promise<TaskPage>;
  /** Log lines with seq > afterSeq, ascending, at most `limit`. */
  logAfter(taskId: number, afterSeq: number, limit: number): LogLine[];
  changesSince(revision: number): ChangeSet;
  /**
   * The newest `limit` backup runs of an environment, newest first, each with its follow-ups:
   * what the Task Log's overview draws. Indexed (tasks_env, tasks_runs): cost independent of the
   * size of the history.
   */
  recentRuns(envId: string, limit: number): RunRows[];
  /** Last good (succeeded) backup of an environment, newest first. */
  lastSucceeded(envId: string, kind: TaskKind): TaskRecord | undefined;
  /** Tasks still `queued` or `running` (what a crash left behind), turned `interrupted`; returns them. */
  interruptUnfinished(now: number): TaskRecord[];
  getState(key: string): string | undefined;
  setState(key: string, value: string): void;
  /** Applies the history bounds now (also done on its own after writes). */
  applyBounds(now: number): void;
  setBounds(bounds: HistoryBounds): void;
  /** Deletes finished tasks matching the filter (all finished when omitted) as they are now; returns how many. */
  clearHistory(filter?: { envIds?: string[]; before?: number }): Promise<number>;
  /** Writes pending changes to disk now. */
  flush(): Promise<void>;
  /** Flushes and closes. */
  dispose(): Promise<void>;
}
