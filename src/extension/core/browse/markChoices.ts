// Fills in the "same as now / different / not in this backup" marks of a list of backups, a
// few at a time so a picker can show them as they come. Only the file's entry is looked up in
// each backup (restic: that one path, not the snapshot's listing), except where a backup's copy
// has the same size as the file but another time: then, for a small file, the two contents
// decide (a file touched but not changed is still "same as now"). The signal reaches every read.
import type { BackupEntry } from '../engines/types';
import { markFor, sameBytes, type Choice, type FileMark } from './compareMarks';

export interface MarkDeps {
  /** The entry at `path` of a backup, undefined when the backup lacks it. */
  entry(envId: string, backupId: string, path: string, signal?: AbortSignal): Promise<BackupEntry | undefined>;
  readBackup(envId: string, backupId: string, path: string, signal?: AbortSignal): Promise<Uint8Array>;
  /** The file now; undefined when it does not exist. */
  current: { size: number; mtime: number } | undefined;
  readCurrent(): Promise<Uint8Array>;
  /** Called once per choice, in any order, with its final mark (or the error that prevented one). */
  onMark(i: number, mark: FileMark | undefined, error?: string): void;
  signal?: AbortSignal;
}

export const MARK_LIMITS = { choices: 30, contentCheckBytes: 1 << 20, concurrency: 2 };

/** Marks at most MARK_LIMITS.choices choices (the newest); the rest stay unmarked. */
export async function markChoices(choices: readonly Choice[], deps: MarkDeps, limits = MARK_LIMITS): Promise<void> {
  let next = 0;
  let currentBytes: Promise<Uint8Array> | undefined;
  const one = async (i: number) => {
    const { holder, backup } = choices[i];
    try {
      const entry = await deps.entry(holder.env.id, backup.id, holder.rel, deps.signal);
      let mark = markFor(entry, deps.current);
      if (mark === 'unsure' && entry && entry.size <= limits.contentCheckBytes) {
        currentBytes ??= deps.readCurrent();
        const [a, b] = await Promise.all([deps.readBackup(holder.env.id, backup.id, entry.path, deps.signal), currentBytes]);
        mark = sameBytes(a, b) ? 'same' : 'different';
      }
      deps.onMark(i, mark);
    } catch (err) {
      if (deps.signal?.aborted) return; // the picker is gone: nobody to tell
      deps.onMark(i, undefined, err instanceof Error ? err.message : String(err));
    }
  };
  const count = Math.min(choices.length, limits.choices);
  const worker = async () => {
    while (next < count && !deps.signal?.aborted) await one(next++);
  };
  await Promise.all(Array.from({ length: Math.min(limits.concurrency, count) }, worker));
}
