// The rules every restore follows, whatever engine the backup came from (archive, restic) and
// whether it restores everything, some paths or one file:
// - nothing is written outside the target (absolute paths, "..", symbolic links);
// - nothing that exists is removed or replaced unless the user chose to overwrite, and a folder
//   in the backup over a file in the target is a conflict that is reported, never resolved;
// - setuid/setgid bits are never restored;
// - a backup bigger than the free space or a sane bound is refused before anything is written;
// - a write error fails the restore, names the files, and only what was written is counted.
import { lstatSync, statfsSync, type Stats } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { formatBytes } from '../util/format';

export interface RestoreLimits {
  /** Most entries a restore may create. */
  maxEntries: number;
  /** Most bytes of file content a restore may write. */
  maxBytes: number;
}

export const DEFAULT_RESTORE_LIMITS: RestoreLimits = { maxEntries: 5_000_000, maxBytes: 4 * 1024 ** 4 };

/** Errors after which writing more is pointless (and each further file would be damaged too). */
export const FATAL_WRITE_CODES = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EIO', 'EFBIG']);

const WRITE_REASONS: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EIO: 'input/output error',
  EFBIG: 'file too large for the file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENAMETOOLONG: 'name too long for the file system',
};

export function writeReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  return (code && WRITE_REASONS[code]) || (e instanceof Error ? e.message : String(e));
}

/** Permission bits a restored entry gets: never setuid/setgid (a backup must not grant privileges). */
export function safeMode(mode: number | undefined, isDir: boolean): number {
  const m = (mode ?? (isDir ? 0o755 : 0o644)) & (isDir ? 0o1777 : 0o777);
  return m;
}

const ALLOWED = new Set(['File', 'OldFile', 'ContiguousFile', 'Directory', 'SymbolicLink', 'Link']);

export function inside(root: string, p: string): boolean {
  const rel = relative(root, p);
  return rel === '' || (!isAbsolute(rel) && rel !== '..' && !rel.startsWith(`..${sep}`));
}

function looksAbsolute(p: string): boolean {
  return p.startsWith('/') || p.startsWith('\\') || /^[a-zA-Z]:/.test(p);
}

export function segments(p: string): string[] {
  return p.split(/[\\/]+/).filter((s) => s !== '' && s !== '.');
}

function lstatOrUndefined(p: string): Stats | undefined {
  try {
    return lstatSync(p, { throwIfNoEntry: false });
  } catch {
    return undefined; // ENOTDIR (a parent is a file) and the like: nothing that could be a link
  }
}

/**
 * Why an entry must not be extracted, or undefined when it is safe.
 * `links` holds the symlinks this restore already created (or refused), so nothing is ever
 * written through them; `checkedDirs` caches parents already seen not to be links.
 * Uses synchronous lstat: call it off the extension host's main thread (the restore worker).
 */
export function refusal(root: string, entry: { path: string; type: string; linkpath?: string }, links: Set<string>, checkedDirs = new Set<string>()): string | undefined {
  const p = entry.path;
  if (looksAbsolute(p)) return 'absolute path';
  const parts = segments(p);
  if (parts.includes('..')) return 'path contains ".."';
  if (!ALLOWED.has(entry.type)) return `unsupported entry type ${entry.type}`;
  for (let i = 1; i < parts.length; i++) {
    if (links.has(parts.slice(0, i).join('/'))) return `parent ${parts.slice(0, i).join('/')} is a symbolic link`;
  }
  // Links already in the target (not from this backup). A parent checked once stays checked:
  // only this restore's own links (in `links`) could turn it into a link meanwhile.
  for (let i = 1; i < parts.length; i++) {
    const prefix = parts.slice(0, i).join('/');
    if (checkedDirs.has(prefix)) continue;
    if (lstatOrUndefined(resolve(root, prefix))?.isSymbolicLink()) return `parent ${prefix} is a symbolic link in the target`;
    checkedDirs.add(prefix);
  }
  if (entry.type === 'SymbolicLink') {
    const lp = entry.linkpath ?? '';
    if (lp === '' || looksAbsolute(lp)) return `symbolic link to absolute path ${lp}`;
    // Leading ".." only: a ".." after a name could climb out of whatever that name links to.
    const lparts = segments(lp);
    const firstName = lparts.findIndex((s) => s !== '..');
    if (firstName >= 0 && lparts.slice(firstName).includes('..')) return `symbolic link target ${lp} has ".." after a name`;
    if (!inside(root, resolve(root, dirname(parts.join('/')), lp))) return `symbolic link pointing outside the target (${lp})`;
  }
  if (entry.type === 'Link') {
    const lp = entry.linkpath ?? '';
    const lparts = segments(lp);
    if (lp === '' || looksAbsolute(lp) || lparts.includes('..')) return `hard link to ${lp} outside the target`;
    for (let i = 1; i <= lparts.length; i++) {
      const prefix = lparts.slice(0, i).join('/');
      if (links.has(prefix) || lstatOrUndefined(resolve(root, prefix))?.isSymbolicLink()) return `hard link through symbolic link ${prefix}`;
    }
  }
  return undefined;
}

export type ExistingDecision =
  | { action: 'create' }
  | { action: 'merge' }
  | { action: 'replace' }
  | { action: 'keep' }
  | { action: 'conflict'; reason: string };

/**
 * What to do with an entry whose path may already exist in the target. Only `replace` ever
 * removes anything, and only when the user chose to overwrite; a folder is never removed.
 */
export function decideExisting(existing: Stats | undefined, entryIsDir: boolean, overwrite: boolean): ExistingDecision {
  if (!existing) return { action: 'create' };
  if (entryIsDir) {
    if (existing.isDirectory()) return { action: 'merge' };
    if (!overwrite) return { action: 'conflict', reason: `is a ${kindOf(existing)} in the target, a folder in the backup: kept the ${kindOf(existing)}` };
    return { action: 'replace' };
  }
  if (existing.isDirectory()) return { action: 'conflict', reason: 'is a folder in the target: kept the folder' };
  return overwrite ? { action: 'replace' } : { action: 'keep' };
}

function kindOf(st: Stats): string {
  return st.isSymbolicLink() ? 'symbolic link' : st.isFile() ? 'file' : 'special file';
}

/**
 * Which entries a restore of some paths takes: the paths themselves and everything below them.
 * Paths are relative, '/'-separated; undefined or empty selects everything.
 */
export function pathSelector(paths?: readonly string[]): ((path: string) => boolean) | undefined {
  if (!paths?.length) return undefined;
  const wanted = paths.map((p) => segments(p).join('/'));
  if (wanted.some((w) => w === '')) return undefined;
  for (const w of paths) if (segments(w).includes('..') || looksAbsolute(w)) throw new Error(`Cannot restore ${w}: not a path inside the backup`);
  return (path: string) => {
    const p = segments(path).join('/');
    return wanted.some((w) => p === w || p.startsWith(`${w}/`));
  };
}

export interface FreeSpace {
  bytes: number;
  /** Free inodes, when the file system reports a limit. */
  inodes?: number;
  blockSize: number;
}

export function freeSpace(path: string): FreeSpace | undefined {
  try {
    const s = statfsSync(path);
    return { bytes: s.bavail * s.bsize, inodes: s.files > 0 ? s.ffree : undefined, blockSize: s.bsize || 4096 };
  } catch {
    return undefined; // not supported here: the write errors still stop the restore
  }
}

/** Bytes the file system needs for files of these sizes (whole blocks each). */
export function spaceNeeded(sizes: Iterable<number>, blockSize: number): number {
  let n = 0;
  for (const s of sizes) n += Math.ceil(s / blockSize) * blockSize;
  return n;
}

/**
 * Why a restore must not start, or undefined: checked before the first byte is written.
 * `entries`/`bytes`: what the backup would create; `needed`: bytes the target must have free.
 */
export function checkBeforeWriting(plan: { entries: number; bytes: number; needed: number; creates: number }, free: FreeSpace | undefined, limits: RestoreLimits = DEFAULT_RESTORE_LIMITS): string | undefined {
  if (plan.entries > limits.maxEntries) return `the backup holds ${plan.entries.toLocaleString('en-US')} entries, more than the ${limits.maxEntries.toLocaleString('en-US')} a restore accepts`;
  if (plan.bytes > limits.maxBytes) return `the backup expands to ${formatBytes(plan.bytes)}, more than the ${formatBytes(limits.maxBytes)} a restore accepts`;
  if (free && plan.needed > free.bytes) return `it needs ${formatBytes(plan.needed)} and the target has ${formatBytes(free.bytes)} free`;
  if (free?.inodes !== undefined && plan.creates > free.inodes) return `it creates ${plan.creates.toLocaleString('en-US')} entries and the target's file system has room for ${free.inodes.toLocaleString('en-US')} more`;
  return undefined;
}

/** Files that could not be written: the restore fails and says which. */
export class WriteFailures {
  readonly items: { path: string; reason: string }[] = [];

  add(path: string, e: unknown): void {
    this.items.push({ path, reason: writeReason(e) });
  }

  get count(): number {
    return this.items.length;
  }

  /** "3 files could not be written (no space left on device): a, b, c" — the first few named. */
  describe(max = 10): string {
    const reasons = [...new Set(this.items.map((i) => i.reason))];
    const names = this.items.slice(0, max).map((i) => i.path);
    const more = this.items.length > max ? ` and ${this.items.length - max} more` : '';
    const n = this.items.length;
    return `${n} ${n === 1 ? 'file' : 'files'} could not be written (${reasons.slice(0, 3).join('; ')}): ${names.join(', ')}${more}`;
  }
}
