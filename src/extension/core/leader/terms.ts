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
  /** 'agent': the background agent (src/agent), preferred as leader; absent or 'window': a VS Code window. */
  kind?: 'window' | 'agent';
  /** The extension version that runs this host (shown in the status bar and the Environments view). */
  version?: string;
}

export interface Heartbeat extends LeaderClaim {
  term: number;
  heartbeatAt: number;
  /** Counts up with every beat, so a reader sees a change even when wall clocks disagree. */
  seq: number;
  /** Set by a leader that shut down cleanly: followers take over without waiting. */
  released?: boolean;
  /** When this host started leading this term (epoch ms). */
  leadingSince?: number;
  /** How often this leader renews (ms): followers wait at least 2.5 beats before calling it dead. */
  beatEveryMs?: number;
}

// A term file's name is `term-` and digits. Terms count up by one per takeover, so a real one
// never comes near MAX_TERM; a file beyond it (or a number that does not even fit) was not written
// by a member of this election, and a member that honoured it could never claim the next term:
// it is ignored and removed. Other names in the folder are not ours and are left alone.
export const MAX_TERM = 999_999_999;
const TERM_FILE_RE = /^term-(\d+)(\.hb(?:\..*)?)?$/;

/** The term a file name belongs to (claim, heartbeat or heartbeat temp), or undefined. */
export function parseTermName(name: string): { term: number; valid: boolean; claim: boolean } | undefined {
  const m = TERM_FILE_RE.exec(name);
  if (!m) return undefined;
  const term = m[1].length > 15 ? Number.POSITIVE_INFINITY : Number(m[1]);
  return { term, valid: Number.isSafeInteger(term) && term >= 1 && term <= MAX_TERM, claim: m[2] === undefined };
}

export const termPath = (dir: string, term: number): string => join(dir, `term-${String(term).padStart(12, '0')}`);
export const heartbeatPath = (dir: string, term: number): string => `${termPath(dir, term)}.hb`;

function code(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

/**
 * The folder's names, read once per election step and handed to the helpers below (one readdir
 * per tick, not one per helper); [] when the folder does not exist yet.
 */
export function readTermNames(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch (e) {
    if (code(e) === 'ENOENT') return [];
    throw e;
  }
}

/** Claimed terms, highest first; [] when the folder does not exist yet. */
export function listTerms(dir: string, names: readonly string[] = readTermNames(dir)): number[] {
  const terms: number[] = [];
  for (const n of names) {
    const t = parseTermName(n);
    if (t?.claim && t.valid) terms.push(t.term);
  }
  return terms.sort((a, b) => b - a);
}

/** Removes term files that are not a valid term (see MAX_TERM); returns the names left. */
export function removeForeignTerms(dir: string, names: readonly string[] = readNamesOrNone(dir)): string[] {
  const left: string[] = [];
  for (const n of names) {
    const t = parseTermName(n);
    if (t && !t.valid) rmSync(join(dir, n), { force: true });
    else left.push(n);
  }
  return left;
}

function readNamesOrNone(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
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

/** The claim in a file, or undefined when it is missing, not whole yet, or not shaped like one. */
function readClaimFile(path: string): (LeaderClaim & Partial<Heartbeat>) | undefined {
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined; // missing, or a claim caught between create and write
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const c = v as Record<string, unknown>;
  const ok = Number.isSafeInteger(c.pid) && typeof c.hostname === 'string' && typeof c.instanceId === 'string' && typeof c.startedAt === 'number' && typeof c.endpoint === 'string';
  return ok ? (c as unknown as LeaderClaim & Partial<Heartbeat>) : undefined;
}

export const readClaim = (dir: string, term: number): LeaderClaim | undefined => readClaimFile(termPath(dir, term));
export function readHeartbeat(dir: string, term: number): Heartbeat | undefined {
  const hb = readClaimFile(heartbeatPath(dir, term));
  return hb && hb.term === term && Number.isSafeInteger(hb.seq) && typeof hb.heartbeatAt === 'number' ? (hb as Heartbeat) : undefined;
}

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
export function removeOldTerms(dir: string, current: number, keep = 2, names: readonly string[] = readNamesOrNone(dir)): void {
  for (const n of names) {
    const t = parseTermName(n);
    if (t?.valid && t.term < current - keep) rmSync(join(dir, n), { force: true });
  }
}

/** Removes one term's claim and heartbeat. */
export function removeTerm(dir: string, term: number): void {
  rmSync(heartbeatPath(dir, term), { force: true });
  rmSync(termPath(dir, term), { force: true });
}
