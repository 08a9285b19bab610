// One O_EXCL marker file per scheduled occurrence, in `<storage>/leader/occurrences/`.
// Why, on top of the election: a lock cannot stop a leader that was paused (SIGSTOP, a hung
// host, a laptop lid) after its last isLeader() check from finishing the step it had begun
// once it wakes up, possibly after the new leader has run the same occurrence. tasks.db cannot
// catch that either: it is rewritten whole by rename, with no compare-and-set. Creating
// `<envId>@<occurrence>` with O_EXCL succeeds for exactly one process, whoever leads, so an
// occurrence runs at most once even with two processes that both believe they lead.
import { closeSync, mkdirSync, openSync, readdirSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { RESOLVED_ID_PATTERN } from '../environments/ids';

// `<environment id>@<occurrence>`; the id may itself hold one '@' (a per-folder environment).
const SAFE_KEY = new RegExp(`^(?=.{1,140}@\\d{1,16}$)${RESOLVED_ID_PATTERN.source.slice(1, -1)}@\\d{1,16}$`);

export const occurrenceKey = (envId: string, occurrence: number): string => `${envId}@${occurrence}`;

function keyPath(dir: string, key: string): string {
  // Environment ids are validated upstream; this check keeps a bad one from naming a path.
  if (!SAFE_KEY.test(key)) throw new Error(`not an occurrence key: ${JSON.stringify(key)}`);
  return join(dir, key);
}

/**
 * True for exactly one caller per key (the one that may run it), false if anyone claimed it
 * before. `owner` (e.g. term and pid) is written into the file for whoever investigates later.
 */
export function claimOccurrence(dir: string, key: string, owner: Record<string, unknown> = {}): boolean {
  mkdirSync(dir, { recursive: true });
  let fd: number;
  try {
    fd = openSync(keyPath(dir, key), 'wx');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  try {
    writeSync(fd, JSON.stringify(owner));
  } finally {
    closeSync(fd);
  }
  return true;
}

/**
 * Gives a claim back when its owner found, right after claiming, that it no longer leads: the
 * new leader can then still catch the occurrence up (missedRun) instead of it being lost.
 */
export function releaseOccurrence(dir: string, key: string): void {
  rmSync(keyPath(dir, key), { force: true });
}

/**
 * Removes claims older than `maxAgeMs` (by mtime). The scheduler never goes back further than
 * its last handled occurrence, so a claim only matters for as long as a takeover can take.
 */
export function pruneOccurrenceClaims(dir: string, maxAgeMs: number, now: number): number {
  let removed = 0;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const n of names) {
    const p = join(dir, n);
    try {
      if (SAFE_KEY.test(n) && now - statSync(p).mtimeMs > maxAgeMs) {
        rmSync(p, { force: true });
        removed++;
      }
    } catch {
      // removed by another process in between: fine
    }
  }
  return removed;
}
