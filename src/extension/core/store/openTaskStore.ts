// Opens tasks.db, whatever state the file is in. A file we cannot trust is moved aside (kept for
// the user, never deleted) and a new history is started with a warning: activation never fails
// because of the history.
import { existsSync, promises as fs } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join } from 'node:path';
import initSqlJs, { type Database, type SqlJsStatic } from 'sql.js';
import type { Clock, Logger } from '../ports';
import { moveAside, readIfExists, removeStaleTemp } from './persist';
import { prepareSchema, SchemaError } from './schema';
import { SqlTaskStore, type PersistEvent } from './sqlStore';
import type { HistoryBounds } from './taskStore';

export const DB_FILE = 'tasks.db';

export interface TaskStoreOptions {
  /** Storage folder (globalStorageUri.fsPath); created when missing. */
  dir: string;
  clock: Clock;
  logger: Logger;
  bounds: HistoryBounds;
  /** sql-wasm.wasm; default: beside this bundle (dist/), else node_modules/sql.js (tests). */
  wasmPath?: string;
  /** Longest time a change stays in memory only; default 1000 ms. */
  coalesceMs?: number;
  onPersist?: (event: PersistEvent) => void;
  /** Fencing for the multi-window leader: checked before every write of tasks.db. */
  canPersist?: () => boolean;
}

export interface OpenedTaskStore {
  store: SqlTaskStore;
  /** Human-readable; one per problem found (file moved aside, ...). */
  warnings: string[];
}

export async function openTaskStore(options: TaskStoreOptions): Promise<OpenedTaskStore> {
  const SQL = await loadSqlJs(options.wasmPath ?? defaultWasmPath());
  await fs.mkdir(options.dir, { recursive: true });
  const path = join(options.dir, DB_FILE);
  await removeStaleTemp(path);
  const warnings: string[] = [];
  const { db, needsWrite } = await loadDatabase(SQL, path, options, warnings);
  // The in-memory copy needs no journal on disk nor syncs: durability comes from the atomic file
  // replace in persist.ts. Without this every autocommit statement writes a journal in WASM memory.
  db.exec('PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF');
  const store = new SqlTaskStore(db, path, { ...options, coalesceMs: options.coalesceMs ?? 1000 });
  // Old history past the bounds goes now; a new or migrated file is written once. A healthy
  // file with nothing to prune is not written at all.
  store.applyBounds(options.clock.now());
  if (needsWrite) store.markDirty();
  return { store, warnings };
}

async function loadDatabase(SQL: SqlJsStatic, path: string, options: TaskStoreOptions, warnings: string[]): Promise<{ db: Database; needsWrite: boolean }> {
  let problem: string | undefined;
  let bytes: Uint8Array | undefined;
  try {
    bytes = await readIfExists(path);
  } catch (e) {
    problem = `it could not be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`;
  }
  if (!problem) {
    if (bytes === undefined) return { db: fresh(SQL), needsWrite: true };
    // SQLite opens an empty file as an empty database; for us it is a history that was lost.
    if (bytes.length === 0) problem = 'the file is empty';
    else {
      let db: Database | undefined;
      try {
        db = new SQL.Database(bytes);
        checkIntegrity(db);
        const outcome = prepareSchema(db);
        return { db, needsWrite: outcome !== 'current' };
      } catch (e) {
        db?.close();
        problem = e instanceof SchemaError ? e.message : `it is damaged (${(e as Error).message})`;
      }
    }
  }
  let warning: string;
  try {
    const aside = await moveAside(path, options.clock.now());
    warning = `The task history could not be opened: ${problem}. It was moved to ${basename(aside)} and a new, empty history was started.`;
  } catch (e) {
    warning = `The task history could not be opened: ${problem}. Moving it aside failed too (${(e as Error).message}); a new history was started and will replace it.`;
  }
  options.logger.warn(warning);
  warnings.push(warning);
  return { db: fresh(SQL), needsWrite: true };
}

function fresh(SQL: SqlJsStatic): Database {
  const db = new SQL.Database();
  prepareSchema(db);
  return db;
}

/** quick_check reads every page (O(file size)) but skips the index cross-check: what a start-up can afford. */
function checkIntegrity(db: Database): void {
  const res = db.exec('PRAGMA quick_check');
  const first = res[0]?.values[0]?.[0];
  if (first !== 'ok') throw new Error(`integrity check: ${String(first)}`);
}

const sqlJsByWasm = new Map<string, Promise<SqlJsStatic>>();

/** The WASM module is compiled once per process, however many stores are opened (tests open many). */
export function loadSqlJs(wasmPath: string): Promise<SqlJsStatic> {
  let p = sqlJsByWasm.get(wasmPath);
  if (!p) {
    p = initSqlJs({ locateFile: () => wasmPath });
    p.catch(() => sqlJsByWasm.delete(wasmPath));
    sqlJsByWasm.set(wasmPath, p);
  }
  return p;
}

export function defaultWasmPath(): string {
  const beside = join(__dirname, 'sql-wasm.wasm');
  // createRequire keeps esbuild from trying to bundle the .wasm when it sees a literal require.resolve.
  return existsSync(beside) ? beside : createRequire(__filename).resolve('sql.js/dist/sql-wasm.wasm');
}
