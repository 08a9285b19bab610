// restic 0.14 prints only the short id of the snapshot a backup made. Asking `restic snapshots`
// for the full one costs a second process with its key derivation (a second or more on a busy
// machine), so the snapshot's file name is looked up where restic just wrote it: the repository's
// `snapshots/` folder when it is local, else restic's local cache, which keeps every snapshot
// file. Only an exact, single match counts; anything else falls back to asking restic.
import { promises as fsp } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export function cacheRoots(env: NodeJS.ProcessEnv = process.env, platform = process.platform, home = homedir()): string[] {
  if (env.RESTIC_CACHE_DIR) return [env.RESTIC_CACHE_DIR];
  if (platform === 'darwin') return [join(home, 'Library', 'Caches', 'restic')];
  if (platform === 'win32') return [join(env.LOCALAPPDATA ?? join(home, 'AppData', 'Local'), 'restic')];
  return [join(env.XDG_CACHE_HOME || join(home, '.cache'), 'restic')];
}

async function matches(dir: string, shortId: string): Promise<string[]> {
  const names = await fsp.readdir(dir).catch(() => [] as string[]);
  return names.filter((n) => n.length === 64 && n.startsWith(shortId));
}

export async function fullIdFromFiles(shortId: string, localRepository: string | undefined, env: Record<string, string | undefined>): Promise<string | undefined> {
  if (!/^[0-9a-f]{8,64}$/.test(shortId)) return undefined;
  let found: string[];
  if (localRepository) found = await matches(join(localRepository, 'snapshots'), shortId);
  else {
    found = [];
    for (const root of cacheRoots(env)) {
      const repos = await fsp.readdir(root).catch(() => [] as string[]);
      for (const r of repos) found.push(...(await matches(join(root, r, 'snapshots'), shortId)));
    }
  }
  const unique = [...new Set(found)];
  return unique.length === 1 ? unique[0] : undefined;
}
