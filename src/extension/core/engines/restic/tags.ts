// Every snapshot we make carries both tags; every query and every forget filters on both, so a
// snapshot someone else tagged `env:<id>` by hand is never ours to list or remove.
export const APP_TAG = 'backup-scheduler';

export function envTag(envId: string): string {
  return `env:${envId}`;
}

/** `--tag a,b`: on backup it adds both tags, on snapshots/forget it selects snapshots having both. */
export function ourTags(envId: string): string[] {
  return ['--tag', `${APP_TAG},${envTag(envId)}`];
}
