// One temporary root per host run: XDG folders (so nothing lands in the home folder), the server's
// data folder and an extensions folder. Removed on dispose unless BACKUP_SCHEDULER_KEEP_TEMP is set.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface HostDirs {
  root: string;
  serverData: string;
  extensions: string;
  /** XDG_CONFIG_HOME, XDG_DATA_HOME, XDG_CACHE_HOME and XDG_STATE_HOME pointing into root. */
  xdgEnv: Record<string, string>;
  dispose(): void;
}

export function makeHostDirs(prefix = 'backup-scheduler-host-'): HostDirs {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const sub = (name: string) => {
    const p = join(root, name);
    mkdirSync(p, { recursive: true });
    return p;
  };
  const xdgEnv = { XDG_CONFIG_HOME: sub('xdg/config'), XDG_DATA_HOME: sub('xdg/data'), XDG_CACHE_HOME: sub('xdg/cache'), XDG_STATE_HOME: sub('xdg/state') };
  return {
    root,
    serverData: sub('server-data'),
    extensions: sub('server-data/extensions'),
    xdgEnv,
    dispose() {
      if (!process.env.BACKUP_SCHEDULER_KEEP_TEMP) rmSync(root, { recursive: true, force: true });
    },
  };
}
