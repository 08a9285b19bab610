// The exclude list as a named pipe, so that restic starts at once: it opens the repository
// (key derivation, index, lock: the slow part of a small backup) while we walk the source, and
// reads the list from the pipe only when it needs it (checked with 0.14: it holds its lock
// while it waits there). A version that reads the list first just waits for the walk.
// The care below is that no open or write of ours can stay blocked on the pipe when restic
// goes away without reading it (a wrong password, a missing repository, a cancel).
import { execFile } from 'node:child_process';
import { constants, promises as fsp } from 'node:fs';

export class ExcludeFifo {
  /** Set once nothing more will be written: the drain below may stop. */
  private finished = false;
  private draining: Promise<void> | undefined;

  private constructor(readonly path: string) {}

  /** A new named pipe at `path`, or undefined where there are none (Windows) or mkfifo fails. */
  static async create(path: string): Promise<ExcludeFifo | undefined> {
    if (process.platform === 'win32') return undefined;
    const made = await new Promise<boolean>((done) => execFile('mkfifo', ['-m', '600', path], (err) => done(!err)));
    return made ? new ExcludeFifo(path) : undefined;
  }

  /** Writes the lines and closes the pipe (restic then reads end of file). */
  async write(lines: string[]): Promise<void> {
    const data = lines.map((l) => `${l}\n`).join('');
    try {
      const fh = await fsp.open(this.path, constants.O_WRONLY);
      try {
        await fh.writeFile(data);
      } catch {
        // EPIPE: restic went away without reading; release() is draining or has nothing to do.
      } finally {
        // Before close: restic cannot see end of file, so cannot exit, before this is set.
        this.finished = true;
        await fh.close().catch(() => undefined);
      }
    } finally {
      this.finished = true;
    }
  }

  /** Nothing will be written (the walk failed or was stopped). */
  abandon(): void {
    this.finished = true;
  }

  /**
   * Call once restic has exited. If our writer has not finished, a reader of our own keeps the
   * pipe open and drains it, so the writer's open and write complete instead of blocking a
   * thread for ever; it stops once the writer is done (or abandoned).
   */
  release(): Promise<void> {
    this.draining ??= this.finished ? Promise.resolve() : this.drain();
    return this.draining;
  }

  private async drain(): Promise<void> {
    // Non-blocking: opening never waits for a writer, reading never waits for data.
    const r = await fsp.open(this.path, constants.O_RDONLY | constants.O_NONBLOCK).catch(() => undefined);
    if (!r) return;
    const buf = Buffer.allocUnsafe(64 * 1024);
    try {
      for (;;) {
        let n = 0;
        try {
          n = (await r.read(buf, 0, buf.length, null)).bytesRead;
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') break;
        }
        if (n > 0) continue;
        if (this.finished) break;
        await new Promise((res) => setTimeout(res, 10));
      }
    } finally {
      await r.close().catch(() => undefined);
    }
  }
}
