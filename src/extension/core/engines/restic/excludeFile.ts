// The exclude list reaches restic as a private file, the same way on every platform (Windows has
// no named pipes for restic to read a list from): it is written whole, before restic starts, into
// a folder made for this one run (mkdtemp: only we can enter it) with mode 0600, and the folder
// is removed when the run ends, whatever happens. The list names the paths the walk left out,
// which says something about the source, so no one else gets to read it, even for a moment.
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A private temporary folder for one run, removed whatever happens. */
export async function withPrivateTemp<T>(prefix: string, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await fsp.mkdtemp(join(tmpdir(), prefix));
  try {
    return await fn(dir);
  } finally {
    await fsp.rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** Runs `fn` with the path of a private file holding `lines` (one pattern a line); removed after. */
export function withExcludeFile<T>(lines: readonly string[], fn: (path: string) => Promise<T>): Promise<T> {
  return withPrivateTemp('backup-scheduler-restic-', async (dir) => {
    const path = join(dir, 'exclude');
    // 'wx': a new file of ours, never one planted there; the mode applies from its creation.
    await fsp.writeFile(path, lines.map((l) => `${l}\n`).join(''), { mode: 0o600, flag: 'wx' });
    return fn(path);
  });
}
