// Questions about a list of environment entries that the leader's service and a follower both ask.
import { realpathSync } from 'node:fs';
import * as nodePath from 'node:path';
import type { Environment, EnvironmentEntry } from './types';

export function findEnvironment(entries: readonly EnvironmentEntry[], id: string): Environment | undefined {
  for (const e of entries) if (e.valid && e.environment.id === id) return e.environment;
  return undefined;
}

/**
 * Why a command environment must not run, or undefined. A command from workspace settings is code
 * from the repository: it runs only in a trusted workspace. So is a command from user settings
 * whose working folder is inside a workspace folder the user has not trusted: `npm run dump` or
 * `./dump.sh` there runs whatever that folder's files say. `untrustedFolders`: the folders of
 * open workspaces that are not trusted (this window's, and other windows' as they report them);
 * `defaultCwd`: where a command without a `source` runs when it is not bound to a folder.
 */
export function trustBlock(env: Environment, trusted: boolean, untrustedFolders: readonly string[] = [], defaultCwd?: string): string | undefined {
  if (!trusted && env.origin === 'workspace') {
    if (env.type === 'command') return 'blocked: a command from workspace settings runs only in a trusted workspace';
    // A workspace's restic entry could run its passwordCommand, set backend variables, or send
    // your files (encrypted with your stored password) to a repository of its choosing.
    if (env.engine === 'restic') return 'blocked: a restic environment from workspace settings runs only in a trusted workspace';
  }
  if (env.type !== 'command') return undefined;
  const cwd = env.source ?? env.folder ?? defaultCwd;
  const inside = cwd === undefined ? undefined : untrustedFolders.find((f) => isInside(cwd, f));
  return inside === undefined ? undefined : `blocked: the command runs in ${cwd}, inside the untrusted workspace folder ${inside}, whose files could change what it does; trust that workspace to run it`;
}

/** Whether `path` is `folder` or inside it (after resolving symbolic links where they exist). */
export function isInside(path: string, folder: string): boolean {
  const norm = (p: string): string => {
    let r = nodePath.resolve(p);
    try {
      r = realpathSync.native(r);
    } catch {
      // not there (yet): compare as written
    }
    return process.platform === 'win32' || process.platform === 'darwin' ? r.toLowerCase() : r;
  };
  const rel = nodePath.relative(norm(folder), norm(path));
  return rel === '' || (!rel.startsWith('..') && !nodePath.isAbsolute(rel));
}

/** Where an environment's backups are kept, for people: the destination folder or the restic repository. */
export function storageOf(env: Environment): string {
  return env.engine === 'restic' ? `restic ${env.repository ?? '?'}` : env.destination;
}

/** What an environment backs up, for people: its folder or its command. */
export function subjectOf(env: Environment): string {
  return (env.type === 'folder' ? env.source : env.command) ?? '';
}
