// Restore: restic writes the snapshot (or the chosen paths) into a private staging folder inside
// the target (the same file system, so entries can be renamed into place), then the staged
// entries are moved into place under the archive engine's rules (core/restore/rules.ts):
// - nothing lands outside the target and nothing is written through a link, including every link
//   deep inside a folder the target lacks, which is moved in whole;
// - only the entries the user chose are moved (restic's own matching is not trusted to be exact);
// - an existing file is only replaced when the user chose to overwrite, and then by renaming the
//   new one over it: the old one stays until the new one is in place;
// - below the target, a folder on another file system (EXDEV) gets copies, each fsynced and then
//   renamed over what it replaces;
// - staged folders are made writable while entries move out of them (a snapshot's read-only
//   folders), and get their own modes back once in place;
// - the free space is checked before restic writes anything (staging takes the whole restore,
//   even when existing files are then kept).
// The staging folder is removed whatever happens; should a crash leave one behind, backups skip
// it (core/restore/staging.ts). A cancel or failure stops between entries: what was moved stays,
// and every other file of the target is as it was.
import { constants, promises as fsp, type Stats } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { TaskResult } from '../../../../shared/model';
import { checkBeforeWriting, decideExisting, DEFAULT_RESTORE_LIMITS, freeSpace, pathSelector, refusal, safeMode, segments, spaceNeeded, writeReason, type FreeSpace } from '../../restore/rules';
import { RESTORE_STAGING_PREFIX } from '../../restore/staging';
import { CancelledError, errorText } from '../../util/errors';
import type { TaskContext } from '../../ports';
import type { RestoreRequest } from '../types';
import type { ResticCli } from './cli';
import { includeArgs, snapshotArg } from './browse';
import { parseLsLine } from './json';

/** The file-system calls a restore makes; tests inject what cannot be made for real (EXDEV, an ordinary user's permissions). */
export type ResticRestoreFs = Pick<typeof fsp, 'lstat' | 'readdir' | 'readlink' | 'chmod' | 'rename' | 'rm' | 'mkdir' | 'mkdtemp' | 'realpath' | 'copyFile' | 'open' | 'symlink' | 'unlink' | 'utimes'> & {
  freeSpace(path: string): FreeSpace | undefined;
};

export const nodeRestoreFs: ResticRestoreFs = {
  lstat: fsp.lstat,
  readdir: fsp.readdir,
  readlink: fsp.readlink,
  chmod: fsp.chmod,
  rename: fsp.rename,
  rm: fsp.rm,
  mkdir: fsp.mkdir,
  mkdtemp: fsp.mkdtemp,
  realpath: fsp.realpath,
  copyFile: fsp.copyFile,
  open: fsp.open,
  symlink: fsp.symlink,
  unlink: fsp.unlink,
  utimes: fsp.utimes,
  freeSpace,
};

function tarType(st: Stats): string {
  return st.isDirectory() ? 'Directory' : st.isSymbolicLink() ? 'SymbolicLink' : st.isFile() ? 'File' : 'Other';
}

const OTHER_TYPE = 'unsupported entry type (FIFO, socket or device)';

interface MergeState {
  fs: ResticRestoreFs;
  root: string;
  /** The entries the user chose (undefined: everything); restic's own matching is not trusted to be exact. */
  chosen?: (path: string) => boolean;
  /** Folders on the way to a chosen entry. */
  onTheWay?: (path: string) => boolean;
  overwrite: boolean;
  links: Set<string>;
  checked: Set<string>;
  restored: number;
  kept: number;
  refused: number;
  signal: AbortSignal;
  log: TaskContext['log'];
}

function checkCancel(s: MergeState): void {
  if (s.signal.aborted) throw new CancelledError('Restore');
}

async function lstatOrUndefined(s: MergeState, p: string): Promise<Stats | undefined> {
  return s.fs.lstat(p).catch(() => undefined);
}

/** Owner read/write/search on a staged folder, so entries can be moved out of it (and it can be moved to another parent). */
async function openUp(s: MergeState, dir: string, st: Stats): Promise<void> {
  if ((st.mode & 0o700) !== 0o700) await s.fs.chmod(dir, (st.mode & 0o7777) | 0o700);
}

/** A staged subtree about to move in whole, made ready for it. */
interface Prepared {
  files: number;
  /** Folders (relative to the subtree, '' for itself) and the modes they get once in place, outermost first. */
  modes: [string, number][];
}

/**
 * Walks a staged subtree that moves into the target in whole: every link in it is checked by the
 * same rules as a link at the top (a refused one is removed from the staging), special files are
 * removed, setuid/setgid bits cleared, folders made writable (their modes are kept for later).
 */
async function prepare(s: MergeState, src: string, path: string, st: Stats, sub = '', out: Prepared = { files: 0, modes: [] }): Promise<Prepared> {
  checkCancel(s);
  if (st.isDirectory()) {
    // Once moved, this is a folder of this restore: its entries' parents are not looked up in the
    // target, where the path may still be a link this folder replaces.
    s.checked.add(path);
    const want = safeMode(st.mode, true);
    if ((st.mode & 0o7777) !== (want | 0o700)) await s.fs.chmod(src, want | 0o700);
    if (want !== (want | 0o700)) out.modes.push([sub, want]);
    for (const name of (await s.fs.readdir(src)).sort()) {
      const childSrc = join(src, name);
      const childPath = `${path}/${name}`;
      const cst = await s.fs.lstat(childSrc);
      const linkpath = cst.isSymbolicLink() ? await s.fs.readlink(childSrc) : undefined;
      const type = tarType(cst);
      const why = type === 'Other' ? OTHER_TYPE : refusal(s.root, { path: childPath, type, linkpath }, s.links, s.checked);
      if (why) {
        s.refused++;
        s.log('warn', `Refused ${childPath}: ${why}`);
        await s.fs.rm(childSrc, { recursive: true, force: true });
        continue;
      }
      await prepare(s, childSrc, childPath, cst, sub ? `${sub}/${name}` : name, out);
    }
    return out;
  }
  if (st.isSymbolicLink()) s.links.add(path);
  else if (st.mode & 0o6000) await s.fs.chmod(src, safeMode(st.mode, false));
  out.files++;
  return out;
}

/** Files below a staged entry (one for a file or a link). */
async function countFiles(s: MergeState, src: string, st: Stats): Promise<number> {
  if (!st.isDirectory()) return 1;
  let n = 0;
  for (const name of await s.fs.readdir(src)) n += await countFiles(s, join(src, name), await s.fs.lstat(join(src, name)));
  return n;
}

function isCrossDevice(e: unknown): boolean {
  return (e as NodeJS.ErrnoException)?.code === 'EXDEV';
}

/** A name beside `dst` for a copy that is renamed over it once complete. */
function besideName(dst: string): string {
  return join(dirname(dst), `.${basename(dst)}.${RESTORE_STAGING_PREFIX}${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
}

/** A file or link copied next to `dst` (another file system), flushed to disk, then renamed over `dst`. */
async function copyOver(s: MergeState, src: string, dst: string, st: Stats): Promise<void> {
  const tmp = besideName(dst);
  try {
    if (st.isSymbolicLink()) {
      await s.fs.symlink(await s.fs.readlink(src), tmp);
    } else {
      await s.fs.copyFile(src, tmp, constants.COPYFILE_EXCL);
      const h = await s.fs.open(tmp, process.platform === 'win32' ? 'r+' : 'r'); // Windows flushes only a handle open for writing
      try {
        await h.sync();
      } finally {
        await h.close();
      }
      await s.fs.utimes(tmp, st.atime, st.mtime);
    }
    await s.fs.rename(tmp, dst);
  } catch (e) {
    await s.fs.rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  }
}

/** A staged folder copied to `dst` (absent, on another file system): folders made, files copied over. */
async function copyTree(s: MergeState, src: string, dst: string): Promise<void> {
  checkCancel(s);
  const st = await s.fs.lstat(src);
  if (!st.isDirectory()) return copyOver(s, src, dst, st);
  await s.fs.mkdir(dst, { mode: 0o700 });
  for (const name of (await s.fs.readdir(src)).sort()) await copyTree(s, join(src, name), join(dst, name));
  await s.fs.chmod(dst, st.mode & 0o7777); // as prepared: opened up where its own mode comes back later
  await s.fs.utimes(dst, st.atime, st.mtime);
}

/** Moves a prepared staged entry to `dst`, where nothing is or (replace) a file or link is. */
async function place(s: MergeState, src: string, dst: string, st: Stats, existing: Stats | undefined): Promise<void> {
  if (!st.isDirectory()) {
    // rename() replaces a file or a link itself, atomically: the old one stays until the new one is there.
    try {
      await s.fs.rename(src, dst);
    } catch (e) {
      if (!isCrossDevice(e)) throw e;
      await copyOver(s, src, dst, st);
    }
    return;
  }
  // A folder over a file or link (overwrite): the old one moves aside beside it, and back if the folder cannot move in.
  const aside = existing ? besideName(dst) : undefined;
  if (aside) await s.fs.rename(dst, aside);
  try {
    try {
      await s.fs.rename(src, dst);
    } catch (e) {
      if (!isCrossDevice(e)) throw e;
      try {
        await copyTree(s, src, dst);
      } catch (copyError) {
        await s.fs.rm(dst, { recursive: true, force: true }).catch(() => undefined);
        throw copyError;
      }
    }
  } catch (e) {
    if (aside) await s.fs.rename(aside, dst).catch(() => undefined);
    throw e;
  }
  if (aside) await s.fs.unlink(aside);
}

/** Moves the chosen entries below `from` (a staged folder) to the same place below s.root. */
async function merge(s: MergeState, from: string, rel: string): Promise<void> {
  await openUp(s, from, await s.fs.lstat(from));
  for (const name of (await s.fs.readdir(from)).sort()) {
    checkCancel(s);
    const path = rel ? `${rel}/${name}` : name;
    const src = join(from, name);
    const dst = join(s.root, path);
    const st = await s.fs.lstat(src);
    if (s.chosen && !s.chosen(path)) {
      if (st.isDirectory() && s.onTheWay!(path)) await intoFolder(s, src, path, st);
      continue; // restic restored it, but nobody chose it
    }
    const type = tarType(st);
    const linkpath = st.isSymbolicLink() ? await s.fs.readlink(src) : undefined;
    const why = type === 'Other' ? OTHER_TYPE : refusal(s.root, { path, type, linkpath }, s.links, s.checked);
    if (why) {
      s.refused++;
      if (st.isSymbolicLink()) s.links.add(path);
      s.log('warn', `Refused ${path}: ${why}`);
      continue;
    }
    const existing = await lstatOrUndefined(s, dst);
    const decision = decideExisting(existing, st.isDirectory(), s.overwrite);
    if (decision.action === 'merge') {
      await merge(s, src, path);
      continue;
    }
    if (decision.action === 'keep' || decision.action === 'conflict') {
      s.kept += await countFiles(s, src, st);
      s.log('warn', decision.action === 'keep' ? `Kept existing ${path} (not overwritten)` : `Kept existing ${path}: ${decision.reason}`);
      continue;
    }
    const prepared = await prepare(s, src, path, st);
    try {
      await place(s, src, dst, st, decision.action === 'replace' ? existing : undefined);
      // Modes back, innermost first: a folder without search permission would hide the ones below it.
      for (const [sub, mode] of [...prepared.modes].reverse()) await s.fs.chmod(sub ? join(dst, ...sub.split('/')) : dst, mode);
    } catch (e) {
      if (e instanceof CancelledError) throw e;
      throw new Error(`Could not put ${path} in place (${writeReason(e)}); ${s.restored} files were restored before it, and ${path} is as it was`);
    }
    s.restored += prepared.files;
  }
}

/** A folder on the way to a chosen entry: created (or merged into) without taking what else restic put in it. */
async function intoFolder(s: MergeState, src: string, path: string, st: Stats): Promise<void> {
  const dst = join(s.root, path);
  const why = refusal(s.root, { path, type: 'Directory' }, s.links, s.checked);
  if (why) {
    s.refused++;
    s.log('warn', `Refused ${path}: ${why}`);
    return;
  }
  const existing = await lstatOrUndefined(s, dst);
  if (existing && !existing.isDirectory()) {
    s.kept++;
    s.log('warn', `Kept existing ${path}: is a ${existing.isSymbolicLink() ? 'symbolic link' : 'file'} in the target, a folder in the backup`);
    return;
  }
  if (!existing) await s.fs.mkdir(dst, { mode: safeMode(st.mode, true) | 0o700 });
  await merge(s, src, path);
  if (!existing) await s.fs.chmod(dst, safeMode(st.mode, true));
}

/**
 * Refuses, before restic writes anything, a restore that the target's file system has no room
 * for or that exceeds the restore bounds: staging holds all of it, whatever is kept afterwards.
 */
async function checkSpace(ctx: TaskContext, cli: ResticCli, req: RestoreRequest, fs: ResticRestoreFs, root: string): Promise<void> {
  const chosen = pathSelector(req.paths);
  const free = fs.freeSpace(root);
  const blockSize = free?.blockSize ?? 4096;
  let entries = 0;
  let bytes = 0;
  let needed = 0;
  // Some paths: only below them (ls takes folders as exact path prefixes, not patterns).
  const below = req.paths?.length ? ['--recursive', ...req.paths.map((p) => `/${segments(p).join('/')}`)] : [];
  await cli.run('Sizing the restore', ['ls', '--json', '--no-lock', snapshotArg(req.backupId), ...below], {
    signal: ctx.signal,
    onStdoutLine: (l) => {
      const e = parseLsLine(l);
      if (!e || (chosen && !chosen(e.path))) return;
      entries++;
      if (e.type === 'file') {
        bytes += e.size;
        needed += spaceNeeded([e.size], blockSize);
      }
    },
  });
  const why = checkBeforeWriting({ entries, bytes, needed, creates: entries }, free, DEFAULT_RESTORE_LIMITS);
  if (why) throw new Error(`Restore refused before writing anything: ${why}`);
}

/** Removes the staging folder, read-only folders in it included. */
async function removeStaging(ctx: TaskContext, fs: ResticRestoreFs, staging: string): Promise<void> {
  try {
    await fs.rm(staging, { recursive: true, force: true });
    return;
  } catch {
    // A read-only folder inside: open every folder up, then again.
  }
  const openAll = async (dir: string): Promise<void> => {
    const st = await fs.lstat(dir).catch(() => undefined);
    if (!st?.isDirectory()) return;
    await fs.chmod(dir, (st.mode & 0o7777) | 0o700).catch(() => undefined);
    for (const name of await fs.readdir(dir).catch(() => [] as string[])) await openAll(join(dir, name));
  };
  await openAll(staging);
  await fs.rm(staging, { recursive: true, force: true }).catch((e) => ctx.log('warn', `Could not remove the staging folder ${staging}: ${errorText(e)} (backups leave it out)`));
}

export async function restoreSnapshot(ctx: TaskContext, cli: ResticCli, req: RestoreRequest, fs: ResticRestoreFs = nodeRestoreFs): Promise<TaskResult> {
  try {
    await fs.mkdir(req.target, { recursive: true });
  } catch (e) {
    throw new Error(`Cannot create target folder ${req.target}: ${errorText(e)}`);
  }
  const root = await fs.realpath(req.target);
  const what = req.paths?.length ? req.paths.join(', ') : 'everything';
  ctx.log('info', `Restoring ${what} of snapshot ${req.backupId.slice(0, 8)} into ${root}${req.overwrite ? ' (overwriting existing files)' : ''}`);
  ctx.progress({ current: 'checking free space' });
  await checkSpace(ctx, cli, req, fs, root);
  const staging = await fs.mkdtemp(join(root, RESTORE_STAGING_PREFIX));
  try {
    ctx.progress({ current: 'restic restore' });
    await cli.run('Restore', ['restore', snapshotArg(req.backupId), '--target', staging, ...includeArgs(req.paths)], {
      signal: ctx.signal,
      retryOnLock: true,
      onStderrLine: (l) => l.trim() && ctx.log('warn', `restic: ${cli.redact(l.trim())}`),
    });
    const chosen = pathSelector(req.paths);
    const wanted = (req.paths ?? []).map((p) => segments(p).join('/'));
    const onTheWay = (path: string) => wanted.some((w) => w.startsWith(`${path}/`));
    const s: MergeState = { fs, root, chosen, onTheWay, overwrite: req.overwrite, links: new Set(), checked: new Set(), restored: 0, kept: 0, refused: 0, signal: ctx.signal, log: ctx.log.bind(ctx) };
    ctx.progress({ current: 'moving restored files into place' });
    await merge(s, staging, '');
    if (req.paths?.length && s.restored + s.kept + s.refused === 0) throw new Error(`${what}: not found in snapshot ${req.backupId.slice(0, 8)}`);
    const extra = [s.refused && `${s.refused} refused`, s.kept && `${s.kept} kept`].filter(Boolean).join(', ');
    const summary = `${s.restored} files restored into ${root}${extra ? `; ${extra}` : ''}`;
    ctx.log('info', summary);
    ctx.progress({ files: s.restored, percent: 100 });
    return { fileCount: s.restored, summary, snapshotId: req.backupId };
  } finally {
    await removeStaging(ctx, fs, staging);
  }
}
