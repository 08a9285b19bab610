// File operations of tasks.db. The only way bytes reach tasks.db is writeFileAtomic: readers (the
// next start, the sqlite3 CLI, another window) see the old file or the new one, never a mix.
import { promises as fs } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export function tempPathOf(path: string): string {
  return `${path}.tmp`;
}

/** temp file -> fsync -> rename over `path` -> fsync the folder (so the rename itself survives a power cut). */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const tmp = tempPathOf(path);
  const fh = await fs.open(tmp, 'w');
  try {
    await fh.writeFile(bytes);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await fs.rename(tmp, path);
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

/** The file's bytes, or undefined when there is no file yet. Other errors (EACCES, EISDIR) propagate. */
export async function readIfExists(path: string): Promise<Uint8Array | undefined> {
  try {
    return await fs.readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
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
  await fs.rm(tempPathOf(path), { force: true });
}
