// `<storage>/agent/environments.json`: what windows publish for the background agent to run.
// The agent cannot read VS Code's settings, so each window writes the environments it resolved:
// the user-level ones (section `user`, replaced by whichever window publishes last) and, only
// when its workspace is trusted, its workspace's own (section `workspaces[<key>]`, with its folders;
// per-folder ids as the window made them). Nothing bound to a non-`file` folder is published.
// A section stays after its window closes (running them headless is the point); a window that
// opens the same workspace replaces the section, so an environment removed from settings stops
// in the agent too; "Stop Running in Background" removes one environment from its section.
// Several windows write the file: each change is a read-modify-write under an O_EXCL lock file,
// published by temp + rename with mode 0600, so a reader never sees half a file.
import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Environment, EnvironmentEntry } from '../environments/types';
import { trustBlock } from '../environments/lookup';
import { checkRegistration } from '../leader/requestChecks';
import type { HistoryBounds } from '../store/taskStore';

export const SNAPSHOT_VERSION = 1;

export interface SnapshotSection {
  publishedAt: number;
  environments: Environment[];
}

export interface WorkspaceSection extends SnapshotSection {
  /** The workspace's folders (absolute file paths), as the publishing window had them open. */
  folders: string[];
}

/** Settings the agent needs besides environments: whatever window published last wins. */
export interface PublishedSettings {
  resticPath?: string;
  bounds?: HistoryBounds;
  stallMs?: number;
  fsCallTimeoutMs?: number;
}

export interface EnvironmentsSnapshot {
  version: number;
  settings?: PublishedSettings;
  user?: SnapshotSection;
  workspaces: Record<string, WorkspaceSection>;
  /**
   * Folders of workspaces a window has open untrusted: no command runs inside them (the rule a
   * window applies, README "Safety rules"), also after that window closed, until a window trusts it.
   */
  untrustedFolders?: string[];
}

/** A workspace's key: the same folders give the same key in every window. */
export function workspaceKey(folders: readonly string[]): string {
  return createHash('sha256').update([...folders].sort().join('\n')).digest('hex').slice(0, 16);
}

export function readSnapshot(path: string): EnvironmentsSnapshot {
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return { version: SNAPSHOT_VERSION, workspaces: {} };
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) return { version: SNAPSHOT_VERSION, workspaces: {} };
  const o = v as Partial<EnvironmentsSnapshot>;
  const section = (s: unknown): s is SnapshotSection => !!s && typeof s === 'object' && Array.isArray((s as SnapshotSection).environments) && typeof (s as SnapshotSection).publishedAt === 'number';
  const workspaces: Record<string, WorkspaceSection> = {};
  if (o.workspaces && typeof o.workspaces === 'object') {
    for (const [k, w] of Object.entries(o.workspaces)) if (/^[0-9a-f]{16}$/.test(k) && section(w) && Array.isArray(w.folders) && w.folders.every((f) => typeof f === 'string')) workspaces[k] = w;
  }
  return {
    version: typeof o.version === 'number' ? o.version : SNAPSHOT_VERSION,
    settings: o.settings && typeof o.settings === 'object' ? o.settings : undefined,
    user: section(o.user) ? o.user : undefined,
    workspaces,
    untrustedFolders: Array.isArray(o.untrustedFolders) ? o.untrustedFolders.filter((f): f is string => typeof f === 'string') : [],
  };
}

const LOCK_STALE_MS = 10_000;

/** Applies `change` to the file under its lock; returns the snapshot written. */
export async function updateSnapshot(path: string, change: (s: EnvironmentsSnapshot) => EnvironmentsSnapshot): Promise<EnvironmentsSnapshot> {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const lock = `${path}.lock`;
  for (let attempt = 0; ; attempt++) {
    try {
      closeSync(openSync(lock, 'wx', 0o600));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      // A writer that died holding the lock leaves it behind: old enough, it is nobody's.
      try {
        if (Date.now() - statSync(lock).mtimeMs > LOCK_STALE_MS) rmSync(lock, { force: true });
      } catch {
        // gone meanwhile
      }
      if (attempt > 200) throw new Error(`${lock} stays locked`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  try {
    const next = change(readSnapshot(path));
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(next, null, 1)}\n`, { mode: 0o600 });
    renameSync(tmp, path);
    return next;
  } finally {
    rmSync(lock, { force: true });
  }
}

/** What one window publishes: its user-level environments, and its workspace's when it may. */
export interface Publication {
  /** The window's environments as it resolved them (valid and invalid; only valid ones are published). */
  entries: readonly EnvironmentEntry[];
  /** Its workspace folders with their URI scheme: only `file` folders count. */
  folders: readonly { path: string; scheme: string }[];
  trusted: boolean;
  settings?: PublishedSettings;
  now: number;
  /**
   * False when the window's list is its workspace's own (a workspace that sets the setting hides
   * the user's list): then the user section is left as another window published it.
   */
  includesUserList?: boolean;
}

/**
 * Splits a window's environments into the user section and its workspace section. Workspace
 * environments (from workspace settings, or bound to a folder) go only when the workspace is
 * trusted and their folder is a `file` folder of this window; an untrusted window publishes its
 * user-level environments only and leaves its workspace's section as it was.
 */
export function sectionsOf(p: Publication): { user: Environment[]; workspace: { key: string; folders: string[]; environments: Environment[] } | undefined } {
  const fileFolders = p.folders.filter((f) => f.scheme === 'file').map((f) => f.path);
  const user: Environment[] = [];
  const ws: Environment[] = [];
  for (const e of p.entries) {
    if (!e.valid) continue;
    const env = e.environment;
    const boundToWorkspace = env.origin === 'workspace' || env.folder !== undefined;
    if (!boundToWorkspace) {
      // A user command that runs inside this untrusted workspace stays blocked, as in the window.
      if (!p.trusted && trustBlock(env, false, fileFolders)) continue;
      user.push(env);
      continue;
    }
    if (!p.trusted) continue;
    if (env.folder !== undefined && !fileFolders.includes(env.folder)) continue;
    // A workspace entry with no folder of its own belongs to the window's first folder, which
    // must be a real one too.
    if (env.folder === undefined && (fileFolders.length === 0 || p.folders[0]?.scheme !== 'file')) continue;
    ws.push(env);
  }
  const workspace = p.trusted && fileFolders.length > 0 ? { key: workspaceKey(fileFolders), folders: fileFolders, environments: ws } : undefined;
  return { user, workspace };
}

/** Publishes one window's view (see sectionsOf). */
export function publish(path: string, p: Publication): Promise<EnvironmentsSnapshot> {
  const { user, workspace } = sectionsOf(p);
  const mine = p.folders.filter((f) => f.scheme === 'file').map((f) => f.path);
  return updateSnapshot(path, (s) => {
    const others = (s.untrustedFolders ?? []).filter((f) => !mine.includes(f));
    return {
      version: SNAPSHOT_VERSION,
      settings: p.settings ?? s.settings,
      user: p.includesUserList === false ? s.user : { publishedAt: p.now, environments: user },
      workspaces: workspace ? { ...s.workspaces, [workspace.key]: { publishedAt: p.now, folders: workspace.folders, environments: workspace.environments } } : s.workspaces,
      untrustedFolders: p.trusted ? others : [...others, ...mine],
    };
  });
}

/** "Stop Running in Background": removes one environment from whichever section has it. */
export function removeEnvironment(path: string, envId: string): Promise<EnvironmentsSnapshot> {
  return updateSnapshot(path, (s) => {
    const workspaces: Record<string, WorkspaceSection> = {};
    for (const [k, w] of Object.entries(s.workspaces)) {
      const environments = w.environments.filter((e) => e.id !== envId);
      if (environments.length > 0) workspaces[k] = { ...w, environments };
    }
    return { ...s, user: s.user && { ...s.user, environments: s.user.environments.filter((e) => e.id !== envId) }, workspaces };
  });
}

/**
 * The environments the agent runs: the union of every section, each entry checked again by the
 * rules a window's registration gets (requestChecks.ts): parsed as a settings entry, absolute
 * paths, a folder-bound id matching a folder of its section. The file is the user's own, but what
 * it holds is only input. User-level ones first; one id runs once.
 */
export function snapshotEntries(s: EnvironmentsSnapshot, ctx: { home: string; env: NodeJS.ProcessEnv }): { entries: EnvironmentEntry[]; refused: { id: string; reason: string }[]; workspaceOf: Map<string, string[]> } {
  const entries: EnvironmentEntry[] = [];
  const refused: { id: string; reason: string }[] = [];
  const workspaceOf = new Map<string, string[]>();
  const seen = new Set<string>();
  const add = (windowId: string, envs: Environment[], folders: string[]) => {
    let reg;
    try {
      reg = checkRegistration({ windowId, entries: envs, folders, trusted: true }, ctx);
    } catch (e) {
      refused.push({ id: windowId, reason: (e as Error).message });
      return;
    }
    refused.push(...reg.refused);
    for (const env of reg.envs) {
      if (seen.has(env.id)) continue;
      seen.add(env.id);
      if (folders.length) workspaceOf.set(env.id, folders);
      entries.push({ index: entries.length, valid: true, environment: env });
    }
  };
  if (s.user) add('user', s.user.environments.filter((e) => e.folder === undefined && e.origin === 'user'), []);
  const byRecent = Object.entries(s.workspaces).sort(([, a], [, b]) => b.publishedAt - a.publishedAt);
  for (const [key, w] of byRecent) add(`ws-${key}`, w.environments, w.folders);
  return { entries, refused, workspaceOf };
}
