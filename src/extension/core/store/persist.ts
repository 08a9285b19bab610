// File operations of tasks.db. The only way bytes reach tasks.db is writeFileAtomic: readers (the
// next start, the sqlite3 CLI, another window) see the old file or the new one, never a mix.
import { promises as fs } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Per process: a window that lost the leadership while writing and the window that took over
 * never write into the same temp file (which could publish a mix of both).
 */
export function tempPathOf(path: string, pid: number = process.pid): string {
  return `${path}.${pid}.tmp`;
}

/**
 * temp file -> fsync -> rename over `path` -> fsync the folder (so the rename itself survives a
 * power cut). `beforeRename` is asked once the bytes are safely on disk, right before they
 * replace the file: false (this window no longer leads) drops them. The store worker asks the
 * host's thread, which knows the leadership, and waits for its answer.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array, beforeRename?: () => boolean | Promise<boolean>): Promise<void> {
  const tmp = tempPathOf(path);
  try {
    const fh = await fs.open(tmp, 'w');
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    if (beforeRename && !(await beforeRename())) throw new Error('another window leads now; this one no longer writes the history');
    await fs.rename(tmp, path);
  } catch (e) {
    // A failed save (disk full, the file replaced by a folder, lost leadership) leaves nothing
    // behind: a half-written temp file only fills the disk further.
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  }
  await fsyncDir(dirname(path));
}

async function fsyncDir(dir: string): Promise<void> {
  let fh: fs.FileHandle | undefined;
  try {
    fh = await fs.open(dir, 'r');
    await fh.sync();
  } catch (e) {
    // Windows cannot open or fsync a directory; there the rename is as durable as it gets.
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EACCES') throw e;
  } finally {
    await fh?.close();
  }
}

export type ReadFile = (path: string) => Promise<Uint8Array>;

/** Errors that say nothing about the file: too many open files, a flaky disk or network share. */
export const TRANSIENT_READ_ERRORS: ReadonlySet<string> = new Set(['EMFILE', 'ENFILE', 'EIO', 'EAGAIN', 'EBUSY', 'EINTR', 'ETIMEDOUT']);
export const DEFAULT_READ_RETRY_MS: readonly number[] = [50, 200, 500, 1000, 2000];

/**
 * The file's bytes, or undefined when there is no file yet. A transient error is retried after
 * each delay of `retryMs`; when it persists, or for any other error (EACCES, EISDIR), it propagates.
 */
export async function readIfExists(path: string, retryMs: readonly number[] = DEFAULT_READ_RETRY_MS, read: ReadFile = (p) => fs.readFile(p)): Promise<Uint8Array | undefined> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await read(path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return undefined;
      if (!code || !TRANSIENT_READ_ERRORS.has(code) || attempt >= retryMs.length) throw e;
      await new Promise((r) => setTimeout(r, retryMs[attempt]));
    }
  }
}

/** Renames a bad file to `<name>.corrupt-<UTC timestamp>` (kept for the user, never deleted); returns the new path. */
export async function moveAside(path: string, now: number): Promise<string> {
  const stamp = new Date(now).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  let target = join(dirname(path), `${basename(path)}.corrupt-${stamp}`);
  for (let n = 2; await exists(target); n++) target = join(dirname(path), `${basename(path)}.corrupt-${stamp}-${n}`);
  await fs.rename(path, target);
  return target;
}

async function exists(path: string): Promise<boolean> {
  try {
    await fs.lstat(path);
    return true;
  } catch {
    return false;
  }
}

/** A temp file left by a crash mid-write is garbage: tasks.db itself is still the last good state. */
export async function removeStaleTemp(path: string): Promise<void> {
  const dir = dirname(path);
  const prefix = basename(path) + '.';
  let names: string[] = [];
  try {
    names = await fs.readdir(dir);
  } catch {
    return;
  }
  // tasks.db.tmp (older versions) and tasks.db.<pid>.tmp; only the leader opens tasks.db for writing.
  for (const n of names) if (n.startsWith(prefix) && n.endsWith('.tmp')) await fs.rm(join(dir, n), { force: true, recursive: false }).catch(() => undefined);
}
