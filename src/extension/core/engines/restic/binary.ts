// Finding the `restic` program and what its version allows. VS Code started from a desktop
// launcher often has a shorter PATH than a terminal, so the usual install folders are searched
// too, and a miss says every place that was looked at.
import { accessSync, constants, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, isAbsolute, join } from 'node:path';
import { execFailure, execOffThread } from '../../util/offThreadExec';

export const MIN_VERSION: Version = [0, 14, 0];
export type Version = [number, number, number];

export interface ResticBinary {
  path: string;
  version: Version;
  /** Options that only newer versions have; each has a fallback on 0.14. */
  features: { skipIfUnchanged: boolean; retryLock: boolean; exitCodes: boolean };
}

export class ResticNotFoundError extends Error {}

const SETTING = 'backupScheduler.restic.path';

function installHint(platform = process.platform): string {
  if (platform === 'darwin') return 'install it with `brew install restic`';
  if (platform === 'win32') return 'install it with `scoop install restic` or `winget install restic.restic`';
  return 'install it with your package manager (for example `apt install restic`) or from https://restic.net';
}

export function versionText(v: Version): string {
  return v.join('.');
}

export function parseVersion(output: string): Version | undefined {
  const m = /restic\s+v?(\d+)\.(\d+)\.(\d+)/.exec(output);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

export function atLeast(v: Version, want: Version): boolean {
  for (let i = 0; i < 3; i++) if (v[i] !== want[i]) return v[i] > want[i];
  return true;
}

function features(v: Version): ResticBinary['features'] {
  return { skipIfUnchanged: atLeast(v, [0, 17, 0]), retryLock: atLeast(v, [0, 16, 0]), exitCodes: atLeast(v, [0, 17, 0]) };
}

/** Folders a desktop-started VS Code may lack on its PATH. */
export function extraFolders(platform = process.platform, env: NodeJS.ProcessEnv = process.env, home = homedir()): string[] {
  if (platform === 'win32') {
    const local = env.LOCALAPPDATA ?? join(home, 'AppData', 'Local');
    return [join(home, 'scoop', 'shims'), join(local, 'Microsoft', 'WinGet', 'Links'), join(env.ProgramData ?? 'C:\\ProgramData', 'chocolatey', 'bin')];
  }
  return ['/opt/homebrew/bin', '/usr/local/bin', join(home, 'go', 'bin'), join(home, '.local', 'bin'), join(home, 'bin'), '/usr/bin', '/snap/bin'];
}

function isExecutable(p: string): boolean {
  try {
    if (!statSync(p).isFile()) return false;
    if (process.platform !== 'win32') accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The candidate files, in order: the setting alone when set, else PATH, then the extra folders. */
export function candidates(setting: string | undefined, env: NodeJS.ProcessEnv = process.env, platform = process.platform): { files: string[]; folders: string[] } {
  if (setting) return { files: [setting], folders: [] };
  const name = platform === 'win32' ? 'restic.exe' : 'restic';
  const folders = [...new Set([...(env.PATH ?? env.Path ?? '').split(delimiter).filter((d) => d && isAbsolute(d)), ...extraFolders(platform, env)])];
  return { files: folders.map((d) => join(d, name)), folders };
}

async function readVersion(path: string, env: NodeJS.ProcessEnv): Promise<string> {
  const r = await execOffThread(path, ['version'], { env, timeoutMs: 15_000, maxBytes: 1 << 20 });
  if (r.code !== 0) throw new Error(execFailure(r));
  return r.stdout;
}

/**
 * Finds restic and reads its version once per path. Too old or broken: an error naming the
 * setting and how to install or update.
 */
export class ResticLocator {
  private readonly cache = new Map<string, Promise<ResticBinary>>();

  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  locate(setting: string | undefined): Promise<ResticBinary> {
    const key = setting ?? '';
    let p = this.cache.get(key);
    if (!p) {
      p = this.find(setting);
      this.cache.set(key, p);
      // A miss is not remembered: the user may install restic and try again.
      p.catch(() => this.cache.delete(key));
    }
    return p;
  }

  private async find(setting: string | undefined): Promise<ResticBinary> {
    const { files, folders } = candidates(setting, this.env);
    const path = files.find(isExecutable);
    if (!path) {
      if (setting) throw new ResticNotFoundError(`restic was not found at ${setting} (setting ${SETTING}): fix the path, or clear the setting to search PATH; ${installHint()}`);
      throw new ResticNotFoundError(`restic was not found on PATH or in ${folders.filter((f) => !(this.env.PATH ?? '').split(delimiter).includes(f)).join(', ')}: ${installHint()}, or set ${SETTING} to the program's full path`);
    }
    let out: string;
    try {
      out = await readVersion(path, this.env);
    } catch (e) {
      throw new ResticNotFoundError(`${path} does not run as restic (\`restic version\` failed: ${(e as Error).message}); check ${SETTING}`);
    }
    const version = parseVersion(out);
    if (!version) throw new ResticNotFoundError(`${path} does not look like restic (\`restic version\` printed "${out.trim().slice(0, 80)}"); check ${SETTING}`);
    if (!atLeast(version, MIN_VERSION)) {
      throw new ResticNotFoundError(
        `restic ${versionText(version)} at ${path} is too old: ${versionText(MIN_VERSION)} or newer is needed. Update it (\`restic self-update\` when not installed by a package manager; ${installHint()}) or point ${SETTING} at a newer one`,
      );
    }
    return { path, version, features: features(version) };
  }
}
