// What browsing, comparing and restoring one file need from the core: the read side of the
// engines (SPEC "Engines") as every window's `Backups` offers it, and its restore with paths.
import type { Backups } from '../backups';

export type BackupBrowsing = Pick<Backups, 'environments' | 'environment' | 'listBackups' | 'listFiles' | 'listsFolders' | 'listFolder' | 'statEntry' | 'readFile' | 'restore'>;
