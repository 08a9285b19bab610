// Typed access to the extension's settings. Everything that reads `backupScheduler.*` goes
// through here, so defaults live in one place (and match package.json's).
import * as os from 'node:os';
import * as vscode from 'vscode';
import { parseEnvironmentLists, type ParseContext } from './core/environments/parse';
import type { EnvironmentEntry } from './core/environments/types';
import type { HistoryBounds } from './core/store/taskStore';

export const SECTION = 'backupScheduler';

export interface Settings {
  bounds: HistoryBounds;
  pollIntervalMs: number;
  notifyOnFailure: boolean;
  notifyOnSuccess: boolean;
  /** Bound of one file-system call on a source or destination (FsGuard). */
  fsCallTimeoutMs: number;
  /** A running task silent this long is flagged stalled. */
  stallMs: number;
}

export function readSettings(): Settings {
  const c = vscode.workspace.getConfiguration(SECTION);
  const valid = (v: unknown, fallback: number, min: number) => (typeof v === 'number' && Number.isFinite(v) && v >= min ? Math.floor(v) : fallback);
  const int = (key: string, fallback: number, min: number) => valid(c.get<number>(key), fallback, min);
  // Machine settings (package.json `scope: machine`): the user's value only, never a workspace's.
  // A repository must not shorten the stuck-path timeout (every backup of a slow disk fails) or
  // hide stalls; and one window's workspace would set them for every window's backups.
  const machineInt = (key: string, fallback: number, min: number) => valid(c.inspect<number>(key)?.globalValue, fallback, min);
  return {
    bounds: {
      maxAgeDays: int('history.maxAgeDays', 90, 1),
      maxTasks: int('history.maxTasks', 5000, 10),
      maxLinesPerTask: int('logs.maxLinesPerTask', 2000, 10),
    },
    pollIntervalMs: int('taskLog.pollIntervalMs', 2000, 250),
    notifyOnFailure: c.get<boolean>('notifications.onFailure') !== false,
    notifyOnSuccess: c.get<boolean>('notifications.onSuccess') === true,
    fsCallTimeoutMs: machineInt('fsCallTimeoutSeconds', 180, 5) * 1000,
    stallMs: machineInt('stallMinutes', 30, 1) * 60_000,
  };
}

/**
 * The window's folders on disk. A backup opened as a workspace folder (a `backup:` URI) is left
 * out: what its `.vscode/settings.json` says is a backup's, not this window's, and must never
 * schedule anything (a command included); nor is it a folder an environment could back up.
 */
export function diskFolders(): vscode.WorkspaceFolder[] {
  return (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file');
}

export function workspaceFolderPath(): string | undefined {
  return diskFolders()[0]?.uri.fsPath;
}

function idsOf(list: unknown): Set<string> {
  const ids = new Set<string>();
  if (Array.isArray(list)) for (const e of list) if (e && typeof e === 'object' && typeof (e as { id?: unknown }).id === 'string') ids.add((e as { id: string }).id);
  return ids;
}

/**
 * Reads and validates `backupScheduler.environments` (README "Environments and workspace
 * folders"). The window's list is the workspace's when it defines one (VS Code's rule for a
 * setting), else the user's. An entry that depends on the workspace folder is one environment
 * per open folder when it comes from user settings or a multi-root workspace file (each window
 * and folder has its own "workspace folder"); in a multi-root window, each folder's own
 * `.vscode/settings.json` adds entries bound to that folder. Entries from workspace or folder
 * settings are marked, so a command from an untrusted repository never runs by itself. Only
 * folders on disk count (diskFolders): never a backup opened as a workspace folder.
 */
export function readEnvironments(): EnvironmentEntry[] {
  const c = vscode.workspace.getConfiguration(SECTION);
  const info = c.inspect<unknown[]>('environments');
  const folders = diskFolders().map((f) => ({ name: f.name, path: f.uri.fsPath }));
  const multiRoot = vscode.workspace.workspaceFile !== undefined;
  const base: Omit<ParseContext, 'workspaceFolder'> = { home: os.homedir(), env: process.env, folders };
  const lists: { raw: unknown; ctx: ParseContext }[] = [];
  if (info?.workspaceValue !== undefined) {
    lists.push({ raw: info.workspaceValue, ctx: { ...base, workspaceFolder: folders[0]?.path, workspaceIds: idsOf(info.workspaceValue), perFolder: multiRoot } });
  } else {
    lists.push({ raw: info?.globalValue ?? info?.defaultValue, ctx: { ...base, workspaceFolder: folders[0]?.path, perFolder: true } });
  }
  if (multiRoot) {
    for (const f of diskFolders()) {
      const own = vscode.workspace.getConfiguration(SECTION, f.uri).inspect<unknown[]>('environments')?.workspaceFolderValue;
      if (own !== undefined) lists.push({ raw: own, ctx: { ...base, workspaceFolder: f.uri.fsPath, folders: [{ name: f.name, path: f.uri.fsPath }], workspaceIds: idsOf(own), perFolder: true } });
    }
  }
  return parseEnvironmentLists(lists);
}

/** The id written in the settings: a per-folder environment `notes@app-1a2b3c` is the entry `notes`. */
export function settingsId(id: string): string {
  return id.split('@')[0];
}

/**
 * Where an environment's raw entry lives, so edits go back to the same settings file: a folder's
 * own settings in a multi-root window (`folder` first: the one a per-folder environment belongs
 * to), the workspace's, or the user's.
 */
export function environmentTarget(resolvedId: string, folder?: string): { target: vscode.ConfigurationTarget; list: Record<string, unknown>[]; config: vscode.WorkspaceConfiguration } {
  const id = settingsId(resolvedId);
  const has = (list: unknown): list is Record<string, unknown>[] => Array.isArray(list) && list.some((e) => e && (e as { id?: unknown }).id === id);
  const folders = diskFolders().sort((a, b) => Number(b.uri.fsPath === folder) - Number(a.uri.fsPath === folder));
  if (vscode.workspace.workspaceFile !== undefined) {
    for (const f of folders) {
      const config = vscode.workspace.getConfiguration(SECTION, f.uri);
      const own = config.inspect<Record<string, unknown>[]>('environments')?.workspaceFolderValue;
      if (has(own)) return { target: vscode.ConfigurationTarget.WorkspaceFolder, list: own, config };
    }
  }
  const config = vscode.workspace.getConfiguration(SECTION);
  const info = config.inspect<Record<string, unknown>[]>('environments');
  if (has(info?.workspaceFolderValue)) return { target: vscode.ConfigurationTarget.WorkspaceFolder, list: info!.workspaceFolderValue!, config };
  if (has(info?.workspaceValue)) return { target: vscode.ConfigurationTarget.Workspace, list: info!.workspaceValue!, config };
  return { target: vscode.ConfigurationTarget.Global, list: info?.globalValue ?? [], config };
}

/** Replaces one raw entry (by id) where it is defined. */
export async function updateEnvironmentEntry(resolvedId: string, change: (entry: Record<string, unknown>) => Record<string, unknown>, folder?: string): Promise<void> {
  const id = settingsId(resolvedId);
  const { target, list, config } = environmentTarget(id, folder);
  const next = list.map((e) => (e && e.id === id ? change({ ...e }) : e));
  await config.update('environments', next, target);
}

export async function addEnvironmentEntry(entry: Record<string, unknown>): Promise<void> {
  const info = vscode.workspace.getConfiguration(SECTION).inspect<Record<string, unknown>[]>('environments');
  await vscode.workspace.getConfiguration(SECTION).update('environments', [...(info?.globalValue ?? []), entry], vscode.ConfigurationTarget.Global);
}
