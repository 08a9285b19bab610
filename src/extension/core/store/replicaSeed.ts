// How the store worker's copy of tasks.db starts without the host's thread exporting its own
// (db.export() is ~200 ms at 100k tasks): the worker reads the same file the host opened and
// repeats the one thing the host did to it before its writes were journaled, bringing the schema
// up to date (schema.ts: deterministic SQL, no clock, no random()). Every write after that reaches
// the worker through SqlRunner's journal.
// The host's bytes cannot be handed over instead: sql.js keeps a Node Buffer it is given as its
// file's storage (Buffer.slice is a view, not a copy) and writes into it.
// The worker also runs the file's integrity check (quick_check, a read of every page) before
// touching the schema, and the host waits for its answer instead of reading every page itself.
// Two checks keep the copies from starting apart: the worker reads the file only if it is still
// the one the host read (same inode, size and modification time; tasks.db is only ever replaced
// by a rename), and it compares a fingerprint of its copy with the host's when the host's
// journal starts (replica.ts's expect). Either failing stops the worker and the host goes on
// alone, as when a worker cannot start.
import { promises as fs, type Stats } from 'node:fs';
import type { Database, SqlJsStatic } from 'sql.js';
import { prepareSchema } from './schema';

/** Characters of log text (the store's log budget): ~112 ms at 1M lines, so the worker counts them for the host at the start. */
export const LOG_CHARS_SQL = 'SELECT coalesce(sum(length(text)), 0) FROM log_lines';

/** The in-memory copy needs no journal on disk nor syncs: durability comes from persist.ts's atomic replace. */
export const IN_MEMORY_PRAGMAS = 'PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF';

export interface FileIdentity {
  dev: number;
  ino: number;
  size: number;
  mtimeNs: string;
}

export type ReplicaSeed =
  /** The host started a new history. */
  | { kind: 'new' }
  /** The host opened this file, as it was then. */
  | { kind: 'file'; path: string; identity: FileIdentity }
  /** An export of the host's copy (costs the host's thread the export). */
  | { kind: 'bytes'; bytes: Uint8Array };

export function identityOf(st: Stats | import('node:fs').BigIntStats): FileIdentity {
  return { dev: Number(st.dev), ino: Number(st.ino), size: Number(st.size), mtimeNs: 'mtimeNs' in st ? String(st.mtimeNs) : String(st.mtimeMs) };
}

/** Reads a file and says which file it was (the bytes and the identity come from one open). */
export async function readWithIdentity(path: string): Promise<{ bytes: Buffer; identity: FileIdentity }> {
  const fh = await fs.open(path, 'r');
  try {
    const identity = identityOf(await fh.stat({ bigint: true }));
    return { bytes: await fh.readFile(), identity };
  } finally {
    await fh.close();
  }
}

/**
 * quick_check reads every page (O(file size), ~220 ms of CPU at 100k tasks) but skips the index
 * cross-check: what a start-up can afford. 'ok', or what is wrong. With a store worker it runs
 * there, on the worker's copy of the same file, while the host waits without blocking.
 */
export function integrityOf(db: Database): string {
  try {
    const first = db.exec('PRAGMA quick_check')[0]?.values[0]?.[0];
    return first === 'ok' ? 'ok' : `integrity check: ${String(first)}`;
  } catch (e) {
    return (e as Error).message; // 'file is not a database'
  }
}

/**
 * The worker's copy: what openTaskStore did to a file that opened cleanly, or to a new one.
 * `checked` hears a file's integrity before the schema is touched (the host decides on it).
 */
export async function openSeed(SQL: SqlJsStatic, seed: ReplicaSeed, checked?: (integrity: string) => void): Promise<Database> {
  let bytes: Uint8Array | undefined;
  if (seed.kind === 'bytes') bytes = seed.bytes;
  else if (seed.kind === 'file') {
    const read = await readWithIdentity(seed.path);
    if (JSON.stringify(read.identity) !== JSON.stringify(seed.identity)) throw new SeedMismatch('tasks.db changed on disk before the store worker read it');
    bytes = read.bytes;
  }
  const db = bytes ? new SQL.Database(bytes) : new SQL.Database();
  if (seed.kind === 'file' && checked) {
    const integrity = integrityOf(db);
    checked(integrity);
    if (integrity !== 'ok') throw new SeedMismatch(`the file failed its ${integrity}`);
  }
  try {
    prepareSchema(db);
  } catch (e) {
    // The host meets the same file (a newer schema, not ours) and does without this copy.
    throw new SeedMismatch(`its schema: ${(e as Error).message}`);
  }
  db.exec(IN_MEMORY_PRAGMAS);
  return db;
}

/** The worker's copy would not start where the host's did. */
export class SeedMismatch extends Error {
  override readonly name = 'SeedMismatch';
}

/**
 * Cheap (a few header and index lookups, whatever the size) and moved by anything that could
 * make two copies differ at the start: the schema, the page layout, the newest rows, the saved revision.
 */
export function fingerprint(db: Database): string {
  const one = (sql: string) => db.exec(sql)[0]?.values[0]?.[0] ?? null;
  return JSON.stringify([
    one('PRAGMA user_version'),
    one('PRAGMA schema_version'),
    one('PRAGMA page_size'),
    one('PRAGMA page_count'),
    one('PRAGMA freelist_count'),
    one('SELECT max(id) FROM tasks'),
    one('SELECT max(revision) FROM tasks'),
    one("SELECT value FROM meta WHERE key = 'revision'"),
    one('SELECT max(task_id) FROM log_lines'),
  ]);
}
