// Follows a task to its end for the command line: its log lines as the leader stores them, then
// its final record; for a backup, also the follow-ups (verify, prune) it hands its environment to,
// because a backup whose verify fails is not a good backup (as the `backup` task type does).
import { FINAL_STATUSES, type LogLine, type TaskRecord } from '../../../shared/model';
import type { Work } from './work';

export const EXIT = { ok: 0, failed: 1, usage: 2, warnings: 3 } as const;

/** 0 all succeeded, 3 succeeded with warnings, 1 anything failed, was cancelled or interrupted. */
export function runExitCode(tasks: readonly TaskRecord[]): number {
  if (tasks.length === 0 || tasks.some((t) => t.status !== 'succeeded')) return EXIT.failed;
  return tasks.some((t) => t.warnings > 0) ? EXIT.warnings : EXIT.ok;
}

export interface FollowHooks {
  log(line: LogLine): void;
  finished(task: TaskRecord): void;
  followUp?(task: TaskRecord): void;
  /** Stops following (the task goes on). */
  signal?: AbortSignal;
}

const BATCH = 500;

async function pause(ms: number, signal?: AbortSignal): Promise<void> {
  await new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done);
  });
}

/** One task's log from `afterSeq` until it ends (or forever with `follow` false: only what is there). */
export async function followTask(work: Work, id: number, hooks: FollowHooks, opts: { follow: boolean; afterSeq?: number; pollMs?: number }): Promise<TaskRecord | undefined> {
  let seq = opts.afterSeq ?? 0;
  const drain = async () => {
    for (;;) {
      const lines = await work.log(id, seq, BATCH);
      for (const l of lines) hooks.log(l);
      if (lines.length) seq = lines[lines.length - 1].seq;
      if (lines.length < BATCH) return;
    }
  };
  for (;;) {
    const t = await work.task(id);
    await drain();
    if (!t) return undefined;
    if (FINAL_STATUSES.includes(t.status) || !opts.follow || !work.leader || hooks.signal?.aborted) {
      // Lines stored between the read of the record and the drain are in; the final record last.
      if (FINAL_STATUSES.includes(t.status)) hooks.finished(t);
      return t;
    }
    await pause(opts.pollMs ?? 300, hooks.signal);
  }
}

/** A task and, when it is a good backup, its follow-ups; returns every final record followed. */
export async function followRunToEnd(work: Work, first: TaskRecord | number, hooks: FollowHooks, pollMs?: number): Promise<TaskRecord[]> {
  const out: TaskRecord[] = [];
  const rootId = typeof first === 'number' ? first : first.id;
  let last = await followTask(work, rootId, hooks, { follow: true, pollMs });
  while (last && FINAL_STATUSES.includes(last.status)) {
    out.push(last);
    if (last.status !== 'succeeded' || hooks.signal?.aborted || last.kind !== 'backup' && out.length === 1) break;
    // The leader creates a follow-up in the same step that ends the task before it, so it is
    // there now, perhaps already finished (a quick verify). It names the backup as its parent; a
    // leader too old to say so: the next task of the environment that is not a backup.
    const after = last.id;
    const rows = (await work.tasks({ envIds: [last.envId], limit: 20 })).rows.filter((t) => t.id > after);
    const next = rows
      .filter((t) => (t.parentId === undefined ? t.kind !== 'backup' : t.parentId === rootId))
      .sort((a, b) => a.id - b.id)[0];
    if (!next) break;
    hooks.followUp?.(next);
    last = await followTask(work, next.id, hooks, { follow: true, pollMs });
  }
  return out;
}
