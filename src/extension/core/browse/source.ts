// What browsing, comparing and restoring one file need from the core: the read side of the
// engines (SPEC "Engines") as every window's `Backups` offers it, and its restore with paths.
import type { CommandOutcome } from '../backups';
import type { BackupEntry, BackupRef, RestoreRequest } from '../engines/types';
import type { Environment, EnvironmentEntry } from '../environments/types';

export interface BackupBrowsing {
  environments(): EnvironmentEntry[];
  environment(id: string): Environment | undefined;
  listBackups(envId: string): Promise<BackupRef[]>;
  listFiles(envId: string, backupId: string): Promise<BackupEntry[]>;
  readFile(envId: string, backupId: string, path: string): Promise<Uint8Array>;
  restore(envId: string, req: RestoreRequest): Promise<CommandOutcome>;
}
