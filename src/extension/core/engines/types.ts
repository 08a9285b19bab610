// The one engine interface (SPEC "Engines"). Every way of storing backups (today: `archive`, a
// .tar.gz or dump file per backup in a folder; `restic`, snapshots in a restic repository)
// implements it; the service, the views, the pickers and the Task Log only talk to this. A third
// engine is one new folder under engines/ plus one line in engines/registry.ts.
// Plain TypeScript: nothing here may import `vscode`.
import type { TaskResult, TaskTrigger } from '../../../shared/model';
import type { Environment } from '../environments/types';
import type { Clock, Logger, TaskContext } from '../ports';

export type EngineName = 'archive' | 'restic';

/** One backup as a picker or a tree shows it: an archive file or a restic snapshot. */
export interface BackupRef {
  /** Stable id the engine understands: the archive's full path, or the snapshot's full id. */
  id: string;
  /** Short text for people: the archive's file name, or the snapshot's short id. */
  label: string;
  /** Start time of the backup, epoch ms. */
  time: number;
  /** Bytes stored for it when known (archive size; restic: the snapshot's total size if known). */
  size?: number;
  /** Host that made it (restic), undefined for archives. */
  host?: string;
  /** Folder archive / snapshot of a folder, or one dump file of a command environment. */
  kind: 'folder' | 'command';
}

export type BackupEntryType = 'file' | 'dir' | 'symlink' | 'other';

/** One entry inside a backup. Paths are relative to the backed-up source, '/'-separated, no leading '/'. */
export interface BackupEntry {
  path: string;
  type: BackupEntryType;
  size: number;
  /** Modification time, epoch ms, when the engine knows it. */
  mtime?: number;
  /** Unix permission bits (mode & 0o7777) when known. */
  mode?: number;
  linkTarget?: string;
}

/** What a backup needs beyond the environment: the last good backup's result (skipIfUnchanged). */
export interface BackupRequest {
  trigger: TaskTrigger;
  previous?: { manifestHash: string; finishedAt: number; archivePath?: string; snapshotId?: string };
}

/** What the history recorded about a backup when it was made (see store/recorded.ts). */
export interface RecordedBackup {
  sha256?: string;
  fileCount?: number;
  /** Archive engine: the SHA-256 of the archive's index file. */
  indexSha256?: string;
}

export interface VerifyRequest {
  /** A backup to check (archive engine: one archive; restic: ignored, the repository is checked). */
  backupId?: string;
  /** What the backup task recorded, to compare against. */
  expected?: { sha256?: string; fileCount?: number };
}

export interface PruneRequest {
  /** Never removed whatever the policy says: the backup the chain just made. */
  newestGoodId?: string;
}

export interface RestoreRequest {
  backupId: string;
  target: string;
  /** Replace what exists in the target; otherwise existing files are kept and reported. */
  overwrite: boolean;
  /** Only these paths of the backup (files or folders, relative as in BackupEntry.path); all when absent. */
  paths?: string[];
  /** What the history recorded about the backup (the service fills it in). */
  recorded?: RecordedBackup;
}

/** A lock in an engine's storage (restic), as "Unlock Repository…" shows it. */
export interface RepositoryLock {
  id: string;
  exclusive: boolean;
  /** Made (or last refreshed), epoch ms. */
  time?: number;
  host?: string;
  user?: string;
  pid?: number;
  /** Provably stale: made on this machine by a process that is gone. */
  stale: boolean;
}

/** Facts for the Environments tooltip; every field optional, gathered cheaply or cached. */
export interface EngineSummary {
  location: string;
  backupCount?: number;
  storedBytes?: number;
}

/** Secrets the user keeps in VS Code's SecretStorage (restic passwords, `${secret:NAME}`). */
export interface SecretSource {
  get(name: string): Promise<string | undefined>;
}

/** Injected into every engine by the adapter (the core knows no `vscode`). */
export interface EngineDeps {
  clock: Clock;
  logger: Logger;
  secrets: SecretSource;
  /** Folder a command runs in when its environment names none (the window's workspace folder). */
  defaultCwd: string | undefined;
  /** Settings outside environments that an engine reads (e.g. `backupScheduler.restic.path`). */
  settings: { resticPath?: string };
}

export interface Engine {
  readonly name: EngineName;
  /** Makes one backup of `env`. Throws an Error meant for the user (CancelledError on cancel). */
  backup(ctx: TaskContext, env: Environment, req: BackupRequest): Promise<TaskResult>;
  verify(ctx: TaskContext, env: Environment, req: VerifyRequest): Promise<TaskResult>;
  /** Applies env.retention; only ever touches this environment's own backups. */
  prune(ctx: TaskContext, env: Environment, req: PruneRequest): Promise<TaskResult>;
  restore(ctx: TaskContext, env: Environment, req: RestoreRequest): Promise<TaskResult>;
  /** This environment's backups, newest first. */
  listBackups(env: Environment, signal?: AbortSignal): Promise<BackupRef[]>;
  /** Every entry of one backup (a dump: the one file). */
  listFiles(env: Environment, backupId: string, signal?: AbortSignal, recorded?: RecordedBackup): Promise<BackupEntry[]>;
  /**
   * The entries directly inside folder `dir` ('' = the root) of a backup, without listing the
   * rest. Engines whose backups can hold millions of entries and that can list one folder
   * (restic) have it; the others are listed whole (listFiles).
   */
  listFolder?(env: Environment, backupId: string, dir: string, signal?: AbortSignal): Promise<BackupEntry[]>;
  /** One entry of a backup (undefined: not in it), without listing the backup; with listFolder. */
  statEntry?(env: Environment, backupId: string, path: string, signal?: AbortSignal): Promise<BackupEntry | undefined>;
  /** The content of one file of a backup, without reading the whole backup where the format allows. */
  readFile(env: Environment, backupId: string, path: string, signal?: AbortSignal, recorded?: RecordedBackup): Promise<Uint8Array>;
  summary(env: Environment, signal?: AbortSignal): Promise<EngineSummary>;
  /**
   * Engines whose storage must be created first (restic): create it. Never called by a scheduled
   * run: only "Initialize Repository…" does, so a mistyped repository is reported, not created.
   */
  init?(ctx: TaskContext, env: Environment): Promise<TaskResult>;
  /** The locks in the environment's storage (restic), read without taking one. */
  locks?(env: Environment, signal?: AbortSignal): Promise<RepositoryLock[]>;
  /** Removes the provably stale locks, or with `all` every lock (the user saw them and confirmed). */
  unlock?(ctx: TaskContext, env: Environment, opts: { all: boolean }): Promise<TaskResult>;
}
