// What the backup task that made a backup recorded about it in the history: the archive's
// SHA-256 and file count (Verify compares them) and its index's SHA-256 (readers use only that
// index). Without it, an archive or index replaced in the destination would pass as the backup.
import type { TaskRecord } from '../../../shared/model';
import type { RecordedBackup } from '../engines/types';
import type { TaskStore } from './taskStore';

/** The succeeded backup task that made `backupId` (an archive path or a snapshot id). */
export function backupTaskOf(reader: Pick<TaskStore, 'queryTasks'>, envId: string, backupId: string): TaskRecord | undefined {
  const page = 500;
  for (let offset = 0; ; offset += page) {
    const { rows } = reader.queryTasks({ envIds: [envId], kinds: ['backup'], statuses: ['succeeded'], sort: 'queuedAt', descending: true, offset, limit: page });
    // "No changes since" results carry the snapshot of an older backup: that one made it.
    const t = rows.find((r) => (r.result?.archivePath === backupId || r.result?.snapshotId === backupId) && r.result?.unchangedSince === undefined);
    if (t) return t;
    if (rows.length < page) return undefined;
  }
}

export function recordedBackup(reader: Pick<TaskStore, 'queryTasks'>, envId: string, backupId: string): RecordedBackup | undefined {
  const r = backupTaskOf(reader, envId, backupId)?.result;
  return r ? { sha256: r.sha256, fileCount: r.fileCount, indexSha256: r.indexSha256 } : undefined;
}
