// The leader's answers to programs outside VS Code (the `backup-scheduler` command line): what it
// runs, its history and logs, an environment's backups. Followers inside VS Code read tasks.db
// themselves; a command line asks the leader, which answers from memory with live progress and
// without loading the whole history file. Read-only: nothing here changes anything.
import { TASK_KINDS, TASK_STATUSES, type TaskKind, type TaskQuery, type TaskStatus } from '../../../shared/model';
import type { LocalBackups } from '../backups';
import { summarize, type EnvironmentSummary } from '../client/summaries';
import type { Handler } from './rpc';

export const READ_METHODS = {
  status: 'status',
  environments: 'environments',
  tasks: 'tasks',
  task: 'task',
  log: 'log',
  listBackups: 'listBackups',
} as const;

/** Who answers: shown by `backup-scheduler status`. */
export interface LeaderAbout {
  host: 'window' | 'agent';
  pid: number;
  /** Epoch ms since this process leads. */
  since: number;
  version?: string;
  /** A window that leads while the background agent is alive: the agent, which takes over. */
  agent?: { pid: number; version: string; startedAt: number };
  /** This window hands over to the agent once its running tasks end. */
  handingOver?: boolean;
}

export interface StatusReply {
  leader: LeaderAbout;
  running: ReturnType<LocalBackups['activeTasks']>;
  environments: EnvironmentSummary[];
}

const MAX_ROWS = 1000;

function obj(p: unknown): Record<string, unknown> {
  if (p === undefined || p === null) return {};
  if (typeof p !== 'object' || Array.isArray(p)) throw new Error('parameters must be an object');
  return p as Record<string, unknown>;
}
function taskId(o: Record<string, unknown>): number {
  const v = o.taskId;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) throw new Error('"taskId" must be a task id');
  return v;
}
function count(o: Record<string, unknown>, k: string, dflt: number, max: number): number {
  const v = o[k] ?? dflt;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || v > max) throw new Error(`"${k}" must be a whole number up to ${max}`);
  return v;
}
function oneOf<T extends string>(o: Record<string, unknown>, k: string, allowed: readonly T[]): T[] | undefined {
  const v = o[k];
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.some((x) => !allowed.includes(x as T))) throw new Error(`"${k}" must be a list of ${allowed.join(', ')}`);
  return v as T[];
}

/** A history query from outside, checked: only the filters the command line offers, bounded. */
export function checkTaskQuery(p: unknown): TaskQuery {
  const o = obj(p);
  const envIds = o.envIds;
  if (envIds !== undefined && (!Array.isArray(envIds) || envIds.some((x) => typeof x !== 'string' || x.length > 4096))) throw new Error('"envIds" must be a list of environment ids');
  const from = o.from;
  if (from !== undefined && (typeof from !== 'number' || !Number.isFinite(from))) throw new Error('"from" must be a time');
  return {
    ...(envIds ? { envIds: envIds as string[] } : {}),
    ...(o.statuses !== undefined ? { statuses: oneOf<TaskStatus>(o, 'statuses', TASK_STATUSES) } : {}),
    ...(o.kinds !== undefined ? { kinds: oneOf<TaskKind>(o, 'kinds', TASK_KINDS) } : {}),
    ...(from !== undefined ? { from: from as number } : {}),
    sort: 'id',
    descending: true,
    limit: count(o, 'limit', 20, MAX_ROWS),
  };
}

export function readHandlers(backups: LocalBackups, about: () => LeaderAbout): Record<string, Handler> {
  const environments = (): EnvironmentSummary[] =>
    summarize(backups.environments(), {
      reader: backups.reader,
      nextRun: (id) => backups.nextRuns(id, 1)[0],
      blockedReason: (id) => {
        const env = backups.environment(id);
        return env && backups.blockedReason(env);
      },
    });
  return {
    [READ_METHODS.status]: async (): Promise<StatusReply> => ({ leader: about(), running: backups.activeTasks(), environments: environments() }),
    [READ_METHODS.environments]: async () => environments(),
    // A follower's Task Log text search: off the leader's thread when its store has a worker.
    [READ_METHODS.tasks]: async (p) => backups.reader.searchTasks(checkTaskQuery(p)),
    [READ_METHODS.task]: async (p) => {
      const id = taskId(obj(p));
      return backups.liveRecord(id) ?? backups.reader.getTask(id) ?? null;
    },
    [READ_METHODS.log]: async (p) => {
      const o = obj(p);
      return backups.reader.logAfter(taskId(o), count(o, 'after', 0, Number.MAX_SAFE_INTEGER), Math.max(1, count(o, 'limit', 500, 2000)));
    },
    [READ_METHODS.listBackups]: async (p) => {
      const o = obj(p);
      const envId = o.envId;
      if (typeof envId !== 'string' || !backups.environment(envId)) throw new Error(`no valid environment "${String(envId).slice(0, 200)}"`);
      return backups.listBackups(envId);
    },
  };
}
