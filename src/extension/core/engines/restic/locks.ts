// The locks in a restic repository, as "Unlock Repository…" shows them and as a lock conflict is
// judged. Only a provably stale lock may be removed without asking: made on this machine by a
// process that no longer exists. restic's own `unlock` also removes locks older than 30 minutes
// from any machine (a laptop asleep mid-backup holds one), so it runs only when every lock it
// would remove is provably stale.
import type { ResticCli } from './cli';
import { ourHost } from './tags';

export interface LockInfo {
  /** The lock file's id (restic prints its first 8 characters as "storage ID"). */
  id: string;
  exclusive: boolean;
  /** When it was made or last refreshed, epoch ms. */
  time?: number;
  hostname?: string;
  username?: string;
  pid?: number;
}

/** restic 0.14 calls a lock stale after 30 minutes without refresh (live ones refresh every 5). */
const RESTIC_STALE_MS = 30 * 60_000;
/** Locks read at most: a repository with more is broken in another way. */
const MAX_LOCKS = 50;

export function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Made on this machine by a process that is gone. */
export function provablyStale(lock: Pick<LockInfo, 'hostname' | 'pid'>, host = ourHost(), gone = processGone): boolean {
  return lock.hostname === host && lock.pid !== undefined && lock.pid > 0 && gone(lock.pid);
}

/** Whether `restic unlock` would remove only provably stale locks (it also takes locks older than 30 minutes). */
export function unlockIsSafe(locks: readonly LockInfo[], now: number, host = ourHost(), gone = processGone): boolean {
  // A margin of a minute: clocks of two machines differ, and a refresh may be late.
  return locks.every((l) => provablyStale(l, host, gone) || (l.time !== undefined && now - l.time < RESTIC_STALE_MS - 60_000));
}

/** `restic list locks`, then `cat lock ID` for each (read without taking a lock). */
export async function listLocks(cli: ResticCli, signal?: AbortSignal): Promise<LockInfo[]> {
  const r = await cli.run('Listing locks', ['list', 'locks', '--no-lock'], { signal });
  const ids = r.stdout.toString('utf8').split('\n').map((l) => l.trim()).filter((l) => /^[0-9a-f]{64}$/.test(l));
  const out: LockInfo[] = [];
  for (const id of ids.slice(0, MAX_LOCKS)) {
    try {
      const c = await cli.run('Reading a lock', ['cat', 'lock', id, '--no-lock'], { signal });
      const j = JSON.parse(c.stdout.toString('utf8')) as { time?: string; exclusive?: boolean; hostname?: string; username?: string; pid?: number };
      const time = j.time ? Date.parse(j.time) : NaN;
      out.push({ id, exclusive: j.exclusive === true, time: Number.isFinite(time) ? time : undefined, hostname: j.hostname, username: j.username, pid: typeof j.pid === 'number' ? j.pid : undefined });
    } catch (e) {
      if (signal?.aborted) throw e;
      // Removed between the listing and the read: its holder finished.
    }
  }
  return out;
}
