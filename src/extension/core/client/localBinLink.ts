// `backup-scheduler agent install --link`: a symbolic link `~/.local/bin/backup-scheduler` to the
// launcher in the storage folder, so the command works in any terminal, not only VS Code's. Only
// where ~/.local/bin already exists (the XDG convention most distributions put on PATH): we never
// create it, and never replace a file that is not our link.
import { lstatSync, readlinkSync, renameSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { LAUNCHER_NAME } from './launcher';

export const localBin = (home = homedir()): string => join(home, '.local', 'bin');

/** A link we made: it points to a launcher named like ours in a storage folder's `bin`. */
function isOurLink(path: string): boolean {
  try {
    if (!lstatSync(path).isSymbolicLink()) return false;
    const to = readlinkSync(path);
    return basename(to) === LAUNCHER_NAME && basename(dirname(to)) === 'bin';
  } catch {
    return false;
  }
}

export type LinkResult = { linked: string } | { skipped: string };

export function linkLauncher(launcher: string, home = homedir()): LinkResult {
  const dir = localBin(home);
  try {
    if (!statSync(dir).isDirectory()) return { skipped: `${dir} is not a folder` };
  } catch {
    return { skipped: `${dir} does not exist (create it and put it on PATH to use the link)` };
  }
  const path = join(dir, LAUNCHER_NAME);
  let exists = false;
  try {
    lstatSync(path);
    exists = true;
  } catch {
    // free
  }
  if (exists && !isOurLink(path)) return { skipped: `${path} exists and is not a link made by Backup Scheduler; left alone` };
  // Replaced by rename, so the command never disappears for a moment.
  const tmp = `${path}.${process.pid}.tmp`;
  rmSync(tmp, { force: true });
  symlinkSync(launcher, tmp);
  renameSync(tmp, path);
  return { linked: path };
}

/** Removes the link when it is ours and points to `launcher`; returns the path removed. */
export function unlinkLauncher(launcher: string, home = homedir()): string | undefined {
  const path = join(localBin(home), LAUNCHER_NAME);
  if (!isOurLink(path) || readlinkSync(path) !== launcher) return undefined;
  rmSync(path, { force: true });
  return path;
}
