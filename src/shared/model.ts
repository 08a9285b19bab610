// Types shared by the extension host and the webview. Plain data only: both sides import this
// file, so it must not import anything from either side.

// `init` and `unlock` are restic repository operations, run as tasks like the others.
export const TASK_KINDS = ['backup', 'restore', 'prune', 'verify', 'init', 'unlock'] as const;
export type TaskKind = (typeof TASK_KINDS)[number];

export const TASK_TRIGGERS = ['scheduled', 'manual', 'catch-up'] as const;
export type TaskTrigger = (typeof TASK_TRIGGERS)[number];

export const TASK_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'skipped', 'interrupted'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** Statuses after which a task never changes again. */
export const FINAL_STATUSES: readonly TaskStatus[] = ['succeeded', 'failed', 'cancelled', 'skipped', 'interrupted'];

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface TaskProgress {
  files?: number;
  bytes?: number;
  /** 0..100 when the total is known. */
  percent?: number;
  /** File or step being worked on. */
  current?: string;
  /** Seconds left, when the engine estimates it (restic's status lines). */
  etaSeconds?: number;
  /**
   * Set while a running task is stalled (no progress and no log line for the stall time,
   * `backupScheduler.stallMinutes`): epoch ms of its last sign of life.
   */
  stalledSince?: number;
}

export interface TaskResult {
  archivePath?: string;
  /** restic engine: the full id of the snapshot the backup wrote. */
  snapshotId?: string;
  size?: number;
  fileCount?: number;
  sha256?: string;
  /** Archive engine: SHA-256 of the archive's index (`<archive>.idx`), so a replaced index is not used. */
  indexSha256?: string;
  /** Set when skipIfUnchanged found nothing new: time (epoch ms) of the backup that still holds. */
  unchangedSince?: number;
  /** Hash of the source tree's manifest (paths, sizes, mtimes) for skipIfUnchanged. */
  manifestHash?: string;
  /** Free-form summary line shown in the history table ("3 archives deleted", ...). */
  summary?: string;
  /**
   * Bytes the environment's storage holds after this task, when the engine knows it (the archive
   * engine's prune: the sum of the archives it kept). The overview's "stored size" chart.
   */
  storedSize?: number;
}

export interface TaskRecord {
  id: number;
  envId: string;
  kind: TaskKind;
  trigger: TaskTrigger;
  status: TaskStatus;
  /** All times are epoch milliseconds (UTC). */
  queuedAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  progress: TaskProgress | null;
  result: TaskResult | null;
  error: string | null;
  skipReason: string | null;
  /** Number of warn-level log lines; a succeeded task with warnings is shown as such. */
  warnings: number;
  /** Number of log lines stored for the task (after trimming) and the last sequence number. */
  logCount: number;
  lastSeq: number;
  /** Store revision of the last change to this row (the UI's poll cursor). */
  revision: number;
  /**
   * The task whose run this one belongs to: a verify or prune that follows a backup (started by
   * the chain, or by hand for that backup) names the backup. Null or absent: it starts a run.
   */
  parentId?: number | null;
  /** On a task that starts a run: the run's outcome over all its steps (src/shared/runs.ts). */
  runStatus?: TaskStatus | null;
}

export interface LogLine {
  taskId: number;
  /** 1-based, increasing per task; a trimmed-away range leaves a gap and a marker line. */
  seq: number;
  time: number;
  level: LogLevel;
  text: string;
}

export const SORT_COLUMNS = ['id', 'envId', 'kind', 'trigger', 'status', 'startedAt', 'finishedAt', 'duration', 'size', 'queuedAt'] as const;
export type SortColumn = (typeof SORT_COLUMNS)[number];

export interface TaskFilter {
  envIds?: string[];
  statuses?: TaskStatus[];
  kinds?: TaskKind[];
  triggers?: TaskTrigger[];
  /** Case-insensitive substring of the error, skip reason, result summary or any log line. */
  text?: string;
  /** queuedAt range, epoch ms, inclusive. */
  from?: number;
  to?: number;
}

export interface TaskQuery extends TaskFilter {
  /**
   * One row per run: only tasks that start a run are paged (their follow-ups come along in
   * TaskPage.steps); the status filter and sort use the run's outcome, the kind and text filters
   * match a run when any of its tasks matches.
   */
  runs?: boolean;
  sort?: SortColumn;
  descending?: boolean;
  offset?: number;
  limit?: number;
}

export interface TaskPage {
  rows: TaskRecord[];
  total: number;
  /** With `runs`: the follow-up tasks of the runs in `rows`, by id. */
  steps?: TaskRecord[];
}
