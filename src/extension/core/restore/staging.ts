// Names a restore gives its temporary entries inside the target: the restic engine's staging
// folder, and a copy about to be renamed over a file on another file system. The target is often
// the source itself, so a backup must never take one in (a crash can leave one behind): the
// source walk leaves these names out, for both engines.
export const RESTORE_STAGING_PREFIX = '.backup-scheduler-restore-';

export function isRestoreStaging(name: string): boolean {
  return name.includes(RESTORE_STAGING_PREFIX);
}
