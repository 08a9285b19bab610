// Backup engines: each operation takes the TaskContext the TaskManager hands it and returns a
// TaskResult, or throws an Error whose message is meant for the user (a CancelledError on cancel).
export { runFolderBackup, type FolderBackupOptions, type FolderBackupResult } from './folderBackup';
export { runCommandBackup, type CommandBackupOptions } from './commandBackup';
export { verifyArchive, type VerifyExpectation } from './verify';
export { planRetention, applyRetention, type RetentionPolicy, type RetentionPlan, type ApplyRetentionOptions } from './retention';
export { restoreArchive, type RestoreOptions } from './restore';
export { listArchives, archiveName, parseArchiveName, FOLDER_EXT, DUMP_EXT, type ArchiveInfo, type ArchiveKind } from './naming';
export { CancelledError } from './cancel';
export { listArchiveEntries, readArchiveFile, ArchiveEntryError } from './randomRead';
export { archiveIndex, writeArchiveIndex, clearArchiveIndexCache, type ArchiveIndex } from './archiveIndex';
// The restore rules, for every engine's restores (restic's too).
export { checkBeforeWriting, decideExisting, pathSelector, safeMode, refusal, freeSpace, spaceNeeded, writeReason, WriteFailures, DEFAULT_RESTORE_LIMITS, FATAL_WRITE_CODES, type RestoreLimits, type ExistingDecision, type FreeSpace } from './restoreRules';
