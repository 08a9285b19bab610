// TaskStore over an in-memory sql.js database. Every method is synchronous against memory; the
// Coalescer copies the database to tasks.db at most once per window. Opening (and recovering
// from a bad file) is in openTaskStore.ts.
import type { Worker } from 'node:worker_threads';
import type { Database, SqlValue } from 'sql.js';
import { FINAL_STATUSES, LOG_LEVELS, type LogLevel, type LogLine, type TaskKind, type TaskPage, type TaskQuery, type TaskRecord, type TaskStatus } from '../../../shared/model';
import type { Clock, Logger } from '../ports';
import { Coalescer } from './coalescer';
import { markerText, planTrim } from './logTrim';
import { writeFileAtomic } from './persist';
import { ReplicaGone, StoreReplica, type WorkerStats } from './replica';
import { fingerprint, LOG_CHARS_SQL, type ReplicaSeed } from './replicaSeed';
import { SqlRunner } from './sqlRunner';
import { LOG_COLUMNS, TASK_COLUMNS, toJson, toLogLine, toTaskRecord } from './rows';
import { countRows, readPage, stepsOf } from './pageReader';
import type { WhereSql } from './taskQuery';
import type { ChangeSet, HistoryBounds, NewTask, RunRows, TaskPatch, TaskStore } from './taskStore';
import { runOutcome } from '../../../shared/runs';

export const DEFAULT_BOUNDS: Required<HistoryBounds> = {
  maxAgeDays: 90,
  maxTasks: 5000,
  maxLinesPerTask: 2000,
  maxTotalLogChars: 4_000_000,
};

/** One write of tasks.db, for diagnostics, the benchmark and the crash test. */
export interface PersistEvent {
  /** Store revision contained in the written file. */
  revision: number;
  bytes: number;
  /** db.export() alone, wall time. */
  exportMs: number;
  /**
   * Everything done synchronously for this save (buffered lines, bounds, vacuum, export): how
   * long the host was blocked. Wall time, and CPU time of the process (the same on an idle
   * machine; on a busy one the wall time also counts waiting for a core).
   */
  blockedMs: number;
  blockedCpuMs: number;
  /** temp file + fsync + rename + fsync dir: asynchronous. */
  writeMs: number;
}

export interface SqlStoreOptions {
  clock: Clock;
  logger: Logger;
  bounds: HistoryBounds;
  coalesceMs: number;
  onPersist?: (event: PersistEvent) => void;
  /** A follower's copy: never written to disk. */
  readOnly?: boolean;
  /** Characters of log text in `db`, counted by the store worker on its copy of the same file (openTaskStore.ts); else counted here. */
  logChars?: number;
  /** Fencing: asked right before each write; false means another window leads now, so do not write. */
  canPersist?: () => boolean;
  /** A save failed: called once for a run of failures (the store retries on its own), again only after a save worked. */
  onSaveError?: (message: string) => void;
}

/**
 * Rows changed after a cursor, asked by every poll of the Task Log: `+id` keeps SQLite from
 * walking the whole table in id order and makes it use tasks_revision (a few rows, then sorted).
 */
export const CHANGES_SQL = `SELECT ${TASK_COLUMNS} FROM tasks WHERE revision > ? ORDER BY +id`;
/** An environment's newest backups: tasks_env walked backwards (+kind: tested on the entry, not via tasks_kind, which a rare environment would scan whole). */
export const RECENT_RUNS_SQL = `SELECT ${TASK_COLUMNS} FROM tasks WHERE env_id = ? AND +kind = 'backup' ORDER BY queued_at DESC, id DESC LIMIT ?`;

const DAY_MS = 86_400_000;
const MAX_LINE_CHARS = 4000;
const FINISHED = `status NOT IN ('queued', 'running')`;
const COUNT_CACHE = 32;
/** Tasks looked up per applyBounds. */
const PRUNE_SLICE = 1000;
/** Tasks deleted per transaction, and how long one batch of pruning may hold the thread. */
const PRUNE_CHUNK = 25;
const PRUNE_BUDGET_MS = 5;
/** Ids a batch of Clear History looks at per step. */
const CLEAR_SCAN = 2000;
/** Pages given back per step (0.1 ms to tens of ms a page); steps go on until the batch's budget is spent. */
const VACUUM_STEP_PAGES = 32;
/** Past this many buffered lines, append drains at once: bounds memory and how long one drain blocks. */
const MAX_PENDING_LINES = 1000;

interface Snapshot {
  /** Undefined when the store worker exports its copy instead. */
  bytes: Uint8Array | undefined;
  revision: number;
  exportMs: number;
  blockedMs: number;
  blockedCpuMs: number;
}

interface PendingLine {
  level: LogLevel;
  text: string;
  time: number;
}

export class SqlTaskStore implements TaskStore {
  private readonly sql: SqlRunner;
  private pendingLines = new Map<number, PendingLine[]>();
  private pendingCount = 0;
  private readonly counts = new Map<string, { epoch: number; total: number }>();
  /** Bumped by anything that can change which tasks a non-text filter matches. */
  private countEpoch = 0;
  private readonly writer: Coalescer<Snapshot>;
  private bounds: Required<HistoryBounds>;
  private revision: number;
  private removedRevision: number;
  /** Characters of log text in the database, kept in step with every insert and delete. */
  private totalChars: number;
  private drainTimer: NodeJS.Immediate | undefined;
  private maintainTimer: NodeJS.Immediate | undefined;
  /** stopWriting() was called: no more background pruning either. */
  private stopped = false;
  private boundsDue = true;
  private freedPages = false;
  private followUp = false;
  private nothingToCompact = false;
  private closed = false;
  /** A save failed and none has worked since: the user has been told once. */
  private saveFailing = false;
  private saveErrorsLogged = 0;
  /** The store worker's copy, while it lives: saves and text searches run there. */
  private replica: StoreReplica | undefined;

  constructor(
    private readonly db: Database,
    readonly path: string,
    private readonly options: SqlStoreOptions,
  ) {
    this.sql = new SqlRunner(db);
    this.bounds = normalizeBounds(options.bounds);
    this.removedRevision = Number(this.metaValue('removed_revision') ?? 0);
    const maxRow = Number(this.sql.scalar('SELECT coalesce(max(revision), 0) FROM tasks', []));
    this.revision = Math.max(Number(this.metaValue('revision') ?? 0), maxRow, this.removedRevision);
    this.totalChars = options.logChars ?? Number(this.sql.scalar(LOG_CHARS_SQL, []));
    this.writer = new Coalescer({
      delayMs: options.coalesceMs,
      snapshot: () => this.snapshot(),
      write: (s) => this.write(s),
      // Retried with back-off: one error for a run of failures, the rest only in the debug log.
      onError: (e) => {
        const message = `Could not save the task history to ${path}: ${(e as Error).message}`;
        if (this.saveErrorsLogged++ === 0) options.logger.error(message);
        else options.logger.debug(message);
      },
    });
  }

  /**
   * From now on the database is saved, and text-searched, by a worker thread holding a copy that
   * follows every write (replica.ts): the host's thread never runs db.export() or a LIKE over the
   * logs. The copy starts from `seed`, the file this database was opened from or a new one
   * (replicaSeed.ts), when nothing was written since; otherwise (or without a seed) from an
   * export now, which blocks this thread (~200 ms at 100k tasks). `started`: a worker already
   * seeded from that file (it checked its integrity while the file was opened), used when nothing
   * was written since and its copy's fingerprint matches. Costs the copy's memory. If the
   * worker cannot start or stops, the store goes on in this thread with a warning; nothing is
   * lost, as this copy is always complete.
   */
  useWorker(options: { seed?: ReplicaSeed; started?: StoreReplica; wasmPath: string; script?: string; onStarted?: (worker: Worker) => void }): void {
    const fresh = this.sql.writes === 0;
    if (this.replica || this.closed || this.options.readOnly || !fresh) void options.started?.stop();
    if (this.replica || this.closed || this.options.readOnly) return;
    try {
      // One started while the file was opened (it checked the file's integrity: openTaskStore.ts), or a new one.
      const seed = (): ReplicaSeed => (options.seed && fresh ? options.seed : { kind: 'bytes', bytes: this.db.export() });
      const replica = options.started && fresh
        ? options.started
        : new StoreReplica({ seed: seed(), wasmPath: options.wasmPath }, { script: options.script, onStarted: options.onStarted, canPersist: () => this.options.canPersist?.() ?? true, onGone: () => undefined });
      replica.onGone = (reason) => this.replicaLost(reason);
      if (!replica.alive) return this.replicaLost(replica.lostBecause!);
      replica.expect(fingerprint(this.db));
      this.replica = replica;
      this.sql.journal = replica.journal;
      this.freedPages = false; // the worker gives them back (see deleteTasks)
    } catch (e) {
      this.replicaLost(`the store worker could not start (${(e as Error).message})`);
    }
  }

  /** True while saves and text searches run in the store worker. */
  get inWorker(): boolean {
    return this.replica?.alive === true;
  }

  private replicaLost(reason: string): void {
    this.replica = undefined;
    this.sql.journal = undefined;
    if (!this.closed) this.options.logger.warn(`${reason}; the task history is saved and searched in the extension host's thread from now on`);
  }

  /** Marks the database as needing a first write (a new or migrated file). */
  markDirty(): void {
    this.writer.markDirty();
  }

  /** True while changes (or unfinished pruning) wait for a save. */
  get pendingWrite(): boolean {
    return this.writer.isDirty;
  }

  get currentRevision(): number {
    return this.revision;
  }

  createTask(task: NewTask): TaskRecord {
    this.assertOpen();
    this.drainLogs();
    const revision = this.revision + 1;
    // A parent that is not in the history (cleared meanwhile) leaves the task a run of its own.
    const parentId = task.parentId != null && this.sql.first('SELECT 1 FROM tasks WHERE id = ?', [task.parentId]) ? task.parentId : null;
    const id = this.sql.scalar(
      'INSERT INTO tasks (env_id, kind, trigger, status, queued_at, started_at, finished_at, error, skip_reason, revision, parent_id, run_status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id',
      [task.envId, task.kind, task.trigger, task.status, task.queuedAt, task.startedAt ?? null, task.finishedAt ?? null, task.error ?? null, task.skipReason ?? null, revision,
        parentId, parentId === null ? task.status : null],
    ) as number;
    this.changed(revision, task.status);
    if (parentId !== null) this.refreshRun(parentId);
    return this.getTask(id)!;
  }

  updateTask(id: number, patch: TaskPatch): TaskRecord {
    this.assertOpen();
    this.drainLogs();
    const sets: string[] = [];
    const params: SqlValue[] = [];
    const set = (column: string, value: SqlValue) => {
      sets.push(`${column} = ?`);
      params.push(value);
    };
    if (patch.status !== undefined) set('status', patch.status);
    if (patch.startedAt !== undefined) set('started_at', patch.startedAt);
    if (patch.finishedAt !== undefined) set('finished_at', patch.finishedAt);
    if (patch.error !== undefined) set('error', patch.error);
    if (patch.skipReason !== undefined) set('skip_reason', patch.skipReason);
    if (patch.progress !== undefined) set('progress', toJson(patch.progress));
    if (patch.result !== undefined) {
      set('result', toJson(patch.result));
      set('size', typeof patch.result?.size === 'number' ? patch.result.size : null);
      set('summary', patch.result?.summary ?? null);
    }
    const revision = this.revision + 1;
    set('revision', revision);
    this.sql.run(`UPDATE tasks SET ${sets.join(', ')} WHERE id = ?`, [...params, id]);
    if (this.sql.rowsModified() === 0) throw new Error(`No task ${id} in the history`);
    this.changed(revision, patch.status);
    if (patch.status !== undefined) {
      const parent = this.sql.scalar('SELECT parent_id FROM tasks WHERE id = ?', [id]) as number | null;
      this.refreshRun(parent ?? id);
    }
    return this.getTask(id)!;
  }

  /**
   * Buffered: lines wait in memory and go into the database in one transaction, before any read
   * and before each save. A statement per line costs ~30x more, and a flood of command output
   * would then block the host.
   */
  appendLog(taskId: number, level: LogLevel, text: string, time: number): void {
    this.assertOpen();
    const lvl: LogLevel = LOG_LEVELS.includes(level) ? level : 'info';
    const line = text.length > MAX_LINE_CHARS ? `${text.slice(0, MAX_LINE_CHARS)}… (${text.length - MAX_LINE_CHARS} more characters)` : text;
    let lines = this.pendingLines.get(taskId);
    if (!lines) this.pendingLines.set(taskId, (lines = []));
    lines.push({ level: lvl, text: line, time });
    // Soon (next turn of the event loop) rather than at the next read: many short drains, not one long one.
    this.drainTimer ??= setImmediate(() => this.drainLogs());
    if (++this.pendingCount >= MAX_PENDING_LINES) this.drainLogs();
    this.writer.markDirty();
  }

  getTask(id: number): TaskRecord | undefined {
    this.drainLogs();
    const row = this.sql.first(`SELECT ${TASK_COLUMNS} FROM tasks WHERE id = ?`, [id]);
    return row ? toTaskRecord(row) : undefined;
  }

  queryTasks(query: TaskQuery): TaskPage {
    this.drainLogs();
    return readPage(this.sql, query, (w) => this.count(w));
  }

  /**
   * queryTasks, but a text filter (a scan of every summary and log line, up to a second at 100k
   * tasks) runs in the store worker, off the host's thread. It has seen every write made before
   * this call. Without a text filter, or without the worker, the answer comes from this thread.
   */
  async searchTasks(query: TaskQuery): Promise<TaskPage> {
    const replica = this.replica;
    if (!query.text?.trim() || !replica) return this.queryTasks(query);
    this.drainLogs(); // buffered lines are searched too
    try {
      return await replica.search(query);
    } catch (e) {
      if (e instanceof ReplicaGone) return this.queryTasks(query);
      throw e;
    }
  }

  /** The store worker's text index and memory (the benchmark); undefined without a worker. */
  async workerStats(): Promise<WorkerStats | undefined> {
    this.drainLogs();
    return this.replica?.stats();
  }

  /**
   * count(*) walks every matching index entry (~15 ms for 50k rows in WASM), the largest part of
   * a page query. Without a text filter the total changes only when a task is created, deleted or
   * changes status, so it is cached until then: paging and re-sorting reuse it.
   */
  private count(where: WhereSql): number {
    const textFilter = where.sql.includes('LIKE');
    const key = `${where.sql}\u0000${JSON.stringify(where.params)}`;
    const hit = textFilter ? undefined : this.counts.get(key);
    if (hit && hit.epoch === this.countEpoch) return hit.total;
    const total = countRows(this.sql, where);
    if (!textFilter) {
      if (this.counts.size >= COUNT_CACHE) this.counts.delete(this.counts.keys().next().value as string);
      this.counts.set(key, { epoch: this.countEpoch, total });
    }
    return total;
  }

  logAfter(taskId: number, afterSeq: number, limit: number): LogLine[] {
    this.drainLogs();
    const n = Math.max(1, Math.min(10_000, Math.floor(limit) || 1));
    return this.sql.rows(`SELECT ${LOG_COLUMNS} FROM log_lines WHERE task_id = ? AND seq > ? ORDER BY seq LIMIT ?`, [taskId, afterSeq, n]).map(toLogLine);
  }

  changesSince(revision: number): ChangeSet {
    this.drainLogs();
    const cursor = Number.isFinite(revision) ? revision : 0;
    const rows = this.sql.rows(CHANGES_SQL, [cursor]);
    // A cursor from the future (a store restarted after a crash lost its last window) cannot be trusted: refetch.
    const removed = this.removedRevision > cursor || cursor > this.revision;
    return { revision: this.revision, tasks: rows.map(toTaskRecord), removed };
  }

  recentRuns(envId: string, limit: number): RunRows[] {
    this.drainLogs();
    const n = Math.max(1, Math.min(1000, Math.floor(limit) || 1));
    const heads = this.sql.rows(RECENT_RUNS_SQL, [envId, n]).map(toTaskRecord);
    const steps = this.stepsOf(heads.map((h) => h.id));
    return heads.map((head) => ({ head, steps: steps.filter((s) => s.parentId === head.id) }));
  }

  private stepsOf(headIds: number[]): TaskRecord[] {
    return stepsOf(this.sql, headIds);
  }

  /** Keeps a run's outcome on its first task; a change bumps that row's revision so the panel's row updates. */
  private refreshRun(headId: number): void {
    const head = this.sql.first(`SELECT ${TASK_COLUMNS} FROM tasks WHERE id = ?`, [headId]);
    if (!head) return;
    const rec = toTaskRecord(head);
    if (rec.parentId != null) return; // a step: runs are one level deep
    const { status } = runOutcome(rec, this.stepsOf([headId]));
    if (status === rec.runStatus) return;
    const revision = this.revision + 1;
    this.sql.run('UPDATE tasks SET run_status = ?, revision = ? WHERE id = ?', [status, revision, headId]);
    this.changed(revision, status);
  }

  lastSucceeded(envId: string, kind: TaskKind): TaskRecord | undefined {
    this.drainLogs();
    const row = this.sql.first(
      `SELECT ${TASK_COLUMNS} FROM tasks WHERE env_id = ? AND kind = ? AND status = 'succeeded' ORDER BY finished_at DESC NULLS LAST, id DESC LIMIT 1`,
      [envId, kind],
    );
    return row ? toTaskRecord(row) : undefined;
  }

  interruptUnfinished(now: number): TaskRecord[] {
    this.assertOpen();
    this.drainLogs();
    const rows = this.sql.rows(`SELECT id, status FROM tasks WHERE status IN ('queued', 'running') ORDER BY id`, []);
    for (const [id, status] of rows) {
      const revision = this.revision + 1;
      const why = status === 'running' ? 'was running' : 'was waiting to run';
      this.sql.run(`UPDATE tasks SET status = 'interrupted', finished_at = ?, error = coalesce(error, ?), revision = ? WHERE id = ?`, [
        now,
        `Interrupted: the task ${why} when the extension host stopped.`,
        revision,
        id,
      ]);
      this.changed(revision, 'interrupted');
    }
    return rows.map(([id]) => this.getTask(id as number)!);
  }

  getState(key: string): string | undefined {
    const v = this.sql.scalar('SELECT value FROM scheduler_state WHERE key = ?', [key]);
    return v === undefined ? undefined : String(v);
  }

  setState(key: string, value: string): void {
    this.assertOpen();
    if (this.getState(key) === value) return; // re-saving the same value must not cost a disk write
    this.sql.run('INSERT INTO scheduler_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, value]);
    this.writer.markDirty();
  }

  /** Applies at once; costs a write only when something was actually pruned. */
  setBounds(bounds: HistoryBounds): void {
    this.bounds = normalizeBounds(bounds);
    this.nothingToCompact = false;
    this.applyBounds(this.options.clock.now());
  }

  applyBounds(now: number): void {
    this.assertOpen();
    this.drainLogs();
    this.boundsDue = false;
    // The host's thread is every extension's: a backlog (bounds just lowered, an old file) goes
    // in batches of a few milliseconds, the next one on a later turn of the event loop, while
    // saves go on at their own pace.
    const deadline = performance.now() + PRUNE_BUDGET_MS;
    const ids = this.pruneCandidates(now);
    let done = 0;
    // At least one chunk per call, so a slow machine still gets through the backlog.
    while (done < ids.length && (done === 0 || performance.now() < deadline)) {
      this.deleteTasks(ids.slice(done, done + PRUNE_CHUNK));
      done += PRUNE_CHUNK;
    }
    if (done < ids.length || ids.length === PRUNE_SLICE) this.boundsDue = true;
    else if (this.totalChars > this.bounds.maxTotalLogChars && !this.nothingToCompact) this.compactOldLogs(now, deadline);
    if (this.boundsDue || this.freedPages) this.maintainLater();
  }

  /** Finished tasks past the bounds, at most PRUNE_SLICE: too old, then the oldest past maxTasks. */
  private pruneCandidates(now: number): number[] {
    const ids = new Set<number>();
    const cutoff = now - this.bounds.maxAgeDays * DAY_MS;
    // Two index range scans (finished_at, or queued_at when a task never finished) rather than a
    // scan of the table for coalesce(...).
    for (const [id] of this.sql.rows(`SELECT id FROM tasks WHERE finished_at < ? AND ${FINISHED} LIMIT ?`, [cutoff, PRUNE_SLICE])) ids.add(id as number);
    for (const [id] of this.sql.rows(`SELECT id FROM tasks WHERE finished_at IS NULL AND queued_at < ? AND ${FINISHED} LIMIT ?`, [cutoff, PRUNE_SLICE])) ids.add(id as number);
    // The oldest by id (creation order) go first; running and queued tasks never count and never
    // go. The newest maxTasks finished tasks stay: found by walking back from the newest id,
    // which costs maxTasks rows, where a count(*) of finished tasks costs the whole table.
    // No id span wider than maxTasks: there cannot be too many (two index probes).
    const [lo, hi] = this.sql.first('SELECT (SELECT min(id) FROM tasks), (SELECT max(id) FROM tasks)', []) as (number | null)[];
    const fits = lo === null || hi === null || hi - lo < this.bounds.maxTasks;
    const keptFrom = fits ? undefined : (this.sql.scalar(`SELECT id FROM tasks WHERE ${FINISHED} ORDER BY id DESC LIMIT 1 OFFSET ?`, [this.bounds.maxTasks - 1]) as number | undefined);
    if (keptFrom !== undefined) {
      for (const [id] of this.sql.rows(`SELECT id FROM tasks WHERE id < ? AND ${FINISHED} ORDER BY id LIMIT ?`, [keptFrom, PRUNE_SLICE])) ids.add(id as number);
    }
    return [...ids].slice(0, PRUNE_SLICE);
  }

  /**
   * The next batch of a backlog (tasks to prune, logs to shorten, then free pages to give back),
   * on a later turn of the event loop; a save also takes one. Each batch marks the store dirty,
   * so `pendingWrite` stays true until the backlog is gone and saved.
   */
  private maintainLater(): void {
    this.writer.markDirty();
    this.maintainTimer ??= setImmediate(() => {
      this.maintainTimer = undefined;
      if (this.closed || this.stopped) return;
      if (this.boundsDue) return this.applyBounds(this.options.clock.now());
      if (!this.freedPages) return;
      this.vacuum(performance.now() + PRUNE_BUDGET_MS);
      if (this.freedPages) this.maintainLater();
      else this.writer.markDirty(); // the smaller file
    });
  }

  /** Gives free pages back so the file (and every later export) shrinks, a step at a time until `deadline`. */
  private vacuum(deadline: number): void {
    do {
      this.sql.exec(`PRAGMA incremental_vacuum(${VACUUM_STEP_PAGES})`);
      this.freedPages = (this.sql.scalar('PRAGMA freelist_count', []) as number) > 0;
    } while (this.freedPages && performance.now() < deadline);
  }

  /**
   * In batches of about PRUNE_BUDGET_MS, one per turn of the event loop, walking ids upwards: all
   * at once, a clear of 100k tasks held the host's thread for 5 s. What it deletes is what
   * matched when it was asked: a task created or changed since (one that was running and has
   * finished) is newer than the request and stays. Reads meanwhile see the history part-cleared.
   */
  async clearHistory(filter?: { envIds?: string[]; before?: number }): Promise<number> {
    this.assertOpen();
    this.drainLogs();
    const clauses = [FINISHED, 'revision <= ?'];
    const params: SqlValue[] = [this.revision];
    if (filter?.envIds?.length) {
      clauses.push(`env_id IN (${filter.envIds.map(() => '?').join(', ')})`);
      params.push(...filter.envIds);
    }
    if (typeof filter?.before === 'number') {
      clauses.push('coalesce(finished_at, queued_at) < ?');
      params.push(filter.before);
    }
    const last = (this.sql.scalar('SELECT max(id) FROM tasks', []) as number | null) ?? 0;
    // Ids are looked at CLEAR_SCAN at a time, so a batch that finds few matches stays short too.
    const next = `SELECT id FROM tasks WHERE id > ? AND id <= ? AND ${clauses.join(' AND ')} ORDER BY id LIMIT ${PRUNE_CHUNK}`;
    let after = 0;
    let removed = 0;
    for (;;) {
      const deadline = performance.now() + PRUNE_BUDGET_MS;
      do {
        const upTo = Math.min(after + CLEAR_SCAN, last);
        const ids = this.sql.rows(next, [after, upTo, ...params]).map((r) => r[0] as number);
        this.deleteTasks(ids);
        removed += ids.length;
        after = ids.length === PRUNE_CHUNK ? ids[ids.length - 1] : upTo;
      } while (after < last && performance.now() < deadline);
      if (after >= last) return removed;
      await new Promise((r) => setImmediate(r));
      // Closed or stopped meanwhile (the window changed role): what is deleted stays deleted.
      if (this.closed || this.stopped) return removed;
      this.drainLogs();
    }
  }

  async flush(): Promise<void> {
    if (this.closed) return;
    await this.writer.flush();
  }

  /**
   * No more writes (a pending change is written first when `write`), but reads still work: a
   * window that changes role keeps answering its views and commands from this copy until the next
   * role's store is open, and close()s it then. A closed sql.js database would answer every read
   * with 'out of memory' (SQLite's message for a closed handle).
   */
  async stopWriting(write: boolean): Promise<void> {
    if (this.closed) return;
    this.stopped = true;
    this.writer.stop();
    if (write) await this.writer.flush();
  }

  /** Closes without writing anything (a follower's copy, or a window that lost the leadership). */
  close(): void {
    if (this.closed) return;
    this.writer.stop();
    if (this.drainTimer) clearImmediate(this.drainTimer);
    if (this.maintainTimer) clearImmediate(this.maintainTimer);
    this.closed = true;
    void this.replica?.stop();
    this.sql.freeAll();
    this.db.close();
  }

  async dispose(): Promise<void> {
    if (this.closed) return;
    this.writer.stop();
    if (this.drainTimer) clearImmediate(this.drainTimer);
    if (this.maintainTimer) clearImmediate(this.maintainTimer);
    try {
      await this.writer.flush();
    } finally {
      this.closed = true;
      await this.replica?.stop();
      this.sql.freeAll();
      this.db.close();
    }
  }

  // ---- internals ----

  private changed(revision: number, status?: TaskStatus): void {
    this.revision = revision;
    if (status) this.countEpoch++;
    if (status && FINAL_STATUSES.includes(status)) {
      this.boundsDue = true;
      this.nothingToCompact = false;
    }
    this.writer.markDirty();
  }

  /** Writes buffered log lines: per task one counter update and one revision, however many lines. */
  private drainLogs(): void {
    if (this.drainTimer) clearImmediate(this.drainTimer);
    this.drainTimer = undefined;
    if (this.pendingCount === 0 || this.closed) return;
    const batches = this.pendingLines;
    this.pendingLines = new Map();
    this.pendingCount = 0;
    this.sql.transaction(() => {
      for (const [taskId, lines] of batches) {
        const row = this.sql.first('SELECT last_seq, log_count FROM tasks WHERE id = ?', [taskId]) as number[] | undefined;
        if (!row) {
          // Late lines from work whose task was cleared: dropping them is right, throwing at the caller is not.
          this.options.logger.warn(`${lines.length} log line(s) for unknown task ${taskId} dropped`);
          continue;
        }
        let [seq, count] = row;
        let warns = 0;
        for (const l of lines) {
          this.sql.run('INSERT INTO log_lines (task_id, seq, time, level, text) VALUES (?, ?, ?, ?, ?)', [taskId, ++seq, l.time, l.level, l.text]);
          count++;
          this.totalChars += l.text.length;
          if (l.level === 'warn') warns++;
          if (count > this.bounds.maxLinesPerTask) count = this.trimLog(taskId, seq, count, this.bounds.maxLinesPerTask, l.time);
        }
        const revision = this.revision + 1;
        this.sql.run('UPDATE tasks SET last_seq = ?, log_count = ?, warnings = warnings + ?, revision = ? WHERE id = ?', [seq, count, warns, revision, taskId]);
        this.changed(revision);
      }
    });
    if (this.totalChars > this.bounds.maxTotalLogChars) this.boundsDue = true;
  }

  /**
   * Cuts one task's log to `maxLines` (see logTrim.ts) and returns the new line count. Runs once
   * per maxLines/10 appends: one range delete over the primary key, one count over <= maxLines rows.
   */
  private trimLog(taskId: number, lastSeq: number, oldCount: number, maxLines: number, time: number): number {
    const oldMarker = this.sql.scalar('SELECT marker_seq FROM tasks WHERE id = ?', [taskId]) as number;
    const plan = planTrim(maxLines, lastSeq);
    const range = 'task_id = ? AND ((seq > ? AND seq <= ?) OR seq = ?)';
    const params = [taskId, plan.head, plan.markerSeq, oldMarker || -1];
    const [gone, goneChars] = this.sql.first(`SELECT count(*), coalesce(sum(length(text)), 0) FROM log_lines WHERE ${range}`, params) as number[];
    this.sql.run(`DELETE FROM log_lines WHERE ${range}`, params);
    const real = oldCount - gone; // the old marker, if any, was in the range
    const dropped = lastSeq - real; // every seq up to lastSeq was a real line once
    const marker = markerText(dropped, plan.head);
    this.sql.run('INSERT INTO log_lines (task_id, seq, time, level, text) VALUES (?, ?, ?, ?, ?)', [taskId, plan.markerSeq, time, 'info', marker]);
    // Setting dropped_lines is how the store worker's text index learns that lines went (textIndex.ts).
    this.sql.run('UPDATE tasks SET log_count = ?, dropped_lines = ?, marker_seq = ? WHERE id = ?', [real + 1, dropped, plan.markerSeq, taskId]);
    this.totalChars += marker.length - goneChars;
    return real + 1;
  }

  /** Over the log text budget: shorten the logs of the oldest finished tasks until 90% of it is left. */
  private compactOldLogs(now: number, deadline: number): void {
    const keep = Math.min(this.bounds.maxLinesPerTask, 100);
    const goal = Math.floor(this.bounds.maxTotalLogChars * 0.9);
    let trimmed = 0;
    this.sql.transaction(() => {
      while (this.totalChars > goal) {
        // Like pruning, a big backlog goes in batches; and like pruning, at least one log per
        // call, or a machine too busy to finish the prune inside the budget never trims at all.
        if (trimmed > 0 && (trimmed >= PRUNE_SLICE / 5 || performance.now() >= deadline)) {
          this.boundsDue = true;
          return;
        }
        const batch = this.sql.rows(`SELECT id, last_seq, log_count FROM tasks WHERE ${FINISHED} AND log_count > ? ORDER BY id LIMIT 100`, [keep]);
        if (batch.length === 0) {
          // What is left belongs to running tasks or is already short: do not look again at every
          // save, only once another task has finished.
          this.nothingToCompact = true;
          break;
        }
        for (const [id, lastSeq, count] of batch as number[][]) {
          const revision = this.revision + 1;
          this.trimLog(id, lastSeq, count, keep, now);
          trimmed++;
          this.sql.run('UPDATE tasks SET revision = ? WHERE id = ?', [revision, id]);
          this.changed(revision);
          if (this.totalChars <= goal) break;
          if (performance.now() >= deadline) {
            this.boundsDue = true;
            return;
          }
        }
      }
    });
  }

  private deleteTasks(ids: number[]): void {
    if (ids.length === 0) return;
    this.sql.transaction(() => {
      for (let i = 0; i < ids.length; i += 500) {
        const chunk = ids.slice(i, i + 500);
        const marks = chunk.map(() => '?').join(', ');
        this.totalChars -= this.sql.scalar(`SELECT coalesce(sum(length(text)), 0) FROM log_lines WHERE task_id IN (${marks})`, chunk) as number;
        this.sql.exec(`DELETE FROM log_lines WHERE task_id IN (${marks})`, chunk);
        this.sql.exec(`DELETE FROM tasks WHERE id IN (${marks})`, chunk);
        // Follow-ups whose backup went (pruned first: it is older) become runs of their own, or
        // a page of runs would never show them.
        this.sql.exec(`UPDATE tasks SET parent_id = NULL, run_status = status WHERE parent_id IN (${marks})`, chunk);
      }
    });
    this.removedRevision = this.revision + 1;
    // With a worker, its copy gives the pages back before each save (storeWorker.ts): moving one
    // page can cost tens of milliseconds (its children's pointers move too), more than one batch
    // may hold the host's thread. This copy keeps them free for reuse; they are never written.
    this.freedPages = !this.replica;
    this.countEpoch++;
    this.changed(this.removedRevision);
  }

  private snapshot(): Snapshot {
    const start = performance.now();
    const cpu = process.cpuUsage();
    this.drainLogs();
    // A batch already queued does it: two batches back to back (this one in the save, that one
    // on the same turn of the event loop) would hold the thread twice as long.
    if (this.boundsDue && !this.maintainTimer) this.applyBounds(this.options.clock.now());
    if (this.freedPages) this.vacuum(performance.now() + PRUNE_BUDGET_MS);
    // Changes made here are in this export; only unfinished work (more to prune or give back)
    // asks for another save, once this one is on disk (see write()).
    this.followUp = this.boundsDue || this.freedPages;
    this.sql.run("INSERT INTO meta (key, value) VALUES ('revision', ?), ('removed_revision', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", [
      String(this.revision),
      String(this.removedRevision),
    ]);
    const t0 = performance.now();
    const bytes = this.replica ? undefined : this.db.export();
    const end = performance.now();
    const used = process.cpuUsage(cpu);
    return { bytes, revision: this.revision, exportMs: end - t0, blockedMs: end - start, blockedCpuMs: (used.user + used.system) / 1000 };
  }

  private async write(s: Snapshot): Promise<void> {
    if (this.options.readOnly) throw new Error('a read-only copy of the history is never written');
    if (this.options.canPersist && !this.options.canPersist()) throw new Error('another window leads now; this one no longer writes the history');
    const t0 = performance.now();
    let size = s.bytes?.byteLength ?? 0;
    let exportMs = s.exportMs;
    try {
      if (s.bytes) await writeFileAtomic(this.path, s.bytes, this.options.canPersist);
      else ({ bytes: size, exportMs } = await this.persistInWorker());
    } catch (e) {
      const fenced = this.options.canPersist && !this.options.canPersist();
      if (!fenced && !this.saveFailing) {
        this.saveFailing = true;
        this.options.onSaveError?.(`The task history could not be saved to ${this.path} (${(e as Error).message}); it stays in memory and saving is retried.`);
      }
      throw e;
    }
    this.saveFailing = false;
    this.saveErrorsLogged = 0;
    const { bytes: _, ...times } = s;
    this.options.onPersist?.({ ...times, exportMs, bytes: size, writeMs: performance.now() - t0 });
    if (this.followUp) {
      this.followUp = false;
      this.writer.markDirty();
    }
  }

  /** The worker exports and writes; if it is gone, this thread does (it holds every change). */
  private async persistInWorker(): Promise<{ bytes: number; exportMs: number }> {
    try {
      if (!this.replica) throw new ReplicaGone('no store worker');
      return await this.replica.persist(this.path);
    } catch (e) {
      if (!(e instanceof ReplicaGone)) throw e;
      const t0 = performance.now();
      const bytes = this.db.export();
      const exportMs = performance.now() - t0;
      await writeFileAtomic(this.path, bytes, this.options.canPersist);
      return { bytes: bytes.byteLength, exportMs };
    }
  }

  private metaValue(key: string): string | undefined {
    const v = this.sql.scalar('SELECT value FROM meta WHERE key = ?', [key]);
    return v === undefined ? undefined : String(v);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('The task store is closed');
  }
}

function normalizeBounds(b: HistoryBounds): Required<HistoryBounds> {
  const pick = (v: number | undefined, min: number, fallback: number) => (typeof v === 'number' && Number.isFinite(v) ? Math.max(min, Math.floor(v)) : fallback);
  return {
    maxAgeDays: pick(b.maxAgeDays, 1, DEFAULT_BOUNDS.maxAgeDays),
    maxTasks: pick(b.maxTasks, 1, DEFAULT_BOUNDS.maxTasks),
    maxLinesPerTask: pick(b.maxLinesPerTask, 2, DEFAULT_BOUNDS.maxLinesPerTask),
    maxTotalLogChars: pick(b.maxTotalLogChars, 10_000, DEFAULT_BOUNDS.maxTotalLogChars),
  };
}
