// The `backup:` file system: a backup's files, read-only, for editors, the diff editor, the
// browse view and a workspace folder. URIs carry everything (backupUri.ts), so an editor that
// VS Code restores after a reload reads again without any state of ours.
import * as vscode from 'vscode';
import { BACKUP_SCHEME, backupUriPath, entryName, parseBackupUriPath, type BackupLocation } from '../core/browse/backupUri';
import { ListingCache } from '../core/browse/listingCache';
import type { BackupBrowsing } from '../core/browse/source';
import type { BackupEntry } from '../core/engines/types';

export function backupUri(loc: BackupLocation): vscode.Uri {
  return vscode.Uri.from({ scheme: BACKUP_SCHEME, path: backupUriPath(loc) });
}

export function locationOf(uri: vscode.Uri): BackupLocation {
  if (uri.scheme !== BACKUP_SCHEME) throw new Error(`not a backup: URI: ${uri.toString()}`);
  return parseBackupUriPath(uri.path);
}

export class BackupFileSystem implements vscode.FileSystemProvider {
  readonly listings: ListingCache;
  // Backups never change: there is nothing to watch and nothing ever fires.
  private readonly never = new vscode.EventEmitter<vscode.FileChangeEvent[]>();
  readonly onDidChangeFile = this.never.event;

  constructor(private readonly backups: BackupBrowsing) {
    this.listings = new ListingCache(backups);
  }

  register(): vscode.Disposable {
    const readonlyWhy = new vscode.MarkdownString('A backup is read-only. To bring this version back, use **Restore This Version** (editor title bar) or **Restore…** in the Browse Backup view.');
    return vscode.Disposable.from(this.never, vscode.workspace.registerFileSystemProvider(BACKUP_SCHEME, this, { isCaseSensitive: true, isReadonly: readonlyWhy }));
  }

  watch(): vscode.Disposable {
    return new vscode.Disposable(() => undefined);
  }

  async stat(uri: vscode.Uri): Promise<vscode.FileStat> {
    const { entry } = await this.resolve(uri);
    const mtime = entry.mtime ?? 0;
    return { type: fileType(entry), ctime: mtime, mtime, size: entry.size, permissions: vscode.FilePermission.Readonly };
  }

  async readDirectory(uri: vscode.Uri): Promise<[string, vscode.FileType][]> {
    const { loc, entry } = await this.resolve(uri);
    if (entry.type !== 'dir') throw vscode.FileSystemError.FileNotADirectory(uri);
    const children = await this.listings.children(loc.envId, loc.backupId, entry.path).catch((err: unknown) => {
      throw vscode.FileSystemError.Unavailable(`backup ${loc.backupId} of ${loc.envId}: ${message(err)}`);
    });
    return children.filter((e) => !isHiddenSettings(e.path)).map((e) => [entryName(e.path), fileType(e)]);
  }

  async readFile(uri: vscode.Uri): Promise<Uint8Array> {
    const { loc, entry } = await this.resolve(uri);
    if (entry.type === 'dir') throw vscode.FileSystemError.FileIsADirectory(uri);
    if (entry.type !== 'file') throw vscode.FileSystemError.Unavailable(entry.type === 'symlink'
      ? vscode.l10n.t('{0} is a symbolic link to {1} in the backup; it has no content to show', entry.path, entry.linkTarget ?? '?')
      : vscode.l10n.t('{0} is a special file in the backup; it has no content to show', entry.path));
    try {
      return await this.backups.readFile(loc.envId, loc.backupId, entry.path);
    } catch (err) {
      throw vscode.FileSystemError.Unavailable(`${entry.path}: ${message(err)}`);
    }
  }

  createDirectory(): never {
    throw readOnly();
  }
  writeFile(): never {
    throw readOnly();
  }
  delete(): never {
    throw readOnly();
  }
  rename(): never {
    throw readOnly();
  }

  /** The backup `uri` points into, and the entry it names (from its folder's listing). */
  async resolve(uri: vscode.Uri): Promise<{ loc: BackupLocation; entry: BackupEntry }> {
    let loc: BackupLocation;
    try {
      loc = locationOf(uri);
    } catch (err) {
      throw vscode.FileSystemError.FileNotFound(message(err));
    }
    if (isHiddenSettings(loc.path)) {
      throw vscode.FileSystemError.FileNotFound(vscode.l10n.t('{0}: a backup\'s .vscode folder is not shown through backup: URIs (as a workspace folder it would bring its settings and tasks into this window); restore it to look at it', loc.path));
    }
    let entry: BackupEntry | undefined;
    try {
      entry = await this.listings.stat(loc.envId, loc.backupId, loc.path);
    } catch (err) {
      throw vscode.FileSystemError.Unavailable(`backup ${loc.backupId} of ${loc.envId}: ${message(err)}`);
    }
    if (!entry) throw vscode.FileSystemError.FileNotFound(uri);
    return { loc, entry };
  }
}

/**
 * `.vscode` at a backup's root, and what is below it. A backup opened as a workspace folder is a
 * trusted virtual folder to VS Code, which would read its settings (environments with commands,
 * other extensions' settings), tasks and launch configurations through this provider: a backup
 * of a repository only ever opened in Restricted Mode must not run anything.
 */
export function isHiddenSettings(path: string): boolean {
  return path === '.vscode' || path.startsWith('.vscode/');
}

function fileType(e: BackupEntry): vscode.FileType {
  switch (e.type) {
    case 'dir':
      return vscode.FileType.Directory;
    case 'file':
      return vscode.FileType.File;
    case 'symlink':
      return vscode.FileType.SymbolicLink | vscode.FileType.File;
    default:
      return vscode.FileType.Unknown;
  }
}

function readOnly(): vscode.FileSystemError {
  return vscode.FileSystemError.NoPermissions(vscode.l10n.t('backups are read-only: restore a file to change it'));
}

export function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
