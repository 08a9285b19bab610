// What `status` and `list` show of each environment, computed the same way by the leader (over
// its live service) and by an outside program reading tasks.db while nobody leads. Plain data:
// it crosses the leader channel as JSON.
import { FINAL_STATUSES, type TaskRecord, type TaskStatus } from '../../../shared/model';
import type { TaskReader } from '../backups';
import type { EnvironmentEntry } from '../environments/types';

export interface LastResult {
  taskId: number;
  status: TaskStatus;
  finishedAt: number | null;
  warnings: number;
  error: string | null;
}

export interface EnvironmentSummary {
  id: string;
  name: string;
  valid: boolean;
  /** Why the entry is invalid (settings errors), or why it does not run (trust). */
  problem?: string;
  enabled?: boolean;
  type?: string;
  engine?: string;
  schedule?: string;
  timezone?: string;
  /** Where its backups go: the destination folder or the restic repository. */
  storage?: string;
  /** 'user' or 'workspace' settings. */
  origin?: string;
  /** The workspace folder it belongs to, when it depends on one. */
  folder?: string;
  /** Epoch ms of the next scheduled run; null when it is not scheduled. */
  nextRun: number | null;
  lastBackup: LastResult | null;
}

/** Where an environment's facts come from: the leader's live service, or the history alone. */
export interface SummarySources {
  reader: Pick<TaskReader, 'queryTasks'>;
  nextRun(envId: string): number | undefined;
  blockedReason?(envId: string): string | undefined;
}

export function lastBackup(reader: Pick<TaskReader, 'queryTasks'>, envId: string): LastResult | null {
  const t = reader.queryTasks({ envIds: [envId], kinds: ['backup'], statuses: [...FINAL_STATUSES], sort: 'id', descending: true, limit: 1 }).rows[0];
  return t ? lastResult(t) : null;
}

export const lastResult = (t: TaskRecord): LastResult => ({ taskId: t.id, status: t.status, finishedAt: t.finishedAt, warnings: t.warnings, error: t.error });

export function summarize(entries: readonly EnvironmentEntry[], src: SummarySources): EnvironmentSummary[] {
  return entries.map((e): EnvironmentSummary => {
    if (!e.valid) return { id: e.id ?? `#${e.index + 1}`, name: e.name, valid: false, problem: e.errors.join('; '), nextRun: null, lastBackup: e.id ? lastBackup(src.reader, e.id) : null };
    const env = e.environment;
    const blocked = src.blockedReason?.(env.id);
    return {
      id: env.id,
      name: env.name,
      valid: true,
      ...(blocked ? { problem: blocked } : {}),
      enabled: env.enabled,
      type: env.type,
      engine: env.engine ?? 'archive',
      schedule: env.schedule,
      ...(env.timezone ? { timezone: env.timezone } : {}),
      storage: env.engine === 'restic' ? env.repository : env.destination,
      origin: env.origin,
      ...(env.folder ? { folder: env.folder } : {}),
      nextRun: src.nextRun(env.id) ?? null,
      lastBackup: lastBackup(src.reader, env.id),
    };
  });
}
