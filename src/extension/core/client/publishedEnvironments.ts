// The environments windows publish for the background agent (`<storage>/agent/environments.json`,
// core/agent/snapshot.ts), read by the command line when nobody leads, so `list` and `status`
// still name every environment and the workspace it comes from. A missing or unreadable file
// means "not known", never an error.
import { existsSync } from 'node:fs';
import { readSnapshot } from '../agent/snapshot';
import { environmentsPath } from '../agent/paths';
import type { EnvironmentEntry } from '../environments/types';

export function publishedEnvironments(storageDir: string): { entries: EnvironmentEntry[] } | undefined {
  const path = environmentsPath(storageDir);
  if (!existsSync(path)) return undefined;
  const snapshot = readSnapshot(path);
  const envs = [
    ...(snapshot.user?.environments ?? []),
    // A workspace's environment that is not bound to one folder belongs to the workspace's first.
    ...Object.values(snapshot.workspaces).flatMap((w) => w.environments.map((e) => ({ ...e, folder: e.folder ?? w.folders[0] }))),
  ];
  const seen = new Set<string>();
  const unique = envs.filter((e) => typeof e?.id === 'string' && !seen.has(e.id) && seen.add(e.id));
  return { entries: unique.map((environment, index) => ({ index, valid: true, environment })) };
}
