// TaskQuery (what the history table asks for) -> SQL. Values are always bound parameters; column
// names come only from the fixed map below, so a query built from a webview message cannot inject.
import type { SqlValue } from 'sql.js';
import { SORT_COLUMNS, type SortColumn, type TaskFilter, type TaskQuery } from '../../../shared/model';

interface SortSql {
  expr: string;
  nullable: boolean;
}

// Each expression matches an index in schema.ts exactly, or the planner would sort the whole table.
const SORT_SQL: Record<SortColumn, SortSql> = {
  id: { expr: 'id', nullable: false },
  envId: { expr: 'env_id', nullable: false },
  kind: { expr: 'kind', nullable: false },
  trigger: { expr: 'trigger', nullable: false },
  status: { expr: 'status', nullable: false },
  startedAt: { expr: 'started_at', nullable: true },
  finishedAt: { expr: 'finished_at', nullable: true },
  duration: { expr: '(finished_at - started_at)', nullable: true },
  size: { expr: 'size', nullable: true },
  queuedAt: { expr: 'queued_at', nullable: false },
};

// Every first task has its run's outcome (set on insert, by the migration, and when its backup is pruned away).
const RUN_STATUS_SORT: SortSql = { expr: 'run_status', nullable: false };

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 1000;

export interface WhereSql {
  sql: string;
  params: SqlValue[];
}

/**
 * Where a text filter's matches come from: a LIKE over every text, or the worker's index
 * (textIndex.ts): the matching tasks in temp.text_hits, or those that do not match in temp.text_misses.
 */
export type TextSource = 'like' | 'hits' | 'misses';

/**
 * `walkSortIndex` writes the filter columns as `+column`, which keeps SQLite from using their
 * indexes: it then walks the sort column's index and tests the filter row by row. That wins when
 * the filter keeps many rows (the first page is found after a few hundred rows) and loses when it
 * keeps few; see preferSortIndex.
 */
export function buildWhere(filter: TaskFilter & { runs?: boolean; sort?: SortColumn }, walkSortIndex = false, textFrom: TextSource = 'like'): WhereSql {
  const clauses: string[] = [];
  const params: SqlValue[] = [];
  const runs = filter.runs === true;
  const col = (name: string) => (walkSortIndex ? `+${name}` : name);
  // One row per run: only first tasks; a follow-up matches for its run (kind, text) through tasks_runs.
  // parent_id leads the runs indexes (tasks_runs by time, tasks_runs_status, tasks_runs_env): kept
  // usable unless the page walks another column's sort index.
  // Matches from the index (temp.text_hits) are few or many, never all: looked up by id they lead
  // (a runs count over 100k runs with one match: 11 ms scanning parent_id's index, 0.1 ms so).
  const hitsLead = runs && !walkSortIndex && textFrom === 'hits' && !!filter.text?.trim();
  if (runs) clauses.push((walkSortIndex && !runsIndexSorts(filter.sort)) || hitsLead ? '+parent_id IS NULL' : 'parent_id IS NULL');
  const inList = (column: string, values: readonly string[] | undefined, orStep = false) => {
    if (!values || values.length === 0) return; // an empty list means "no filter", as an unticked filter box does
    const marks = values.map(() => '?').join(', ');
    if (orStep) {
      clauses.push(`(${col(column)} IN (${marks}) OR EXISTS (SELECT 1 FROM tasks s WHERE s.parent_id = tasks.id AND s.${column} IN (${marks})))`);
      params.push(...values, ...values);
    } else {
      clauses.push(`${col(column)} IN (${marks})`);
      params.push(...values);
    }
  };
  inList('env_id', filter.envIds);
  inList(runs ? 'run_status' : 'status', filter.statuses);
  inList('kind', filter.kinds, runs);
  inList('trigger', filter.triggers);
  if (isFiniteNumber(filter.from)) {
    clauses.push(`${col('queued_at')} >= ?`);
    params.push(filter.from);
  }
  if (isFiniteNumber(filter.to)) {
    clauses.push(`${col('queued_at')} <= ?`);
    params.push(filter.to);
  }
  const text = filter.text?.trim();
  if (text && textFrom !== 'like') {
    // The store worker's index (textIndex.ts) found the matching tasks; for runs, a run matches
    // when its first task or one of its steps does, as below.
    const matches = (id: string) => (textFrom === 'hits' ? `${id} IN temp.text_hits` : `${id} NOT IN temp.text_misses`);
    clauses.push(runs ? `tasks.id IN (SELECT coalesce(t.parent_id, t.id) FROM tasks t WHERE ${matches('t.id')})` : matches(col('tasks.id')));
  } else if (text) {
    // SQLite's LIKE is case-insensitive for ASCII; the escape makes % and _ in the text literal.
    const pattern = `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const on = (t: string) =>
      `${t}.error LIKE ? ESCAPE '\\' OR ${t}.skip_reason LIKE ? ESCAPE '\\' OR ${t}.summary LIKE ? ESCAPE '\\'` +
      ` OR EXISTS (SELECT 1 FROM log_lines l WHERE l.task_id = ${t}.id AND l.text LIKE ? ESCAPE '\\')`;
    clauses.push(runs ? `(${on('tasks')} OR EXISTS (SELECT 1 FROM tasks s WHERE s.parent_id = tasks.id AND (${on('s')})))` : `(${on('tasks')})`);
    // Positional placeholders only: repeat the value for each use.
    for (let i = 0; i < (runs ? 8 : 4); i++) params.push(pattern);
  }
  return { sql: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
}

/** Runs sorted by time or outcome: a runs index (parent_id first) gives that order itself. */
function runsIndexSorts(sort: SortColumn | undefined): boolean {
  return sort === undefined || sort === 'queuedAt' || sort === 'status';
}

export interface PageSql {
  orderBy: string;
  sortsByQueuedAt: boolean;
  limit: number;
  offset: number;
}

/** Default order is newest first; an unknown column (a stale or hostile message) falls back to it. */
export function buildPage(query: TaskQuery): PageSql {
  const known = query.sort !== undefined && (SORT_COLUMNS as readonly string[]).includes(query.sort);
  // Runs sort by their outcome, kept on the first task.
  const sort: SortSql = !known ? SORT_SQL.queuedAt : query.runs && query.sort === 'status' ? RUN_STATUS_SORT : SORT_SQL[query.sort as SortColumn];
  const desc = known ? query.descending === true : query.descending !== false;
  const dir = desc ? 'DESC' : 'ASC';
  // Rows without a value (a queued task has no start) go last either way. Ties go by queued_at
  // (the second column of every sort index), then id, so pages never overlap.
  const nulls = sort.nullable ? ' NULLS LAST' : '';
  const ties = sort === SORT_SQL.queuedAt || sort === SORT_SQL.id ? '' : `queued_at ${dir}, `;
  return {
    orderBy: `ORDER BY ${sort.expr} ${dir}${nulls}, ${ties}id ${dir}`,
    sortsByQueuedAt: sort === SORT_SQL.queuedAt,
    limit: clampInt(query.limit, 1, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE),
    offset: clampInt(query.offset, 0, Number.MAX_SAFE_INTEGER, 0),
  };
}

/**
 * Walking the sort index visits about (offset + limit) x all / matching index entries, testing
 * the filter on each entry; using the filter's index visits every matching row, reads it from
 * the table (about ten times the cost of an index entry) and sorts. Pick the cheaper; the count
 * is known by then. Measured at 100k tasks: 0.5-2 ms walking against 10-24 ms filter-first.
 */
export function preferSortIndex(query: TaskQuery, page: PageSql, matching: number, all: number): boolean {
  // tasks_env and tasks_status (column, queued_at, ...) already give both the filter and the order.
  // So does tasks_runs (parent_id, queued_at, run_status, env_id, ...) for runs.
  const composite = query.runs === true ? runsIndexSorts(query.sort) && !query.kinds?.length && !query.text : page.sortsByQueuedAt && (!!query.envIds?.length || !!query.statuses?.length);
  return !composite && matching > 0 && (page.offset + page.limit) * all < 10 * matching * matching;
}

function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

function clampInt(v: unknown, min: number, max: number, fallback: number): number {
  if (!isFiniteNumber(v)) return fallback;
  return Math.min(max, Math.max(min, Math.floor(v)));
}
