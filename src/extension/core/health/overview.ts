// The Task Log overview's figures for one environment, from tasks.db: its last runs (a backup and
// its follow-ups, one run each) with outcome, duration, size added and size stored, its health
// (last good backup, failures in a row, when it is due and overdue) and its schedule.
import type { TaskRecord } from '../../../shared/model';
import { OVERVIEW_RUNS, type EnvOverview, type OverviewRun } from '../../../shared/overview';
import { runDuration, runOutcome } from '../../../shared/runs';
import type { TaskStore } from '../store/taskStore';
import { describeSchedule } from '../scheduler/cron';
import { dueTimes } from './dueTimes';

export interface OverviewEnvironment {
  id: string;
  name: string;
  engine?: 'archive' | 'restic';
  schedule: string;
  timezone?: string;
  enabled: boolean;
  blocked?: string;
  nextRun?: number;
  /** With no good backup yet: since when the schedule has been watched (overdue counts from there). */
  trackedSince?: number;
}

export function environmentOverview(reader: Pick<TaskStore, 'recentRuns' | 'lastSucceeded'>, env: OverviewEnvironment, now: number): EnvOverview {
  const newestFirst = reader.recentRuns(env.id, OVERVIEW_RUNS).map(({ head, steps }) => toRun(head, steps, now));
  const runs = newestFirst.slice().reverse();
  let failuresInRow = 0;
  let broken = false;
  for (const r of newestFirst) {
    if (r.status === 'running' || r.status === 'queued') {
      if (failuresInRow === 0) continue; // a run in progress says nothing yet
    }
    if (r.status === 'failed' || r.status === 'interrupted') failuresInRow++;
    else {
      broken = true;
      break;
    }
  }
  const good = newestFirst.find((r) => r.status === 'succeeded');
  // Beyond the strip: the last good backup (its follow-ups are not looked at there).
  const lastGoodAt = good ? good.finishedAt ?? good.queuedAt : reader.lastSucceeded(env.id, 'backup')?.finishedAt ?? undefined;
  const out: EnvOverview = {
    id: env.id,
    name: env.name,
    engine: env.engine ?? 'archive',
    schedule: env.schedule,
    scheduleText: scheduleInWords(env.schedule),
    enabled: env.enabled,
    runs,
    failuresInRow,
  };
  if (env.blocked) out.blocked = env.blocked;
  if (env.nextRun !== undefined) out.nextRun = env.nextRun;
  if (lastGoodAt !== undefined) out.lastGoodAt = lastGoodAt;
  if (!broken && failuresInRow > 0 && newestFirst.length >= OVERVIEW_RUNS) out.failuresCapped = true;
  const since = lastGoodAt ?? env.trackedSince;
  if (env.enabled && !env.blocked && since !== undefined) {
    const due = dueTimes(env.schedule, env.timezone, since);
    if (due) [out.dueAt, out.overdueAt] = due;
  }
  return out;
}

const describeCache = new Map<string, string>();

function scheduleInWords(schedule: string): string {
  let text = describeCache.get(schedule);
  if (text === undefined) {
    text = describeSchedule(schedule);
    if (describeCache.size >= 500) describeCache.delete(describeCache.keys().next().value as string);
    describeCache.set(schedule, text);
  }
  return text;
}

function toRun(head: TaskRecord, steps: TaskRecord[], now: number): OverviewRun {
  const { status, worst } = runOutcome(head, steps);
  const last = [head, ...steps].reduce<number | null>((end, t) => (t.finishedAt === null ? end : Math.max(end ?? 0, t.finishedAt)), null);
  const run: OverviewRun = { id: head.id, status, trigger: head.trigger, queuedAt: head.queuedAt, startedAt: head.startedAt, finishedAt: status === 'running' || status === 'queued' ? null : last };
  if (worst && worst.id !== head.id) run.worstKind = worst.kind;
  const duration = runDuration({ head, steps }, now);
  if (duration !== undefined) run.duration = duration;
  if (head.status === 'succeeded' && head.result) run.added = head.result.unchangedSince !== undefined ? 0 : head.result.size ?? undefined;
  if (run.added === undefined) delete run.added;
  for (const s of steps) if (typeof s.result?.storedSize === 'number') run.stored = s.result.storedSize;
  return run;
}

/**
 * Remembers each environment's figures and recomputes only those whose tasks changed since (one
 * indexed changesSince read): a running backup's progress ticks then cost one environment's
 * queries per poll reply, not every environment's.
 */
export class OverviewCache {
  private revision = -1;
  private readonly byEnv = new Map<string, { key: string; overview: EnvOverview }>();

  constructor(private readonly reader: Pick<TaskStore, 'recentRuns' | 'lastSucceeded' | 'changesSince'>) {}

  get(envs: readonly OverviewEnvironment[], now: number): EnvOverview[] {
    const changes = this.reader.changesSince(this.revision < 0 ? 0 : this.revision);
    if (this.revision < 0 || changes.removed) this.byEnv.clear();
    else for (const t of changes.tasks) this.byEnv.delete(t.envId);
    this.revision = changes.revision;
    return envs.map((env) => {
      // The settings that shape the figures are part of the key: an edited schedule recomputes.
      const key = JSON.stringify([env.name, env.engine, env.schedule, env.timezone, env.enabled, env.blocked, env.nextRun, env.trackedSince]);
      const hit = this.byEnv.get(env.id);
      const running = hit?.overview.runs.some((r) => r.status === 'running' || r.status === 'queued');
      if (hit && hit.key === key && !running) return hit.overview;
      const overview = environmentOverview(this.reader, env, now);
      this.byEnv.set(env.id, { key, overview });
      return overview;
    });
  }
}
