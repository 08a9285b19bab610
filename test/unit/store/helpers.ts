// Shared by the store tests: real temp folders, real sql.js, the real sqlite3 CLI.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../../../src/extension/core/ports';
import { silentLogger } from '../../../src/extension/core/ports';
import { openTaskStore, type TaskStoreOptions } from '../../../src/extension/core/store/openTaskStore';
import { DEFAULT_BOUNDS, type PersistEvent } from '../../../src/extension/core/store/sqlStore';
import type { NewTask } from '../../../src/extension/core/store/taskStore';

const made: string[] = [];

export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bs-store-'));
  made.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** A clock the test sets by hand; the store only reads it (no timers to fake). */
export function manualClock(start = Date.UTC(2026, 10, 28, 12)): Clock & { set(ms: number): void } {
  let now = start;
  return { now: () => now, monotonic: () => now, set: (ms) => (now = ms) };
}

export async function openStore(dir: string, extra: Partial<TaskStoreOptions> = {}) {
  const persists: PersistEvent[] = [];
  const opened = await openTaskStore({
    dir,
    clock: manualClock(),
    logger: silentLogger,
    bounds: { ...DEFAULT_BOUNDS },
    coalesceMs: 20,
    onPersist: (e) => persists.push(e),
    ...extra,
  });
  return { ...opened, persists };
}

export function task(overrides: Partial<NewTask> = {}): NewTask {
  return { envId: 'docs', kind: 'backup', trigger: 'scheduled', status: 'succeeded', queuedAt: Date.UTC(2026, 10, 28, 10), ...overrides };
}

/** Runs the real sqlite3 CLI on a file: what a user (or support) would do to inspect tasks.db. */
export function sqlite3(dbPath: string, sql: string): string {
  return execFileSync('sqlite3', [dbPath, sql], { encoding: 'utf8' }).trim();
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
