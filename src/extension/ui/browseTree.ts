// The "Browse Backup" view: each backup the user chose to browse, as a tree of its files read
// through the `backup:` file system (so file icons, open and compare work as for real files).
import * as vscode from 'vscode';
import { formatBytes, formatDateTime } from '../../shared/format';
import { entryName, parentEntry } from '../core/browse/backupUri';
import type { BackupBrowsing } from '../core/browse/source';
import type { BackupEntry, BackupRef } from '../core/engines/types';
import { backupUri, message, type BackupFileSystem } from './backupFileSystem';
import { codeSpan, escapeMarkdown } from './markdownText';

export type BrowseNode =
  | { kind: 'backup'; envId: string; ref: BackupRef }
  | { kind: 'entry'; envId: string; ref: BackupRef; entry: BackupEntry };

export const BROWSE_VIEW = 'backupScheduler.browse';

export class BrowseTree implements vscode.TreeDataProvider<BrowseNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<BrowseNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private roots: Extract<BrowseNode, { kind: 'backup' }>[] = [];

  constructor(private readonly backups: BackupBrowsing, private readonly fs: BackupFileSystem) {}

  /** Adds a backup to the view (once) and returns its root node. */
  open(envId: string, ref: BackupRef): BrowseNode {
    let root = this.roots.find((r) => r.envId === envId && r.ref.id === ref.id);
    if (!root) {
      root = { kind: 'backup', envId, ref };
      this.roots = [root, ...this.roots];
      this.update();
    }
    return root;
  }

  close(node: BrowseNode | undefined): void {
    this.roots = node ? this.roots.filter((r) => !(r.envId === node.envId && r.ref.id === node.ref.id)) : [];
    this.update();
  }

  get browsed(): readonly BrowseNode[] {
    return this.roots;
  }

  getTreeItem(node: BrowseNode): vscode.TreeItem {
    return node.kind === 'backup' ? this.rootItem(node) : entryItem(node);
  }

  async getChildren(node?: BrowseNode): Promise<BrowseNode[]> {
    if (!node) return this.roots;
    if (node.kind === 'entry' && node.entry.type !== 'dir') return [];
    try {
      const children = await this.fs.listings.children(node.envId, node.ref.id, node.kind === 'entry' ? node.entry.path : '');
      return children.map((entry) => ({ kind: 'entry', envId: node.envId, ref: node.ref, entry }));
    } catch (err) {
      void vscode.window.showErrorMessage(vscode.l10n.t('Backup Scheduler: cannot list {0}: {1}', node.ref.label, message(err)));
      return [];
    }
  }

  async getParent(node: BrowseNode): Promise<BrowseNode | undefined> {
    if (node.kind === 'backup') return undefined;
    const parent = parentEntry(node.entry.path);
    const root = this.roots.find((r) => r.envId === node.envId && r.ref.id === node.ref.id);
    if (!parent) return root;
    const entry = await this.fs.listings.stat(node.envId, node.ref.id, parent);
    return entry ? { kind: 'entry', envId: node.envId, ref: node.ref, entry } : root;
  }

  dispose(): void {
    this.changed.dispose();
  }

  private update(): void {
    void vscode.commands.executeCommand('setContext', 'backupScheduler.browsing', this.roots.length > 0);
    this.changed.fire(undefined);
  }

  private rootItem(node: Extract<BrowseNode, { kind: 'backup' }>): vscode.TreeItem {
    const env = this.backups.environment(node.envId);
    const item = new vscode.TreeItem(`${env?.name ?? node.envId}: ${formatDateTime(node.ref.time)}`, vscode.TreeItemCollapsibleState.Expanded);
    item.id = nodeId(node.envId, node.ref.id, undefined);
    item.description = node.ref.label;
    item.iconPath = new vscode.ThemeIcon('archive');
    item.contextValue = 'backup.root';
    item.tooltip = new vscode.MarkdownString(
      [vscode.l10n.t('{0}, backup of {1}', `**${escapeMarkdown(env?.name ?? node.envId)}**`, formatDateTime(node.ref.time)), codeSpan(node.ref.id), node.ref.size !== undefined ? formatBytes(node.ref.size) : '', node.ref.host ? vscode.l10n.t('host {0}', escapeMarkdown(node.ref.host)) : '']
        .filter(Boolean)
        .join('\n\n'),
    );
    return item;
  }
}

function entryItem(node: Extract<BrowseNode, { kind: 'entry' }>): vscode.TreeItem {
  const { entry } = node;
  const dir = entry.type === 'dir';
  const uri = backupUri({ envId: node.envId, backupId: node.ref.id, path: entry.path });
  const item = new vscode.TreeItem(uri, dir ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
  item.id = nodeId(node.envId, node.ref.id, entry.path);
  item.label = entryName(entry.path);
  item.contextValue = dir ? 'backup.folder' : entry.type === 'file' ? 'backup.file' : 'backup.other';
  if (entry.type === 'file') {
    item.description = formatBytes(entry.size);
    item.command = { command: 'vscode.open', title: vscode.l10n.t('Open'), arguments: [uri] };
  } else if (entry.type === 'symlink') {
    item.description = `→ ${entry.linkTarget ?? '?'}`;
  }
  item.tooltip = [entry.path, entry.type === 'file' ? formatBytes(entry.size) : entry.type, entry.mtime !== undefined ? vscode.l10n.t('modified {0}', formatDateTime(entry.mtime)) : ''].filter(Boolean).join('\n');
  return item;
}

function nodeId(envId: string, backupId: string, path: string | undefined): string {
  return JSON.stringify([envId, backupId, path ?? null]);
}
