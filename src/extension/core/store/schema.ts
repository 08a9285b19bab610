// The tasks.db schema and its migrations. The version lives in `PRAGMA user_version`, which the
// sqlite3 CLI shows too. A file we cannot vouch for (unknown tables, a newer version, missing
// columns) raises SchemaError, which the opener turns into "move aside and start fresh"; a newer
// version raises NewerSchemaError: the file is fine, this window runs an old extension.
import type { Database } from 'sql.js';

export class SchemaError extends Error {}

/** Written by a newer version of the extension (another window already updated): not damage. */
export class NewerSchemaError extends SchemaError {
  constructor(readonly version: number, readonly known: number) {
    super(`it was written by a newer version of the extension (schema ${version}, this one knows ${known})`);
  }
}

/** Migration N turns a version N-1 database into version N. Never edit a shipped one: add N+1. */
export const MIGRATIONS: readonly string[] = [
  // 1: first release.
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
  CREATE TABLE tasks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    env_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    trigger TEXT NOT NULL,
    status TEXT NOT NULL,
    queued_at INTEGER NOT NULL,
    started_at INTEGER,
    finished_at INTEGER,
    progress TEXT,          -- JSON TaskProgress
    result TEXT,            -- JSON TaskResult
    size INTEGER,           -- result.size, its own column so the table sorts on it
    summary TEXT,           -- result.summary, its own column so the text filter searches it
    error TEXT,
    skip_reason TEXT,
    warnings INTEGER NOT NULL DEFAULT 0,
    log_count INTEGER NOT NULL DEFAULT 0,
    last_seq INTEGER NOT NULL DEFAULT 0,
    dropped_lines INTEGER NOT NULL DEFAULT 0,  -- log lines trimmed away so far
    marker_seq INTEGER NOT NULL DEFAULT 0,     -- seq of the "N lines dropped" line, 0 when none
    revision INTEGER NOT NULL
  );
  -- One index per sort column, each followed by queued_at (the tie-break) and every filter
  -- column: a page walks the index in order and tests the filter on the index entry itself,
  -- reading a table row only for the rows it returns. tasks_env and tasks_status also serve a
  -- filter on them with the default (queued_at) order.
  CREATE INDEX tasks_env ON tasks (env_id, queued_at, status, kind, trigger);
  CREATE INDEX tasks_status ON tasks (status, queued_at, env_id, kind, trigger);
  CREATE INDEX tasks_kind ON tasks (kind, queued_at, env_id, status, trigger);
  CREATE INDEX tasks_trigger ON tasks (trigger, queued_at, env_id, status, kind);
  CREATE INDEX tasks_queued ON tasks (queued_at, env_id, status, kind, trigger);
  CREATE INDEX tasks_started ON tasks (started_at, queued_at, env_id, status, kind, trigger);
  CREATE INDEX tasks_finished ON tasks (finished_at, queued_at, env_id, status, kind, trigger);
  CREATE INDEX tasks_duration ON tasks ((finished_at - started_at), queued_at, env_id, status, kind, trigger);
  CREATE INDEX tasks_size ON tasks (size, queued_at, env_id, status, kind, trigger);
  CREATE INDEX tasks_revision ON tasks (revision);
  CREATE TABLE log_lines (
    task_id INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    time INTEGER NOT NULL,
    level TEXT NOT NULL,
    text TEXT NOT NULL,
    PRIMARY KEY (task_id, seq)
  ) WITHOUT ROWID;
  CREATE TABLE scheduler_state (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
  `,
  // 2: runs. A follow-up (verify, prune) names the backup it follows (parent_id); the task that
  // starts a run keeps the run's outcome (run_status, see src/shared/runs.ts) so the Task Log can
  // filter and sort runs in SQL. tasks_runs pages runs (parent_id IS NULL, newest first) and
  // finds a run's steps (parent_id = ?).
  `
  ALTER TABLE tasks ADD COLUMN parent_id INTEGER;
  ALTER TABLE tasks ADD COLUMN run_status TEXT;
  CREATE INDEX tasks_runs ON tasks (parent_id, queued_at, run_status, env_id, kind, trigger);
  -- History written before the link: a verify or prune the chain started right after a good
  -- backup (the task before it in its environment, same trigger, queued within 5 s of that
  -- task's end) joins the backup's run. The +env_id makes the lookup walk ids backwards.
  UPDATE tasks SET parent_id = (
    SELECT p.id FROM tasks p
    WHERE p.id = (SELECT q.id FROM tasks q WHERE q.id < tasks.id AND +q.env_id = tasks.env_id ORDER BY q.id DESC LIMIT 1)
      AND p.kind = 'backup' AND p.status = 'succeeded' AND p.trigger = tasks.trigger
      AND tasks.queued_at BETWEEN p.finished_at AND p.finished_at + 5000)
  WHERE kind = 'verify';
  UPDATE tasks SET parent_id = (
    SELECT CASE p.kind WHEN 'backup' THEN p.id ELSE p.parent_id END FROM tasks p
    WHERE p.id = (SELECT q.id FROM tasks q WHERE q.id < tasks.id AND +q.env_id = tasks.env_id ORDER BY q.id DESC LIMIT 1)
      AND p.status = 'succeeded' AND p.trigger = tasks.trigger
      AND (p.kind = 'backup' OR (p.kind = 'verify' AND p.parent_id IS NOT NULL))
      AND tasks.queued_at BETWEEN p.finished_at AND p.finished_at + 5000)
  WHERE kind = 'prune';
  UPDATE tasks SET run_status = status WHERE parent_id IS NULL;
  UPDATE tasks SET run_status = (
    SELECT s.status FROM tasks s WHERE s.parent_id = tasks.id AND s.status != 'succeeded'
    ORDER BY CASE s.status WHEN 'running' THEN 0 WHEN 'queued' THEN 0 WHEN 'failed' THEN 1 WHEN 'interrupted' THEN 2 WHEN 'cancelled' THEN 3 ELSE 4 END, s.id LIMIT 1)
  WHERE parent_id IS NULL AND status = 'succeeded'
    AND EXISTS (SELECT 1 FROM tasks s WHERE s.parent_id = tasks.id AND s.status != 'succeeded');
  UPDATE tasks SET run_status = 'running' WHERE run_status = 'queued' AND status != 'queued';
  `,
  // 3: runs filtered or sorted by outcome, and one environment's runs, walk an index too (at 100k
  // tasks a sort of every run by outcome took ~60 ms of CPU; measured in npm run bench store).
  `
  CREATE INDEX tasks_runs_status ON tasks (parent_id, run_status, queued_at, env_id, kind, trigger);
  CREATE INDEX tasks_runs_env ON tasks (parent_id, env_id, queued_at, run_status, kind, trigger);
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Columns the code reads; a file lacking one is not ours (or was damaged by hand). */
const REQUIRED: Record<string, string[]> = {
  meta: ['key', 'value'],
  tasks: ['id', 'env_id', 'kind', 'trigger', 'status', 'queued_at', 'started_at', 'finished_at', 'progress', 'result',
    'size', 'summary', 'error', 'skip_reason', 'warnings', 'log_count', 'last_seq', 'dropped_lines', 'marker_seq', 'revision', 'parent_id', 'run_status'],
  log_lines: ['task_id', 'seq', 'time', 'level', 'text'],
  scheduler_state: ['key', 'value'],
};

export type SchemaOutcome = 'created' | 'migrated' | 'current';

/** Brings `db` to the newest version (`migrations` is injectable so the runner itself is testable). */
export function prepareSchema(db: Database, migrations: readonly string[] = MIGRATIONS): SchemaOutcome {
  const target = migrations.length;
  const version = schemaVersion(db);
  if (version > target) throw new NewerSchemaError(version, target);
  if (version === 0) {
    const tables = db.exec("SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'");
    if (tables.length > 0) throw new SchemaError('it is an SQLite file, but not a Backup Scheduler history');
    // Both only settable before the first table. auto_vacuum lets pruning give pages back
    // (incremental_vacuum) instead of carrying free pages in every save. 16 KiB pages: export()
    // copies page by page through JS, and a quarter of the pages halves its time (measured).
    db.exec('PRAGMA page_size = 16384; PRAGMA auto_vacuum = INCREMENTAL');
  }
  for (let next = version + 1; next <= target; next++) {
    // One transaction per step: a failing step leaves the file at the previous version.
    db.exec('BEGIN');
    try {
      db.exec(migrations[next - 1]);
      db.exec(`PRAGMA user_version = ${next}`);
      db.exec('COMMIT');
    } catch (e) {
      db.exec('ROLLBACK');
      throw new SchemaError(`migration to schema ${next} failed: ${(e as Error).message}`);
    }
  }
  verifyColumns(db);
  return version === 0 ? 'created' : version < target ? 'migrated' : 'current';
}

export function schemaVersion(db: Database): number {
  return Number(db.exec('PRAGMA user_version')[0].values[0][0]);
}

/**
 * For a copy that is only read (a follower's, or a leader's that found a newer file): an older
 * file is migrated in memory, a newer one is read as it is when it still has every column this
 * version reads. SchemaError when it cannot be read safely.
 */
export function prepareForReading(db: Database, migrations: readonly string[] = MIGRATIONS): SchemaOutcome | 'newer' {
  if (schemaVersion(db) <= migrations.length) return prepareSchema(db, migrations);
  verifyColumns(db);
  return 'newer';
}

function verifyColumns(db: Database): void {
  for (const [table, columns] of Object.entries(REQUIRED)) {
    const res = db.exec(`PRAGMA table_info(${table})`);
    const have = new Set(res.length ? res[0].values.map((r) => String(r[1])) : []);
    const missing = columns.filter((c) => !have.has(c));
    if (missing.length) throw new SchemaError(`table ${table} lacks ${missing.join(', ')}`);
  }
}
