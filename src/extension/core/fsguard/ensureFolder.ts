// Creates a destination folder without `mkdir -p`: Node 20's recursive mkdir never returns on a
// pseudo file system (`/proc/backup-here` spins a thread-pool thread at 100% for ever). Instead
// we walk up to the nearest folder that exists, one stat at a time, check it can hold a backup
// (a folder, not a file; storage, not /proc; writable), then create the missing levels one
// plain mkdir at a time. Every call goes through the guard, so a hung mount fails too.
import { constants, promises as fsp } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { errCode, errorText } from '../util/errors';
import type { FsGuard } from './guard';
import { pseudoFsByPath, pseudoFsName } from './pseudoFs';

/** The calls this needs, injectable so the unit tests can make them hang or fail. */
export interface FolderFs {
  stat(path: string): Promise<{ isDirectory(): boolean }>;
  mkdir(path: string, mode: number): Promise<unknown>;
  access(path: string, mode: number): Promise<void>;
  statfs(path: string): Promise<{ type: number }>;
}

export const nodeFolderFs: FolderFs = {
  stat: (p) => fsp.stat(p),
  mkdir: (p, mode) => fsp.mkdir(p, { mode }),
  access: (p, m) => fsp.access(p, m),
  statfs: (p) => fsp.statfs(p),
};

export interface EnsureFolderOptions {
  guard: FsGuard;
  fs?: FolderFs;
  platform?: NodeJS.Platform;
  signal?: AbortSignal;
  /** Permissions of the folders created (default 0o777 less the umask). */
  mode?: number;
}

/** An error whose message is the whole story, naming the destination and the part at fault. */
export class DestinationError extends Error {
  override name = 'DestinationError';
  constructor(message: string, readonly code?: string) {
    super(message);
  }
}

export async function ensureFolder(path: string, opts: EnsureFolderOptions): Promise<void> {
  const fs = opts.fs ?? nodeFolderFs;
  const target = resolve(path);
  const run = <T>(fn: () => Promise<T>) => opts.guard.run(target, 'destination', fn, opts.signal);
  const fail = (why: string, code?: string): never => {
    throw new DestinationError(`Cannot write to destination ${target}: ${why}`, code);
  };

  // Nearest existing ancestor (or the target itself), and the levels to create below it.
  const missing: string[] = [];
  let existing = target;
  let isDir: boolean;
  for (;;) {
    const st = await run(() => fs.stat(existing)).catch((e: unknown) => {
      const code = errCode(e);
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined; // ENOTDIR: a file further up, seen below
      if (code === 'EACCES' || code === 'EPERM') return fail(`no permission to look into ${dirname(existing)}`, code);
      throw e;
    });
    if (st) {
      isDir = st.isDirectory();
      break;
    }
    const parent = dirname(existing);
    if (parent === existing) fail('no part of the path exists (is the drive or network share connected?)', 'ENOENT');
    missing.unshift(existing);
    existing = parent;
  }

  if (!isDir) fail(existing === target ? 'it is a file, not a folder' : `${existing} is a file, not a folder`, 'ENOTDIR');
  const pseudo = await pseudoFsOf(existing, fs, run, opts.platform);
  if (pseudo) fail(`${existing} is on ${pseudo}, a kernel pseudo file system that cannot store files (was another folder meant?)`, 'EPSEUDOFS');
  await run(() => fs.access(existing, constants.W_OK)).catch((e: unknown) => {
    const code = errCode(e);
    if (code === 'EROFS') fail(`${existing} is on a read-only file system`, code);
    if (code === 'EACCES' || code === 'EPERM') fail(`no permission to write in ${existing}`, code);
    throw e;
  });

  for (const dir of missing) {
    await run(() => fs.mkdir(dir, opts.mode ?? 0o777)).catch(async (e: unknown) => {
      const code = errCode(e);
      if (code === 'EEXIST' && (await run(() => fs.stat(dir)).then((s) => s.isDirectory(), () => false))) return; // made meanwhile
      if (code === 'ENOENT') fail(`the file system refused to create ${dir} although ${dirname(dir)} exists (a pseudo or special file system?)`, code);
      if (code === 'EROFS') fail(`${dirname(dir)} is on a read-only file system`, code);
      if (code === 'EACCES' || code === 'EPERM') fail(`no permission to create ${dir}`, code);
      if (code === 'ENOSPC' || code === 'EDQUOT') fail(`no space left to create ${dir}`, code);
      if (code) fail(`cannot create ${dir}: ${errorText(e)}`, code);
      throw e;
    });
  }
}

async function pseudoFsOf(path: string, fs: FolderFs, run: <T>(fn: () => Promise<T>) => Promise<T>, platform?: NodeJS.Platform): Promise<string | undefined> {
  const byPath = pseudoFsByPath(path, platform);
  if (byPath) return byPath;
  const st = await run(() => fs.statfs(path)).catch((e: unknown) => {
    if (errCode(e) === undefined) throw e; // the guard's verdict, not the file system's
    return undefined; // statfs unsupported here: the later calls will tell
  });
  return st ? pseudoFsName(st.type) : undefined;
}
