// One page of the history table, read from any copy of tasks.db: the store's own (in the host's
// thread) and the store worker's replica (a text search) run this same code, so both answer alike.
import type { TaskPage, TaskQuery, TaskRecord } from '../../../shared/model';
import { TASK_COLUMNS, toTaskRecord } from './rows';
import type { SqlRunner } from './sqlRunner';
import { buildPage, buildWhere, preferSortIndex, type TextSource, type WhereSql } from './taskQuery';

/** `count` may answer from a cache; the rows are always read. */
export function readPage(sql: SqlRunner, query: TaskQuery, count: (where: WhereSql) => number, textFrom: TextSource = 'like'): TaskPage {
  const where = buildWhere(query, false, textFrom);
  const page = buildPage(query);
  const total = count(where);
  if (total <= page.offset) return query.runs ? { rows: [], total, steps: [] } : { rows: [], total };
  const filtered = where.params.length > 0 || (textFrom !== 'like' && !!query.text?.trim());
  const all = filtered ? count(buildWhere({ runs: query.runs })) : total;
  const rowsWhere = filtered && preferSortIndex(query, page, total, all) ? buildWhere(query, true, textFrom) : where;
  const rows = sql.rows(`SELECT ${TASK_COLUMNS} FROM tasks ${rowsWhere.sql} ${page.orderBy} LIMIT ? OFFSET ?`, [...rowsWhere.params, page.limit, page.offset]).map(toTaskRecord);
  if (!query.runs) return { rows, total };
  return { rows, total, steps: stepsOf(sql, rows.map((r) => r.id)) };
}

export function countRows(sql: SqlRunner, where: WhereSql): number {
  return sql.scalar(`SELECT count(*) FROM tasks ${where.sql}`, where.params) as number;
}

/** Follow-ups of the given runs, by id (tasks_runs: one index probe per run). */
export function stepsOf(sql: SqlRunner, headIds: number[]): TaskRecord[] {
  if (headIds.length === 0) return [];
  const out: TaskRecord[] = [];
  for (let i = 0; i < headIds.length; i += 500) {
    const chunk = headIds.slice(i, i + 500);
    out.push(...sql.rows(`SELECT ${TASK_COLUMNS} FROM tasks WHERE parent_id IN (${chunk.map(() => '?').join(', ')}) ORDER BY id`, chunk).map(toTaskRecord));
  }
  return out.sort((a, b) => a.id - b.id);
}
