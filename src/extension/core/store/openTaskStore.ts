// Opens tasks.db, whatever state the file is in. Only a file that is really damaged (or not ours)
// is moved aside (kept for the user, never deleted) and a new history started, with a warning.
// What says nothing about the file is never a reason to replace it: a transient read error is
// retried, a newer schema is opened read-only, and when the file cannot be read or moved aside
// StoreOpenError leaves it untouched (the caller does not lead then; see coordinator.ts).
import { existsSync, promises as fs } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import initSqlJs, { type Database, type SqlJsStatic } from 'sql.js';
import type { Clock, Logger } from '../ports';
import { DEFAULT_READ_RETRY_MS, moveAside, readIfExists, removeStaleTemp, type ReadFile } from './persist';
import { StoreReplica } from './replica';
import { fingerprint, IN_MEMORY_PRAGMAS, integrityOf, readWithIdentity, type FileIdentity, type ReplicaSeed } from './replicaSeed';
import { NewerSchemaError, prepareForReading, prepareSchema, SchemaError } from './schema';
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
  /** A save failed (once per run of failures; the store retries by itself). */
  onSaveError?: (message: string) => void;
  /** Delays between retries of a transient read error (EMFILE, EIO, ...). */
  readRetryMs?: readonly number[];
  /**
   * Save and text-search in a worker thread (storeWorker.ts) that holds a copy of the database:
   * the extension host, whose thread every extension shares. The background agent leaves it off:
   * it blocks no one, and the copy would double its memory.
   */
  worker?: boolean;
  /** Tests: another worker script (one that fails to start), and the started worker. */
  workerScript?: string;
  onWorker?: (worker: Worker) => void;
  /** Tests only: stands in for fs.readFile to produce errors a real disk rarely shows on demand. */
  readFile?: ReadFile;
}

/** The history exists but cannot be used; the file was left exactly as it was. */
export class StoreOpenError extends Error {
  override readonly name = 'StoreOpenError';
}

export interface OpenedTaskStore {
  store: SqlTaskStore;
  /** Human-readable; one per problem found (file moved aside, ...). */
  warnings: string[];
  /** A newer extension wrote the file: it is read, never written (the window must not lead). */
  readOnly: boolean;
}

export async function openTaskStore(options: TaskStoreOptions): Promise<OpenedTaskStore> {
  const SQL = await loadSqlJs(options.wasmPath ?? defaultWasmPath());
  await fs.mkdir(options.dir, { recursive: true });
  const path = join(options.dir, DB_FILE);
  await removeStaleTemp(path);
  const warnings: string[] = [];
  const wasmPath = options.wasmPath ?? defaultWasmPath();
  // Started as soon as the file is read: it checks the file's integrity on its own thread (loadDatabase waits for it).
  const startWorker = (seed: ReplicaSeed): StoreReplica | undefined => {
    try {
      return new StoreReplica({ seed, wasmPath }, { script: options.workerScript, onStarted: options.onWorker, canPersist: () => options.canPersist?.() ?? true, onGone: () => undefined });
    } catch {
      return undefined; // useWorker tries again and says why
    }
  };
  const { db, needsWrite, readOnly, seed, started } = await loadDatabase(SQL, path, options, warnings, options.worker ? startWorker : undefined);
  // Without this every autocommit statement writes a journal in WASM memory.
  db.exec(IN_MEMORY_PRAGMAS);
  // Counted by the worker on its copy, when that is this one (same file, same schema steps, same fingerprint).
  const copy = started && !readOnly ? await answerOf(started.seeded) : undefined;
  const logChars = copy?.fingerprint === fingerprint(db) ? copy.logChars : undefined;
  const store = new SqlTaskStore(db, path, { ...options, coalesceMs: options.coalesceMs ?? 1000, readOnly, logChars });
  if (readOnly) {
    void started?.stop();
    return { store, warnings, readOnly };
  }
  // Before any write: the worker's copy starts from the same bytes and schema steps (replicaSeed.ts).
  if (options.worker) store.useWorker({ seed, started, wasmPath, script: options.workerScript, onStarted: options.onWorker });
  // Old history past the bounds goes now; a new or migrated file is written once. A healthy
  // file with nothing to prune is not written at all.
  store.applyBounds(options.clock.now());
  if (needsWrite) store.markDirty();
  return { store, warnings, readOnly };
}

/**
 * seed: where `db` came from, prepareSchema aside (undefined: unknown, the worker starts from an
 * export); started: the worker that checked the file, seeded from it.
 */
type Loaded = { db: Database; needsWrite: boolean; readOnly: boolean; seed?: ReplicaSeed; started?: StoreReplica };

async function loadDatabase(
  SQL: SqlJsStatic,
  path: string,
  options: TaskStoreOptions,
  warnings: string[],
  startWorker?: (seed: ReplicaSeed) => StoreReplica | undefined,
): Promise<Loaded> {
  let problem: string | undefined;
  let bytes: Uint8Array | undefined;
  let identity: FileIdentity | undefined;
  const read: ReadFile = options.readFile ?? (async (p) => {
    const r = await readWithIdentity(p);
    identity = r.identity; // what the store worker checks before it reads the file (replicaSeed.ts)
    return r.bytes;
  });
  try {
    bytes = await readIfExists(path, options.readRetryMs ?? DEFAULT_READ_RETRY_MS, read);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // A folder in its place is not a history; anything else (EACCES, EIO that persists) may be.
    if (code !== 'EISDIR') throw new StoreOpenError(`The task history ${path} could not be read (${code ?? (e as Error).message}); it was left as it is.`);
    problem = 'a folder is where the file should be';
  }
  if (!problem) {
    if (bytes === undefined) return { db: fresh(SQL), needsWrite: true, readOnly: false, seed: { kind: 'new' } };
    // SQLite opens an empty file as an empty database; for us it is a history that was lost.
    if (bytes.length === 0) problem = 'the file is empty';
    else {
      let db: Database | undefined;
      const seed: ReplicaSeed | undefined = identity && { kind: 'file', path, identity };
      const started = seed && startWorker?.(seed);
      try {
        db = new SQL.Database(bytes);
        await checkIntegrity(db, started);
        const outcome = prepareSchema(db);
        return { db, needsWrite: outcome !== 'current', readOnly: false, seed, started };
      } catch (e) {
        if (e instanceof NewerSchemaError) return { ...openNewer(db!, e, path, options, warnings), started };
        void started?.stop(); // its copy is of the file that is moved aside
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
    // Never start a history that would replace a file we could not keep.
    throw new StoreOpenError(`The task history could not be opened: ${problem}. Moving it aside failed too (${(e as Error).message}), so it was left as it is and no new history was started.`);
  }
  options.logger.warn(warning);
  warnings.push(warning);
  return { db: fresh(SQL), needsWrite: true, readOnly: false, seed: { kind: 'new' } };
}

function openNewer(db: Database, e: NewerSchemaError, path: string, options: TaskStoreOptions, warnings: string[]): Loaded {
  try {
    prepareForReading(db);
  } catch (err) {
    db.close();
    throw new StoreOpenError(`The task history ${path} ${e.message} and this version cannot read it (${(err as Error).message}): reload the window to update. It was left as it is.`);
  }
  const warning = `The task history was updated in another window by a newer version of Backup Scheduler (schema ${e.version}; this one knows ${e.known}): reload this window to use it. Until then this window only reads it.`;
  options.logger.warn(warning);
  warnings.push(warning);
  return { db, needsWrite: false, readOnly: true };
}

function fresh(SQL: SqlJsStatic): Database {
  const db = new SQL.Database();
  prepareSchema(db);
  return db;
}

/** How long an open waits for the store worker's check before doing it itself (a worker that hangs must not hang the open). */
const WORKER_CHECK_WAIT_MS = 15_000;

/** The store worker's answer, or undefined when it was lost first (useWorker says so) or is too slow. */
async function answerOf<T>(answer: Promise<T>): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([answer, new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), WORKER_CHECK_WAIT_MS)))]);
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

/** By the store worker on its copy of the same file when there is one, else here (replicaSeed.ts's integrityOf). */
async function checkIntegrity(db: Database, worker: StoreReplica | undefined): Promise<void> {
  const integrity = (worker && (await answerOf(worker.checked))) ?? integrityOf(db);
  if (integrity !== 'ok') throw new Error(integrity);
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
