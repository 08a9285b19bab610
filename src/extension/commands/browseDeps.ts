// What the browse / compare / restore-one-file commands share, and the small lookups they all do.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { formatDateTime } from '../../shared/format';
import type { BackupLocation } from '../core/browse/backupUri';
import type { BackupBrowsing } from '../core/browse/source';
import type { BackupRef } from '../core/engines/types';
import type { Environment } from '../core/environments/types';
import type { BackupFileSystem } from '../ui/backupFileSystem';
import type { BrowseNode, BrowseTree } from '../ui/browseTree';

export interface BrowseDeps {
  backups: BackupBrowsing;
  fs: BackupFileSystem;
  tree: BrowseTree;
  treeView: vscode.TreeView<BrowseNode>;
  /** Restore This Version copies content here before replacing it when no editor could undo that (not UTF-8 text). */
  keptDir: string;
  /** Shows a started task's progress (and lets the user cancel it). */
  track(taskId: number, title: string): void;
}

/** The backup `backupId` of `envId` as listed, or a stand-in when it is no longer listed. */
export async function findRef(backups: BackupBrowsing, envId: string, backupId: string): Promise<BackupRef> {
  const refs = await backups.listBackups(envId).catch(() => []);
  return refs.find((r) => r.id === backupId) ?? { id: backupId, label: path.basename(backupId), time: Number.NaN, kind: 'folder' };
}

export function whenText(ref: BackupRef): string {
  return Number.isFinite(ref.time) ? formatDateTime(ref.time) : ref.label;
}

/** Where a file of a backup lives now: in the environment's source folder. */
export function currentFileOf(env: Environment | undefined, loc: BackupLocation): vscode.Uri | undefined {
  if (!env || env.type !== 'folder' || !env.source || !loc.path) return undefined;
  return vscode.Uri.file(path.join(env.source, ...loc.path.split('/')));
}

export async function exists(uri: vscode.Uri): Promise<boolean> {
  return vscode.workspace.fs.stat(uri).then(() => true, () => false);
}

export function isBrowseNode(arg: unknown): arg is BrowseNode {
  const o = arg as Partial<BrowseNode> | undefined;
  return !!o && typeof o === 'object' && (o.kind === 'backup' || o.kind === 'entry') && typeof o.envId === 'string' && typeof o.ref?.id === 'string';
}

export function toUri(u: unknown): vscode.Uri | undefined {
  if (u instanceof vscode.Uri) return u;
  if (typeof u === 'string') return u.includes('://') || u.startsWith('backup:') ? vscode.Uri.parse(u) : vscode.Uri.file(u);
  return undefined;
}
