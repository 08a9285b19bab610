// Where a command environment's dump waits between the command and `restic backup --stdin`.
// Not the system temp folder: that is often RAM-backed (tmpfs), and a database dump of several
// GB would fill memory or fail there. Beside restic's cache instead (~/.cache/backup-scheduler-dumps
// next to ~/.cache/restic): on disk, private to the user, and where restic itself already keeps
// large files. Streaming the command's output straight into `restic backup --stdin` (0.14 has
// `--stdin --stdin-filename`) would avoid the copy, but a command that fails half-way would then
// leave a snapshot of a partial dump, and skipIfUnchanged needs the dump's hash before restic runs.
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { LogLevel } from '../../../../shared/model';
import { errorText } from '../../util/errors';
import { cacheRoots } from './fullId';

export const DUMP_STAGING_FOLDER = 'backup-scheduler-dumps';

/** The folder that holds the dump folders: the sibling of restic's cache folder. */
export function dumpStagingRoot(variable: (name: string) => string | undefined): string {
  const vars = { RESTIC_CACHE_DIR: variable('RESTIC_CACHE_DIR'), XDG_CACHE_HOME: variable('XDG_CACHE_HOME'), LOCALAPPDATA: variable('LOCALAPPDATA') };
  return join(dirname(cacheRoots(vars)[0]), DUMP_STAGING_FOLDER);
}

/**
 * Runs `fn` with a new private folder for one dump, removed whatever happens. When the staging
 * folder cannot be made (a read-only home), the system temp folder is used, and the log says so.
 */
export async function withDumpFolder<T>(root: string, envId: string, log: (level: LogLevel, text: string) => void, fn: (dir: string) => Promise<T>): Promise<T> {
  let dir: string;
  try {
    await fsp.mkdir(root, { recursive: true, mode: 0o700 });
    dir = await fsp.mkdtemp(join(root, `${envId}-`));
  } catch (e) {
    log('warn', `Cannot stage the dump in ${root} (${errorText(e)}): using the system temp folder, which may be held in memory`);
    dir = await fsp.mkdtemp(join(tmpdir(), 'backup-scheduler-dump-'));
  }
  try {
    await fsp.chmod(dir, 0o700);
    return await fn(dir);
  } finally {
    await fsp.rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}
