// Row <-> TaskRecord. The column list and the mapping sit together so they cannot drift apart.
import type { SqlValue } from 'sql.js';
import type { LogLevel, LogLine, TaskKind, TaskProgress, TaskRecord, TaskResult, TaskStatus, TaskTrigger } from '../../../shared/model';

export const TASK_COLUMNS =
  'id, env_id, kind, trigger, status, queued_at, started_at, finished_at, progress, result, error, skip_reason, warnings, log_count, last_seq, revision, parent_id, run_status';

export function toTaskRecord(r: SqlValue[]): TaskRecord {
  return {
    id: r[0] as number,
    envId: r[1] as string,
    kind: r[2] as TaskKind,
    trigger: r[3] as TaskTrigger,
    status: r[4] as TaskStatus,
    queuedAt: r[5] as number,
    startedAt: r[6] as number | null,
    finishedAt: r[7] as number | null,
    progress: parseJson<TaskProgress>(r[8]),
    result: parseJson<TaskResult>(r[9]),
    error: r[10] as string | null,
    skipReason: r[11] as string | null,
    warnings: r[12] as number,
    logCount: r[13] as number,
    lastSeq: r[14] as number,
    revision: r[15] as number,
    parentId: (r[16] as number | null) ?? null,
    runStatus: (r[17] as TaskStatus | null) ?? null,
  };
}

export const LOG_COLUMNS = 'task_id, seq, time, level, text';

export function toLogLine(r: SqlValue[]): LogLine {
  return { taskId: r[0] as number, seq: r[1] as number, time: r[2] as number, level: r[3] as LogLevel, text: r[4] as string };
}

/** A hand-edited or damaged JSON cell shows as "no progress/result" rather than breaking the whole page. */
function parseJson<T>(v: SqlValue): T | null {
  if (typeof v !== 'string') return null;
  try {
    return JSON.parse(v) as T;
  } catch {
    return null;
  }
}

export function toJson(v: object | null | undefined): string | null {
  return v == null ? null : JSON.stringify(v);
}
