// What the Task Log's overview shows per environment, as the host sends it. Plain data: times are
// epoch ms and the webview words them against its own clock, so "3 h ago" stays true between
// replies without the host resending anything.
import type { TaskKind, TaskStatus, TaskTrigger } from './model';

/** Runs per environment in the strip and the sparklines. */
export const OVERVIEW_RUNS = 30;

export interface OverviewRun {
  /** The run's first task (the backup): clicking the strip opens it. */
  id: number;
  status: TaskStatus;
  /** The step that decided a bad outcome, when it is not the backup itself. */
  worstKind?: TaskKind;
  trigger: TaskTrigger;
  queuedAt: number;
  startedAt: number | null;
  /** End of the run's last step (null while it runs). */
  finishedAt: number | null;
  /** Backup start to last step end, ms. */
  duration?: number;
  /** Bytes the backup added (archive size, restic's data_added); 0 when nothing had changed. */
  added?: number;
  /** Bytes the storage held after the run, when a step recorded it (the archive engine's prune). */
  stored?: number;
}

export interface EnvOverview {
  id: string;
  name: string;
  engine: 'archive' | 'restic';
  schedule: string;
  /** The schedule in words ("Every hour"). */
  scheduleText: string;
  enabled: boolean;
  /** Why it cannot run now (untrusted workspace, ...). */
  blocked?: string;
  nextRun?: number;
  /** Oldest first, at most OVERVIEW_RUNS. */
  runs: OverviewRun[];
  /** End of the last good run (or, beyond the strip, the last good backup). */
  lastGoodAt?: number;
  /** Failed runs in a row, newest first; `failuresCapped` when every run in the strip failed. */
  failuresInRow: number;
  failuresCapped?: boolean;
  /**
   * Overdue rule (core/health/overdue.ts): the backup due at `dueAt` has not happened, and from
   * `overdueAt` (the next occurrence after it) the environment counts as overdue, by now - dueAt.
   */
  dueAt?: number;
  overdueAt?: number;
}
