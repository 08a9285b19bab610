// Every snapshot we make carries both tags; every query and every forget filters on both, so a
// snapshot someone else tagged `env:<id>` by hand is never ours to list or remove. And it is
// this machine's: two machines with the same environment id (settings sync) may share a
// repository, and neither may trim or open the other's snapshots.
import { hostname } from 'node:os';

export const APP_TAG = 'backup-scheduler';

export function envTag(envId: string): string {
  return `env:${envId}`;
}

/** `--tag a,b`: on backup it adds both tags, on snapshots/forget it selects snapshots having both. */
export function ourTags(envId: string): string[] {
  return ['--tag', `${APP_TAG},${envTag(envId)}`];
}

/** The host restic records for a backup made here: Go's os.Hostname(), which is Node's os.hostname(). */
export function ourHost(): string {
  return hostname();
}

/** Selects this environment's snapshots made on this machine (snapshots, forget). */
export function ownSnapshots(envId: string): string[] {
  return [...ourTags(envId), '--host', ourHost()];
}
