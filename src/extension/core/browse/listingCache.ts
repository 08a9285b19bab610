// A backup never changes once written, so its listing is asked for once and kept: the file
// system stats and lists many paths of the same backup in a row, and a restic listing costs a
// process. A few backups are kept (most recently used); a failed listing is not.
import type { BackupEntry } from '../engines/types';
import { EntryIndex } from './entryIndex';

export type ListFiles = (envId: string, backupId: string) => Promise<BackupEntry[]>;

export class ListingCache {
  private readonly entries = new Map<string, Promise<EntryIndex>>();

  constructor(private readonly list: ListFiles, private readonly capacity = 8) {}

  get(envId: string, backupId: string): Promise<EntryIndex> {
    const key = `${envId}\0${backupId}`;
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const p = this.list(envId, backupId).then((entries) => new EntryIndex(entries));
    this.entries.set(key, p);
    p.catch(() => {
      if (this.entries.get(key) === p) this.entries.delete(key);
    });
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
    return p;
  }

  /** Forget one backup (it was removed) or all of them. */
  clear(envId?: string, backupId?: string): void {
    if (envId === undefined) return this.entries.clear();
    this.entries.delete(`${envId}\0${backupId}`);
  }
}
