// The store worker's text index (storeWorker.ts): which tasks hold a text, for the Task Log's
// search, without a LIKE over every log line (617 ms at 100k tasks / 1M lines). It lives in the
// worker's memory only, never in tasks.db: the file, the host's inserts and the prunes cost what
// they did before (an FTS4 table inside tasks.db did not; see commit 7fbb911).
//
// It is built from the worker's copy when the worker starts, a slice at a time so saves and
// searches are not held up, and follows the copy through TEMP triggers (never in the file) that
// call back into this module for every line added, every log trimmed and every summary, error or
// skip reason set or deleted. A search asked while it is being built, or for a text it cannot answer
// as SQLite would, gets undefined: the caller scans as before.
import type { Database, SqlValue } from 'sql.js';
import type { SqlRunner } from './sqlRunner';
import { IdSet } from '../util/idSet';
import { FIELD_GRAM_BITS, foldCase, LINE_GRAM_BITS, TextMirror } from './textMirror';

/** How long one slice of the build holds the worker's thread before letting messages in. */
const BUILD_SLICE_MS = 8;
const TASK_ROWS = 500;
const LINE_ROWS = 2000;
/** Rebuilt once gone texts outweigh live ones (and are worth it): pruning leaves most of them. */
const MIN_DEAD_CHARS = 1_000_000;
/** Trimmed logs are re-read, and a rebuild starts, this long after the last write (or before a search). */
const IDLE_MS = 500;

const LENGTHS = (t: string) => `coalesce(length(${t}.error), 0) + coalesce(length(${t}.skip_reason), 0) + coalesce(length(${t}.summary), 0)`;
// Deletes are noted in SQL only, with no call into JavaScript per row, and taken in after each
// batch of writes (afterWrites). Not one trigger per deleted line (a prune or a Clear History
// deletes a million, and a trigger each made them 25-70% slower in the worker): lines of a task
// that stays are only deleted by a trim (sqlStore.ts trimLog), which always sets dropped_lines;
// lines of a deleted task go with it.
const TRIGGERS = `
CREATE TEMP TABLE IF NOT EXISTS text_hits (id INTEGER PRIMARY KEY);
CREATE TEMP TABLE IF NOT EXISTS text_misses (id INTEGER PRIMARY KEY);
CREATE TEMP TABLE text_trimmed (task_id INTEGER PRIMARY KEY);
CREATE TEMP TABLE text_tasks_gone (id INTEGER PRIMARY KEY, chars INTEGER NOT NULL);
CREATE TEMP TRIGGER text_ix_line_add AFTER INSERT ON main.log_lines BEGIN SELECT text_ix_line(NEW.task_id, NEW.seq, NEW.text); END;
CREATE TEMP TRIGGER text_ix_trim AFTER UPDATE OF dropped_lines ON main.tasks BEGIN
  INSERT OR IGNORE INTO text_trimmed (task_id) VALUES (NEW.id);
END;
CREATE TEMP TRIGGER text_ix_task_add AFTER INSERT ON main.tasks BEGIN SELECT text_ix_fields(NEW.id, NEW.error, NEW.skip_reason, NEW.summary, -1); END;
CREATE TEMP TRIGGER text_ix_task_set AFTER UPDATE OF error, skip_reason, summary ON main.tasks
  WHEN NEW.error IS NOT OLD.error OR NEW.skip_reason IS NOT OLD.skip_reason OR NEW.summary IS NOT OLD.summary
  BEGIN SELECT text_ix_fields(NEW.id, NEW.error, NEW.skip_reason, NEW.summary, ${LENGTHS('OLD')}); END;
CREATE TEMP TRIGGER text_ix_task_del AFTER DELETE ON main.tasks BEGIN
  INSERT OR REPLACE INTO text_tasks_gone (id, chars) VALUES (OLD.id, ${LENGTHS('OLD')});
END;
`;

export interface TextIndexStats {
  ready: boolean;
  builds: number;
  /** The last build, start to end (wall), and the worker's time spent in its slices. */
  lastBuildMs: number;
  lastBuildBusyMs: number;
  chars: number;
  deadChars: number;
  blocks: number;
  approxMB: number;
}

export class TextIndex {
  private fields!: TextMirror;
  private lines!: TextMirror;
  private readonly fieldGen = new Map<number, number>();
  private readonly lineGen = new Map<number, number>();
  private readonly gone = new Set<number>();
  /** Tasks whose log lost lines (a trim): their other lines are re-read; new ones wait for that. */
  private readonly stale = new Set<number>();
  /** Characters of each task's lines in the index now: what becomes dead when they go. */
  private readonly lineChars = new Map<number, number>();
  private ready = false;
  /** Bumped by anything that may change what a search finds (see load). */
  private version = 0;
  private loaded: { text: string; version: number; found: { count: number; from: 'hits' | 'misses' } } | undefined;
  /** While building: rows up to here were read; the triggers add only those (the build reads the rest). */
  private taskCursor = Infinity;
  private lineTask = Infinity;
  private lineSeq = Infinity;
  private buildStarted = 0;
  private busyMs = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly figures = { builds: 0, lastBuildMs: 0, lastBuildBusyMs: 0 };

  constructor(
    db: Database,
    private readonly sql: SqlRunner,
    private readonly options: { minDeadChars?: number; idleMs?: number } = {},
  ) {
    db.create_function('text_ix_line', (task: number, seq: number, text: string | null) => this.lineAdded(task, seq, text));
    db.create_function('text_ix_fields', (task: number, error: string | null, skip: string | null, summary: string | null, oldChars: number) =>
      this.fieldsSet(task, [error, skip, summary], oldChars),
    );
    db.exec(TRIGGERS);
    this.startBuild();
  }

  /**
   * Ids of the tasks whose error, skip reason, summary or a log line holds `text` as
   * `LIKE '%text%' ESCAPE '\'` finds it, in no order; undefined when the caller must scan.
   */
  matching(text: string): number[] | undefined {
    return this.matchSet(text)?.toArray();
  }

  private matchSet(text: string): IdSet | undefined {
    // A NUL ends a pattern in SQLite's LIKE: what it then matches is not worth copying.
    if (!this.ready || text.length === 0 || text.includes('\u0000')) return undefined;
    this.reloadStale();
    const needle = foldCase(text);
    const out = new IdSet();
    this.fields.search(needle, out);
    this.lines.search(needle, out);
    return out;
  }

  /**
   * Puts the tasks matching `text` where the page query reads them and says how many, and from
   * where (taskQuery.ts): the matches in temp.text_hits, or, when most tasks match, the others in
   * temp.text_misses. A table row costs ~0.8 us to insert: 100k matches were ~80 ms, the tasks
   * that do not match are few then (none when the text is in every task). Undefined when the
   * caller must scan. The next page of the same search, or the Task Log's next poll, reuses them
   * while nothing was written.
   */
  load(text: string): { count: number; from: 'hits' | 'misses' } | undefined {
    if (this.loaded?.text === text && this.loaded.version === this.version && this.ready) return this.loaded.found;
    const ids = this.matchSet(text);
    this.loaded = undefined;
    if (!ids) return undefined;
    this.sql.exec('DELETE FROM temp.text_hits');
    this.sql.exec('DELETE FROM temp.text_misses');
    // Every match is a live task, so it lies between the lowest and highest id there are.
    // Two subqueries: SQLite reads min() and max() off the index only when each is alone in its query.
    const [lo, hi] = (this.sql.rows('SELECT (SELECT min(id) FROM tasks), (SELECT max(id) FROM tasks)', [])[0] ?? []) as (number | null)[];
    const found = { count: ids.size, from: 'hits' as 'hits' | 'misses' };
    if (typeof lo === 'number' && typeof hi === 'number' && hi - lo + 1 - ids.size < ids.size) {
      found.from = 'misses';
      const misses = ids.missingBetween(lo, hi);
      if (misses.length) this.sql.run('INSERT INTO temp.text_misses (id) SELECT value FROM json_each(?)', [JSON.stringify(misses)]);
    } else if (ids.size) {
      this.sql.run('INSERT INTO temp.text_hits (id) SELECT value FROM json_each(?)', [JSON.stringify(ids.toArray())]);
    }
    this.loaded = { text, version: this.version, found };
    return found;
  }

  /** After each batch of replayed writes: takes in the deletes, and plans re-reads and rebuilds. */
  afterWrites(): void {
    if (this.closed) return;
    this.version++;
    const trimmed = this.sql.rows('SELECT task_id FROM temp.text_trimmed', []);
    if (trimmed.length) {
      this.sql.exec('DELETE FROM temp.text_trimmed');
      for (const [task] of trimmed as number[][]) this.trimmed(task);
    }
    const tasksGone = this.sql.rows('SELECT id, chars FROM temp.text_tasks_gone', []);
    if (tasksGone.length) {
      this.sql.exec('DELETE FROM temp.text_tasks_gone');
      for (const [task, chars] of tasksGone as number[][]) this.taskGone(task, chars);
    }
    // Both wait until writes pause (a prune, a flood of lines): by then there is less to read.
    if (this.stale.size || this.tooDead()) {
      if (this.idleTimer) this.idleTimer.refresh();
      else this.idleTimer = setTimeout(() => this.whenIdle(), this.options.idleMs ?? IDLE_MS).unref();
    }
  }

  private whenIdle(): void {
    this.idleTimer = undefined;
    if (this.closed) return;
    if (this.tooDead()) this.startBuild();
    else this.reloadStale();
  }

  private tooDead(): boolean {
    const min = this.options.minDeadChars ?? MIN_DEAD_CHARS;
    return this.ready && [this.lines, this.fields].some((m) => m.dead > min && m.dead > m.chars - m.dead);
  }

  stats(): TextIndexStats {
    const chars = this.fields.chars + this.lines.chars;
    return {
      ready: this.ready,
      ...this.figures,
      chars,
      deadChars: this.fields.dead + this.lines.dead,
      blocks: this.fields.blockCount + this.lines.blockCount,
      approxMB: Math.round(((this.fields.approxBytes() + this.lines.approxBytes()) / 2 ** 20) * 10) / 10,
    };
  }

  close(): void {
    this.closed = true;
    if (this.idleTimer) clearTimeout(this.idleTimer);
  }

  // ---- building ----

  private startBuild(): void {
    const fieldGen = this.fieldGen;
    const lineGen = this.lineGen;
    const gone = this.gone;
    // Generations only need to tell texts read before a change from those after: start afresh.
    fieldGen.clear();
    lineGen.clear();
    gone.clear();
    this.stale.clear();
    this.lineChars.clear();
    this.fields = new TextMirror((t) => (gone.has(t) ? -1 : (fieldGen.get(t) ?? 0)), FIELD_GRAM_BITS);
    this.lines = new TextMirror((t) => (gone.has(t) ? -1 : (lineGen.get(t) ?? 0)), LINE_GRAM_BITS);
    this.ready = false;
    this.version++;
    this.taskCursor = 0;
    this.lineTask = 0;
    this.lineSeq = 0;
    this.buildStarted = performance.now();
    this.busyMs = 0;
    setImmediate(() => this.buildSlice());
  }

  private buildSlice(): void {
    if (this.closed || this.ready) return;
    const t0 = performance.now();
    const deadline = t0 + BUILD_SLICE_MS;
    while (performance.now() < deadline) {
      if (this.taskCursor !== Infinity) {
        const rows = this.sql.rows('SELECT id, error, skip_reason, summary FROM tasks WHERE id > ? ORDER BY id LIMIT ?', [this.taskCursor, TASK_ROWS]);
        for (const [id, error, skip, summary] of rows) this.addFields(id as number, [error, skip, summary]);
        this.taskCursor = rows.length < TASK_ROWS ? Infinity : (rows[rows.length - 1][0] as number);
      } else if (this.lineTask !== Infinity) {
        const rows = this.sql.rows('SELECT task_id, seq, text FROM log_lines WHERE (task_id, seq) > (?, ?) ORDER BY task_id, seq LIMIT ?', [this.lineTask, this.lineSeq, LINE_ROWS]);
        for (const [task, , text] of rows) this.addLine(task as number, text);
        if (rows.length < LINE_ROWS) this.lineTask = this.lineSeq = Infinity;
        else [this.lineTask, this.lineSeq] = rows[rows.length - 1] as number[];
      } else {
        this.ready = true;
        break;
      }
    }
    this.busyMs += performance.now() - t0;
    if (!this.ready) {
      setImmediate(() => this.buildSlice());
      return;
    }
    this.figures.builds++;
    this.figures.lastBuildMs = performance.now() - this.buildStarted;
    this.figures.lastBuildBusyMs = this.busyMs;
  }

  // ---- following the writes (adds: called from SQLite, inside the statement that wrote) ----

  private lineAdded(task: number, seq: number, text: string | null): null {
    // Beyond the build's cursor the build reads it; a trimmed log is read whole again soon.
    const read = task < this.lineTask || (task === this.lineTask && seq <= this.lineSeq);
    if (read && !this.stale.has(task)) this.addLine(task, text);
    return null;
  }

  private trimmed(task: number): void {
    if (!this.stale.has(task)) {
      this.lines.dead += this.lineChars.get(task) ?? 0;
      this.lineChars.delete(task);
      // Every line of the task read so far goes with it; those left are read again (reloadStale).
      this.stale.add(task);
      this.lineGen.set(task, (this.lineGen.get(task) ?? 0) + 1);
    }
  }

  private fieldsSet(task: number, values: SqlValue[], oldChars: number): null {
    if (oldChars >= 0) {
      // An update: the task's texts read before are replaced.
      this.fields.dead += oldChars;
      this.fieldGen.set(task, (this.fieldGen.get(task) ?? 0) + 1);
    }
    if (task <= this.taskCursor) this.addFields(task, values);
    return null;
  }

  private taskGone(task: number, chars: number): void {
    this.fields.dead += chars;
    this.lines.dead += this.lineChars.get(task) ?? 0;
    this.lineChars.delete(task);
    this.gone.add(task);
  }

  private addFields(task: number, values: SqlValue[]): void {
    const gen = this.fieldGen.get(task) ?? 0;
    for (const v of values) if (typeof v === 'string') this.fields.add(task, gen, v);
  }

  private addLine(task: number, text: SqlValue): void {
    if (typeof text !== 'string') return;
    this.lines.add(task, this.lineGen.get(task) ?? 0, text);
    this.lineChars.set(task, (this.lineChars.get(task) ?? 0) + text.length);
  }

  /** Reads again the logs that lost lines. Outside any statement: never from a trigger. */
  private reloadStale(): void {
    if (this.closed || this.stale.size === 0) return;
    this.version++;
    const tasks = [...this.stale];
    this.stale.clear();
    for (const task of tasks) {
      // Gone, or not reached by the build yet (it reads the lines then).
      if (this.gone.has(task) || task > this.lineTask) continue;
      const rows = this.sql.rows('SELECT text FROM log_lines WHERE task_id = ? ORDER BY seq', [task]);
      for (const [text] of rows) this.addLine(task, text);
    }
  }
}


