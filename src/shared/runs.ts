// Runs: a backup and the verify and prune that follow it (TaskRecord.parentId) are one run, shown
// as one row. Plain functions over plain data, used by the store (the run's outcome it keeps on
// the first task), the Task Log webview and the Tasks view, so all three agree.
import type { TaskKind, TaskRecord, TaskStatus } from './model';

export interface Run {
  /** The task that starts the run (a backup, or a task run on its own). */
  head: TaskRecord;
  /** Its follow-ups, oldest first (a step retried by hand appears once per attempt). */
  steps: TaskRecord[];
  status: TaskStatus;
  /** The task that decided a bad outcome (failed, cancelled, ...); undefined when the run went well or still runs. */
  worst?: TaskRecord;
}

/** How bad a finished outcome is: the run takes its worst step's. */
const RANK: Partial<Record<TaskStatus, number>> = { succeeded: 1, skipped: 2, cancelled: 3, interrupted: 4, failed: 5 };

/**
 * The outcome of a run: running while any of its tasks runs or waits, else the worst outcome of
 * its tasks, where a step retried by hand counts by its latest attempt (a verify that failed and
 * then passed when run again leaves the run good).
 */
export function runOutcome(head: TaskRecord, steps: readonly TaskRecord[]): { status: TaskStatus; worst?: TaskRecord } {
  const latest = new Map<TaskKind, TaskRecord>();
  for (const s of steps) {
    const seen = latest.get(s.kind);
    if (!seen || s.id > seen.id) latest.set(s.kind, s);
  }
  const current = [head, ...[...latest.values()].sort((a, b) => a.id - b.id)];
  if (head.status === 'queued') return { status: 'queued' };
  if (current.some((t) => t.status === 'running' || t.status === 'queued')) return { status: 'running' };
  let worst = head;
  for (const t of current) if ((RANK[t.status] ?? 0) > (RANK[worst.status] ?? 0)) worst = t;
  return worst.status === 'succeeded' ? { status: 'succeeded' } : { status: worst.status, worst };
}

/**
 * Groups tasks into runs, in the order their first tasks appear in `tasks`. A follow-up whose
 * first task is not among `tasks` (another page, pruned away) is a run of its own.
 */
export function groupRuns(tasks: readonly TaskRecord[]): Run[] {
  const ids = new Set(tasks.map((t) => t.id));
  const steps = new Map<number, TaskRecord[]>();
  for (const t of tasks) {
    const parent = t.parentId;
    if (parent == null || parent === t.id || !ids.has(parent)) continue;
    (steps.get(parent) ?? steps.set(parent, []).get(parent)!).push(t);
  }
  const out: Run[] = [];
  for (const t of tasks) {
    if (t.parentId != null && t.parentId !== t.id && ids.has(t.parentId)) continue;
    const own = (steps.get(t.id) ?? []).sort((a, b) => a.id - b.id);
    out.push({ head: t, steps: own, ...runOutcome(t, own) });
  }
  return out;
}

/** Start to end of a run: from its first task's start to its last task's end (undefined while unknown). */
export function runDuration(run: Pick<Run, 'head' | 'steps'>, now?: number): number | undefined {
  const start = run.head.startedAt;
  if (start === null) return undefined;
  let end: number | null = run.head.finishedAt;
  for (const s of [run.head, ...run.steps]) {
    const e = s.finishedAt ?? (s.status === 'running' && now !== undefined ? now : null);
    if (e === null) {
      if (s.status === 'running' || s.status === 'queued') return now === undefined ? undefined : Math.max(0, now - start);
      continue;
    }
    end = end === null ? e : Math.max(end, e);
  }
  return end === null ? undefined : Math.max(0, end - start);
}
