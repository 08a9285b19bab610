// The on-disk layout of the leader election, in `<storage>/leader/`:
//   term-000000000007      claim of term 7: created once with O_EXCL by its owner, never rewritten
//   term-000000000007.hb   its heartbeat: replaced (temp + rename) by the owner every heartbeatMs
// The claim file is immutable on purpose: O_EXCL on create is what makes "one owner per term"
// true, and a rename over it (for a heartbeat) would swap its inode and could even recreate a
// term that cleanup had removed. Liveness lives in the sibling `.hb`, which readers only ever see
// whole because it is published by rename.
// Everything here is synchronous: a few tiny files, touched about once a second, and one election
// step must not interleave with another one of the same process.
import { closeSync, fsyncSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** What a leader says about itself (in its claim, and again in every heartbeat). */
export interface LeaderClaim {
  pid: number;
  hostname: string;
  instanceId: string;
  startedAt: number;
  /** Where followers reach the leader's RPC channel; '' when it serves none. */
  endpoint: string;
}

export interface Heartbeat extends LeaderClaim {
  term: number;
  heartbeatAt: number;
  /** Counts up with every beat, so a reader sees a change even when wall clocks disagree. */
  seq: number;
  /** Set by a leader that shut down cleanly: followers take over without waiting. */
  released?: boolean;
}

const TERM_RE = /^term-(\d{12})$/;

export const termPath = (dir: string, term: number): string => join(dir, `term-${String(term).padStart(12, '0')}`);
export const heartbeatPath = (dir: string, term: number): string => `${termPath(dir, term)}.hb`;

function code(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

/** Claimed terms, highest first; [] when the folder does not exist yet. */
export function listTerms(dir: string): number[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    if (code(e) === 'ENOENT') return [];
    throw e;
  }
  const terms: number[] = [];
  for (const n of names) {
    const m = TERM_RE.exec(n);
    if (m) terms.push(Number(m[1]));
  }
  return terms.sort((a, b) => b - a);
}

export const highestTerm = (dir: string): number => listTerms(dir)[0] ?? 0;

/**
 * Claims `term` with O_EXCL: true for exactly one caller, false (EEXIST) for all others. The
 * content is written after the create, so a reader may briefly see an empty claim; readers treat
 * an unreadable claim as "owner unknown" and judge it by its heartbeat like any other.
 */
export function tryClaim(dir: string, term: number, claim: LeaderClaim): boolean {
  let fd: number;
  try {
    fd = openSync(termPath(dir, term), 'wx');
  } catch (e) {
    if (code(e) === 'EEXIST') return false;
    throw e;
  }
  try {
    writeSync(fd, JSON.stringify({ term, ...claim }));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return true;
}

function readJson<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return undefined; // missing, or a claim caught between create and write
  }
}

export const readClaim = (dir: string, term: number): LeaderClaim | undefined => readJson<LeaderClaim>(termPath(dir, term));
export const readHeartbeat = (dir: string, term: number): Heartbeat | undefined => readJson<Heartbeat>(heartbeatPath(dir, term));

/** Publishes a heartbeat whole (temp + rename). No fsync: it is about liveness, not durability. */
export function writeHeartbeat(dir: string, hb: Heartbeat): void {
  const path = heartbeatPath(dir, hb.term);
  const tmp = `${path}.${hb.instanceId}.tmp`;
  writeFileSync(tmp, JSON.stringify(hb));
  renameSync(tmp, path);
}

/**
 * Removes the files of terms below `current - keep`. Kept terms let a leader that wakes up from a
 * long pause still find its own claim plus the higher ones, and so step down rather than guess.
 */
export function removeOldTerms(dir: string, current: number, keep = 2): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const n of names) {
    const m = /^term-(\d{12})(\.hb.*)?$/.exec(n);
    if (m && Number(m[1]) < current - keep) rmSync(join(dir, n), { force: true });
  }
}
