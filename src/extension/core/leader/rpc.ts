// The leader's side of the follower -> leader calls: method names, parameter checks, handlers.
// The socket is local and only this user's, but a confused or old follower must still get a
// clear error rather than make the leader throw.
import type { LocalBackups } from '../backups';
import { checkRestoreRequest } from './requestChecks';

export const LEADER_METHODS = {
  runNow: 'runNow',
  retry: 'retry',
  verify: 'verify',
  restore: 'restore',
  initRepository: 'initRepository',
  unlockRepository: 'unlockRepository',
  cancel: 'cancel',
  clearHistory: 'clearHistory',
  registerEnvironments: 'registerEnvironments',
  /** A window hands the background agent the SecretStorage values its environments need. */
  provideSecrets: 'provideSecrets',
} as const;

export type Handler = (params: unknown) => Promise<unknown>;

function obj(p: unknown): Record<string, unknown> {
  if (!p || typeof p !== 'object' || Array.isArray(p)) throw new Error('parameters must be an object');
  return p as Record<string, unknown>;
}
function str(o: Record<string, unknown>, k: string): string {
  const v = o[k];
  if (typeof v !== 'string' || v.length === 0 || v.length > 4096) throw new Error(`"${k}" must be a non-empty string`);
  return v;
}
function strList(o: Record<string, unknown>, k: string): string[] | undefined {
  const v = o[k];
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.length > 10_000 || v.some((x) => typeof x !== 'string' || x.length > 4096)) throw new Error(`"${k}" must be a list of paths`);
  return v as string[];
}
function id(o: Record<string, unknown>, k: string): number {
  const v = o[k];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) throw new Error(`"${k}" must be a task id`);
  return v;
}

/**
 * Handlers over the leader's own backups. `afterChange` makes the change visible on disk at once
 * (the follower that asked reloads its copy right after the answer).
 */
export function leaderHandlers(backups: LocalBackups, afterChange: () => Promise<void>, registerEnvironments: (params: unknown) => unknown, provideSecrets: (params: unknown) => unknown = () => ({ accepted: 0 })): Record<string, Handler> {
  /** A backup named by a follower must be one this environment lists, as in the user's picker. */
  const listed = async (envId: string): Promise<string[]> => (backups.environment(envId) ? (await backups.listBackups(envId)).map((b) => b.id) : []);
  const changed = async <T>(v: T): Promise<T> => {
    await afterChange();
    return v;
  };
  return {
    [LEADER_METHODS.runNow]: async (p) => changed(await backups.runNow(str(obj(p), 'envId'))),
    [LEADER_METHODS.retry]: async (p) => changed(await backups.retry(id(obj(p), 'taskId'))),
    [LEADER_METHODS.verify]: async (p) => {
      const o = obj(p);
      const envId = str(o, 'envId');
      const backupId = o.backupId === undefined ? undefined : str(o, 'backupId');
      if (backupId !== undefined && !(await listed(envId)).includes(backupId)) throw new Error(`"${backupId.slice(0, 200)}" is not one of this environment's backups`);
      return changed(await backups.verify(envId, backupId));
    },
    [LEADER_METHODS.restore]: async (p) => {
      const o = obj(p);
      if (typeof o.overwrite !== 'boolean') throw new Error('"overwrite" must be true or false');
      const envId = str(o, 'envId');
      const req = { backupId: str(o, 'backupId'), target: str(o, 'target'), overwrite: o.overwrite, paths: strList(o, 'paths') };
      if (!backups.environment(envId)) throw new Error(`no valid environment "${envId.slice(0, 200)}"`);
      await checkRestoreRequest(req, await listed(envId));
      return changed(await backups.restore(envId, req));
    },
    [LEADER_METHODS.initRepository]: async (p) => changed(await backups.initRepository(str(obj(p), 'envId'))),
    [LEADER_METHODS.unlockRepository]: async (p) => {
      const o = obj(p);
      if (typeof o.all !== 'boolean') throw new Error('"all" must be true or false');
      return changed(await backups.unlockRepository(str(o, 'envId'), o.all));
    },
    [LEADER_METHODS.cancel]: async (p) => changed(await backups.cancel(id(obj(p), 'taskId'))),
    [LEADER_METHODS.clearHistory]: async (p) => {
      const o = obj(p);
      const envIds = o.envIds === undefined ? undefined : Array.isArray(o.envIds) && o.envIds.every((x) => typeof x === 'string') ? (o.envIds as string[]) : undefined;
      return changed(await backups.clearHistory(envIds ? { envIds } : undefined));
    },
    [LEADER_METHODS.registerEnvironments]: async (p) => registerEnvironments(p),
    [LEADER_METHODS.provideSecrets]: async (p) => provideSecrets(p),
  };
}
