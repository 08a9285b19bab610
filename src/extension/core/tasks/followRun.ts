// Runs an environment now and follows the backup, and the follow-ups it hands the environment to,
// to their end: their log lines as they are stored, their final records, then an exit code. What a VS Code task's terminal shows
// (ui/backupTasks.ts), kept apart from the terminal so it is plain, testable core code.
import type { LogLine, TaskRecord, TaskStatus } from '../../../shared/model';
import type { Backups } from '../backups';

/** Exit codes: the outcome of the run as a process would report it. */
export const EXIT = { succeeded: 0, failed: 1, cancelled: 2, refused: 3 } as const;

export function exitCode(status: TaskStatus): number {
  if (status === 'succeeded') return EXIT.succeeded;
  if (status === 'cancelled') return EXIT.cancelled;
  return EXIT.failed;
}

export interface FollowHooks {
  /** Aborting cancels the task (the user closed the terminal) and stops following. */
  signal?: AbortSignal;
  started(taskId: number, queued: boolean): void;
  log(line: LogLine): void;
  /** The run was not started (busy, blocked, unknown environment): why. */
  refused(message: string): void;
  finished(task: TaskRecord): void;
  /** A follow-up task (verify, prune) of the good backup starts being followed. */
  followUp?(taskId: number, kind: TaskRecord['kind']): void;
}

/**
 * Log lines are stored without an event of their own, so besides every change of the task a
 * slow tick reads them too: a command that prints for minutes without progress still shows live.
 */
const LOG_TICK_MS = 500;
const LOG_BATCH = 500;

export async function followRun(
  backups: Pick<Backups, 'runNow' | 'onDidChangeTask' | 'reader' | 'cancel' | 'busyWith'>,
  envId: string,
  hooks: FollowHooks,
): Promise<number> {
  let followed: number | undefined;
  let wake: (() => void) | undefined;
  // Subscribed before the run starts: a quick task may finish before runNow's answer arrives.
  const sub = backups.onDidChangeTask((t) => {
    if (t.id === followed) wake?.();
  });

  /** Shows one task's log until it ends; undefined when the terminal was closed first. */
  const follow = async (id: number): Promise<TaskRecord | undefined> => {
    followed = id;
    let seq = 0;
    const drain = () => {
      for (;;) {
        const lines = backups.reader.logAfter(id, seq, LOG_BATCH);
        for (const l of lines) hooks.log(l);
        if (lines.length) seq = lines[lines.length - 1].seq;
        if (lines.length < LOG_BATCH) return;
      }
    };
    for (;;) {
      drain();
      const t = backups.reader.getTask(id);
      if (t && t.finishedAt !== null) {
        drain();
        hooks.finished(t);
        return t;
      }
      if (hooks.signal?.aborted) {
        await backups.cancel(id);
        return undefined;
      }
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          hooks.signal?.removeEventListener('abort', done);
          wake = undefined;
          resolve();
        };
        const timer = setTimeout(done, LOG_TICK_MS);
        hooks.signal?.addEventListener('abort', done);
        wake = done;
      });
    }
  };

  try {
    const outcome = await backups.runNow(envId);
    if ('message' in outcome) {
      hooks.refused(outcome.message);
      return EXIT.refused;
    }
    hooks.started(outcome.taskId, outcome.kind === 'queued');
    let last = await follow(outcome.taskId);
    // A good backup hands the environment straight to its follow-ups (verify, prune): the run's
    // outcome includes them, so a backup whose verify fails does not exit 0.
    while (last?.status === 'succeeded') {
      const next = backups.busyWith(envId);
      if (!next || next.id <= last.id || next.kind === 'backup') break;
      hooks.followUp?.(next.id, next.kind);
      last = await follow(next.id);
    }
    return last ? exitCode(last.status) : EXIT.cancelled;
  } finally {
    sub.dispose();
  }
}
