// Writes an archive under a temporary name and publishes it with one rename-like step, so a
// reader (retention, restore, the user) never sees a half-written archive, and any failure or
// cancel removes the temporary file.
import { constants, promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { DestinationError, ensureFolder, fsGuard, UnresponsiveError } from '../../fsguard';
import { CancelledError, errCode, errorText } from '../../util/errors';
import { parseTempName, tempName } from './naming';

/** Every call on a destination goes through the guard (a stuck mount fails the task, not the pool). */
function onDest<T>(destination: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  return fsGuard.run(destination, 'destination', fn, signal);
}

/** Temporary files a live writer of this process owns; any other of our pid was abandoned. */
const liveTemps = new Set<string>();

/** Turns the errors a destination can produce into a sentence a user can act on. */
export function destinationError(e: unknown, destination: string): Error {
  if (e instanceof UnresponsiveError || e instanceof DestinationError || e instanceof CancelledError) return e;
  const code = errCode(e);
  const why: Record<string, string> = {
    ENOSPC: 'the destination is full (no space left on device)',
    EDQUOT: 'the disk quota of the destination is exhausted',
    EROFS: 'the destination is on a read-only file system',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    ENOTDIR: 'a part of the path is a file, not a folder',
    EFBIG: 'the archive is larger than the destination file system allows',
  };
  const reason = (code && why[code]) || errorText(e);
  const err = new Error(`Cannot write to destination ${destination}: ${reason}`);
  (err as NodeJS.ErrnoException).code = code;
  return err;
}

export async function ensureDestination(destination: string, signal?: AbortSignal): Promise<void> {
  try {
    // Every folder created here is private: archives hold whatever the source held (restic does the same).
    await ensureFolder(destination, { guard: fsGuard, signal, mode: 0o700 });
  } catch (e) {
    throw destinationError(e, destination);
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errCode(e) === 'EPERM';
  }
}

/** Removes temporary files left by a writer of this environment that died (host crash, kill -9). */
export async function removeStalePartials(destination: string, envId: string, log: (text: string) => void): Promise<void> {
  const names = await onDest(destination, () => fsp.readdir(destination)).catch((e: unknown) => {
    if (e instanceof UnresponsiveError) throw e;
    return [] as string[];
  });
  for (const name of names) {
    const t = parseTempName(name, envId);
    if (!t) continue;
    const path = join(destination, name);
    if (t.pid === process.pid && liveTemps.has(path)) continue;
    const st = await onDest(destination, () => fsp.stat(path)).catch(() => undefined);
    if (!st) continue;
    const idleHours = (Date.now() - st.mtimeMs) / 3_600_000;
    if (t.pid !== process.pid && pidAlive(t.pid) && idleHours < 6) continue;
    await onDest(destination, () => fsp.unlink(path)).then(() => log(`Removed stale temporary file ${name}`), () => undefined);
  }
}

export class AtomicFile {
  private published = false;

  private constructor(
    readonly destination: string,
    readonly tempPath: string,
    private fh: fsp.FileHandle | undefined,
  ) {}

  /** Opens a new temporary file for `finalName` in `destination` (exclusive create). */
  static async create(destination: string, finalName: string): Promise<AtomicFile> {
    const tempPath = join(destination, tempName(finalName));
    try {
      const fh = await onDest(destination, () => fsp.open(tempPath, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600));
      liveTemps.add(tempPath);
      return new AtomicFile(destination, tempPath, fh);
    } catch (e) {
      throw destinationError(e, destination);
    }
  }

  /** Adopts a temporary path that someone else (a dump command) wrote. */
  static adopt(destination: string, tempPath: string): AtomicFile {
    liveTemps.add(tempPath);
    return new AtomicFile(destination, tempPath, undefined);
  }

  async write(buf: Buffer): Promise<void> {
    if (!this.fh) throw new Error('archive file is closed');
    try {
      let off = 0;
      while (off < buf.length) {
        const fh = this.fh;
        const { bytesWritten } = await onDest(this.destination, () => fh.write(buf, off, buf.length - off));
        off += bytesWritten;
      }
    } catch (e) {
      throw destinationError(e, this.destination);
    }
  }

  /**
   * fsyncs the data, then links the file under its final name (never replacing an existing
   * file: the next free second is taken), removes the temporary name and fsyncs the folder.
   * `alongside(finalPath)` runs while the folder is fsynced (the archive's index); it must not
   * reject. Returns the final path.
   */
  async commit(nameFor: (bumpSeconds: number) => string, alongside?: (finalPath: string) => Promise<void>): Promise<string> {
    try {
      const fh = this.fh ?? (await onDest(this.destination, () => fsp.open(this.tempPath, 'r')));
      await onDest(this.destination, () => fh.sync());
      await onDest(this.destination, () => fh.close());
      this.fh = undefined;
      const finalPath = await this.publish(nameFor);
      this.published = true;
      liveTemps.delete(this.tempPath);
      await Promise.all([this.syncDir(), alongside?.(finalPath)]);
      return finalPath;
    } catch (e) {
      throw destinationError(e, this.destination);
    }
  }

  private async publish(nameFor: (bumpSeconds: number) => string): Promise<string> {
    for (let bump = 0; bump < 60; bump++) {
      const finalPath = join(this.destination, nameFor(bump));
      try {
        await onDest(this.destination, () => fsp.link(this.tempPath, finalPath));
        await onDest(this.destination, () => fsp.unlink(this.tempPath));
        return finalPath;
      } catch (e) {
        const code = errCode(e);
        if (code === 'EEXIST') continue;
        // File systems without hard links (FAT, some network shares): check, then rename.
        if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'ENOSYS') {
          if (await onDest(this.destination, () => fsp.lstat(finalPath)).then(() => true, (le: unknown) => {
            if (le instanceof UnresponsiveError) throw le;
            return false;
          })) continue;
          await onDest(this.destination, () => fsp.rename(this.tempPath, finalPath));
          return finalPath;
        }
        throw e;
      }
    }
    throw new Error('no free archive name within a minute of the start time');
  }

  private async syncDir(): Promise<void> {
    // Makes the new directory entry durable; not possible on Windows, where it is skipped.
    let dh: fsp.FileHandle | undefined;
    try {
      dh = await onDest(this.destination, () => fsp.open(this.destination, 'r'));
      const h = dh;
      await onDest(this.destination, () => h.sync());
    } catch {
      /* best effort */
    } finally {
      const h = dh;
      if (h) await onDest(this.destination, () => h.close()).catch(() => undefined);
    }
  }

  /**
   * Closes and deletes the temporary file; safe to call twice and after a failed commit. On a
   * destination that does not answer it gives up at once: the next run removes the file.
   */
  async discard(): Promise<void> {
    if (this.published) return;
    const fh = this.fh;
    this.fh = undefined;
    liveTemps.delete(this.tempPath);
    if (fh) await onDest(this.destination, () => fh.close()).catch(() => undefined);
    await onDest(this.destination, () => fsp.unlink(this.tempPath)).catch(() => undefined);
  }
}
