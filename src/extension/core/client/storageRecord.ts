// Which global-storage folder a program outside VS Code should use when it is not told
// (`--storage`). Each VS Code flavour (Code, Insiders, VSCodium, a server) has its own, and only
// VS Code knows its path, so windows and the agent write down the one they use in a small file in
// a stable per-user place that does not depend on the flavour:
//   Linux and others: $XDG_STATE_HOME/backup-scheduler (default ~/.local/state/backup-scheduler)
//   macOS:            ~/Library/Application Support/backup-scheduler
//   Windows:          %LOCALAPPDATA%\backup-scheduler
// with one file per writer kind, `window.json` and `agent.json` ({storageDir, pid, at}), so a
// window and the agent never rewrite each other's. BACKUP_SCHEDULER_STATE_DIR overrides the
// folder (tests). Reading prefers the agent's folder while the agent runs, then the folder the
// last window used, then the agent's.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import { pidAlive } from '../util/pid';

export type RecordKind = 'window' | 'agent';

export interface StorageRecord {
  storageDir: string;
  pid: number;
  /** Epoch ms when it was written. */
  at: number;
}

export function stateDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home = homedir()): string {
  if (env.BACKUP_SCHEDULER_STATE_DIR) return env.BACKUP_SCHEDULER_STATE_DIR;
  if (platform === 'win32') return join(env.LOCALAPPDATA || join(home, 'AppData', 'Local'), 'backup-scheduler');
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'backup-scheduler');
  return join(env.XDG_STATE_HOME || join(home, '.local', 'state'), 'backup-scheduler');
}

/** A storage folder in the temp folder is a test's or a throwaway profile's, not the user's VS Code. */
function isTemporary(storageDir: string): boolean {
  const t = resolve(tmpdir());
  return resolve(storageDir).startsWith(t.endsWith(sep) ? t : t + sep);
}

/**
 * Writes the record whole (temp + rename); best effort: a window must not fail over it. A storage
 * folder under the temp folder is recorded only in a state folder given explicitly (`dir` or
 * BACKUP_SCHEDULER_STATE_DIR): test hosts and agents started by tests must not leave their
 * throw-away folder as the user's default. Returns whether it wrote.
 */
export function recordStorage(kind: RecordKind, storageDir: string, explicitDir?: string): boolean {
  const given = explicitDir ?? process.env.BACKUP_SCHEDULER_STATE_DIR;
  if (!given && isTemporary(storageDir)) return false;
  const dir = given ?? stateDir();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, `${kind}.json`);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify({ storageDir, pid: process.pid, at: Date.now() } satisfies StorageRecord), { mode: 0o600 });
  renameSync(tmp, path);
  return true;
}

export function readStorageRecord(kind: RecordKind, dir = stateDir()): StorageRecord | undefined {
  try {
    const v = JSON.parse(readFileSync(join(dir, `${kind}.json`), 'utf8')) as Partial<StorageRecord>;
    return typeof v.storageDir === 'string' && v.storageDir && typeof v.pid === 'number' && typeof v.at === 'number' ? (v as StorageRecord) : undefined;
  } catch {
    return undefined;
  }
}


/** The folder to use when none is given, or undefined when neither a window nor the agent ever wrote one. */
export function defaultStorage(dir = stateDir()): string | undefined {
  const agent = readStorageRecord('agent', dir);
  if (agent && pidAlive(agent.pid)) return agent.storageDir;
  return readStorageRecord('window', dir)?.storageDir ?? agent?.storageDir;
}
