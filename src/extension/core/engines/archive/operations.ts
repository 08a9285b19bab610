// The archive engine's operations: each takes the TaskContext the TaskManager hands it and returns a
// TaskResult, or throws an Error whose message is meant for the user (a CancelledError on cancel).
export { runFolderBackup, type FolderBackupOptions, type FolderBackupResult } from './folderBackup';
export { runCommandBackup, type CommandBackupOptions } from './commandBackup';
export { verifyArchive, type VerifyExpectation } from './verify';
export { planRetention, applyRetention, type RetentionPolicy, type RetentionPlan, type ApplyRetentionOptions } from './retention';
export { restoreArchive, type RestoreOptions } from './restore';
export { listArchives, archiveName, parseArchiveName, FOLDER_EXT, DUMP_EXT, type ArchiveInfo, type ArchiveKind } from './naming';
export { CancelledError } from '../../util/errors';
export { listArchiveEntries, readArchiveFile, ArchiveEntryError } from './randomRead';
export { archiveIndex, writeArchiveIndex, clearArchiveIndexCache, type ArchiveIndex } from './archiveIndex';
