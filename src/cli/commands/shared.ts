// Steps several commands share: checking an environment or task exists before anything starts,
// and following a started task to its end with its log on screen.
import type { TaskRecord } from '../../shared/model';
import type { CommandOutcome } from '../../extension/core/backups';
import { followRunToEnd, runExitCode } from '../../extension/core/client/follow';
import { NoLeaderError } from '../../extension/core/client/leaderLink';
import { START_HINT, type Work } from '../../extension/core/client/work';
import { UsageError } from '../args';
import type { Context } from '../command';
import { logLine, summaryLine } from '../output';

/** The leader must know the environment: else a usage error, and nothing is asked of it. */
export async function knownEnvironment(work: Work, envId: string): Promise<void> {
  if (!work.leader) throw new NoLeaderError(work.hint ?? START_HINT);
  const envs = await work.environments();
  const env = envs.find((e) => e.id === envId);
  if (!env) {
    const ids = envs.map((e) => e.id);
    throw new UsageError(`unknown environment "${envId}"${ids.length ? ` (known: ${ids.join(', ')})` : ' (none is defined)'}`);
  }
  if (!env.valid) throw new UsageError(`environment "${envId}" is not valid: ${env.problem ?? 'see the Environments view'}`);
}

export async function knownTask(work: Work, id: number): Promise<TaskRecord> {
  const t = await work.task(id);
  if (!t) throw new UsageError(`unknown task #${id}`);
  return t;
}

/**
 * The leader's answer to a command that starts a task. Unknown environment: exit 2; busy or
 * blocked: exit 1 with the leader's reason. Returns the task id when one started.
 */
export function started(ctx: Context, outcome: CommandOutcome, what: string): number | { exit: number } {
  if ('taskId' in outcome) return outcome.taskId;
  if (outcome.kind === 'unknown') throw new UsageError(outcome.message);
  ctx.out.error(`backup-scheduler: ${what} not started: ${outcome.message}`);
  return { exit: 1 };
}

/**
 * Follows a started task (and its follow-ups) with its log on stdout. The first Ctrl-C cancels the
 * task (as closing a `backup` task's terminal does) and waits for its end; a second one leaves.
 */
export async function waitFor(ctx: Context, work: Work, taskId: number): Promise<number> {
  const { out } = ctx;
  const cancelling = () => {
    out.error(`backup-scheduler: cancelling task #${taskId}…`);
    void work.cancel(taskId).catch(() => undefined);
  };
  // Ctrl-C may have come while the leader was still answering the run: cancel at once then.
  if (ctx.signal.aborted) cancelling();
  else ctx.signal.addEventListener('abort', cancelling, { once: true });
  let records: TaskRecord[];
  try {
    records = await followRunToEnd(work, taskId, {
      log: (l) => (out.json ? undefined : out.line(logLine(out, l))),
      finished: (t) => (out.json ? undefined : out.line(summaryLine(out, t))),
      followUp: (t) => (out.json ? undefined : out.line(`then ${t.kind}, task #${t.id}`)),
    });
  } catch (e) {
    if (e instanceof NoLeaderError) throw new NoLeaderError(`lost the leader while following task #${taskId}: ${e.message}`);
    throw e;
  } finally {
    ctx.signal.removeEventListener('abort', cancelling);
  }
  const code = runExitCode(records);
  if (out.json) out.data({ taskId, exitCode: code, tasks: records });
  return code;
}
