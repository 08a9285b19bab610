// The Task Log's view state and every transition of it, as plain functions over plain data: no
// Lit, no DOM, so the unit tests run it in Node. Components render a ViewState and call these.
//
// Two counters guard against replies that arrive after the user moved on: `gen` changes with the
// query (filters, sort, page) and `selGen` with the selection. A poll reply built for an older
// query or selection is not merged, which is what keeps a slow reply from undoing a click.
import { LOG_LEVELS, SORT_COLUMNS, TASK_KINDS, TASK_STATUSES, TASK_TRIGGERS, type LogLevel, type SortColumn, type TaskKind, type TaskQuery, type TaskRecord, type TaskStatus, type TaskTrigger } from '../shared/model';
import type { ChangesReply, EnvironmentRef, InitReply, LogTuple, PollRequest, UnchangedReply } from '../shared/protocol';
import type { EnvOverview } from '../shared/overview';
import { groupRuns } from '../shared/runs';

export const DEFAULT_POLL_MS = 2000;
export const PAGE_SIZES = [25, 50, 100, 200] as const;
/** Log lines kept in the view; older ones are dropped (the whole log stays in the store and in "Copy"). */
export const MAX_LOG_LINES = 20_000;

export interface Filters {
  envId: string;
  status: TaskStatus | '';
  kind: TaskKind | '';
  trigger: TaskTrigger | '';
  text: string;
  /** Local dates "YYYY-MM-DD" from the date inputs; '' for open. */
  from: string;
  to: string;
}

/** What survives a reload (acquireVsCodeApi().setState). Rows are not kept: the first poll refetches. */
export interface PersistedState {
  v: 1;
  filters: Filters;
  sort: SortColumn;
  descending: boolean;
  offset: number;
  pageSize: number;
  selectedId?: number;
  logLevel: LogLevel;
  follow: boolean;
  /** One row per run (a backup with its verify and prune); off: one row per task. */
  runs: boolean;
  /** The overview (strip, sparklines, health per environment) is open above the table. */
  overview: boolean;
}

export interface ViewLine { seq: number; time: number; level: LogLevel; text: string }

export interface ViewState extends PersistedState {
  pollMs: number;
  cursor: number;
  rows: TaskRecord[];
  total: number;
  environments: EnvironmentRef[];
  envVersion?: string;
  /** The selected task's record; null when it was deleted; undefined while loading. */
  selected?: TaskRecord | null;
  log: ViewLine[];
  logSeq: number;
  /** Older lines were dropped from the view to stay within MAX_LOG_LINES. */
  logClipped: boolean;
  /** More log lines wait at the host: poll again at once instead of after pollMs. */
  logMore: boolean;
  /** The overview's figures, as last sent (undefined until the first reply that carried them). */
  overviewData?: EnvOverview[];
  /** The query changed since the rows were fetched: the next poll asks for a refresh. */
  stale: boolean;
  gen: number;
  selGen: number;
  loaded: boolean;
}

export const EMPTY_FILTERS: Filters = { envId: '', status: '', kind: '', trigger: '', text: '', from: '', to: '' };

export function initialState(saved?: unknown): ViewState {
  const p = restorePersisted(saved);
  return {
    ...p, pollMs: DEFAULT_POLL_MS, cursor: 0, rows: [], total: 0, environments: [], log: [], logSeq: 0,
    logClipped: false, logMore: false, stale: true, gen: 0, selGen: 0, loaded: false,
    selected: undefined,
  };
}

/** Saved state may come from an older version of the webview: take each field only if it still makes sense. */
export function restorePersisted(saved: unknown): PersistedState {
  const d: PersistedState = { v: 1, filters: { ...EMPTY_FILTERS }, sort: 'queuedAt', descending: true, offset: 0, pageSize: 50, logLevel: 'debug', follow: true, runs: true, overview: true };
  if (typeof saved !== 'object' || saved === null) return d;
  const s = saved as Record<string, unknown>;
  const f = (typeof s.filters === 'object' && s.filters !== null ? s.filters : {}) as Record<string, unknown>;
  const text = (v: unknown, max = 200) => (typeof v === 'string' && v.length <= max ? v : '');
  const among = <T extends string>(v: unknown, xs: readonly T[]): T | '' => (xs as readonly unknown[]).includes(v) ? (v as T) : '';
  const date = (v: unknown) => (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v) ? v : '');
  const nat = (v: unknown) => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined);
  return {
    v: 1,
    filters: { envId: text(f.envId, 128), status: among(f.status, TASK_STATUSES), kind: among(f.kind, TASK_KINDS), trigger: among(f.trigger, TASK_TRIGGERS), text: text(f.text), from: date(f.from), to: date(f.to) },
    sort: among(s.sort, SORT_COLUMNS) || d.sort,
    descending: typeof s.descending === 'boolean' ? s.descending : d.descending,
    offset: Math.min(nat(s.offset) ?? 0, 1_000_000),
    pageSize: (PAGE_SIZES as readonly number[]).includes(s.pageSize as number) ? (s.pageSize as number) : d.pageSize,
    selectedId: nat(s.selectedId),
    logLevel: among(s.logLevel, LOG_LEVELS) || d.logLevel,
    follow: typeof s.follow === 'boolean' ? s.follow : d.follow,
    runs: typeof s.runs === 'boolean' ? s.runs : d.runs,
    overview: typeof s.overview === 'boolean' ? s.overview : d.overview,
  };
}

export function persisted(s: ViewState): PersistedState {
  const { v, filters, sort, descending, offset, pageSize, selectedId, logLevel, follow, runs, overview } = s;
  return { v, filters, sort, descending, offset, pageSize, selectedId, logLevel, follow, runs, overview };
}

/** Local midnight of a "YYYY-MM-DD" date, plus `days`; undefined when empty or invalid. */
function localDay(date: string, days = 0): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return undefined;
  const t = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + days).getTime();
  return Number.isFinite(t) && t >= 0 ? t : undefined;
}

export function buildQuery(s: PersistedState): TaskQuery {
  const f = s.filters;
  const q: TaskQuery = { sort: s.sort, descending: s.descending, offset: s.offset, limit: s.pageSize };
  if (s.runs) q.runs = true;
  if (f.envId) q.envIds = [f.envId];
  if (f.status) q.statuses = [f.status];
  if (f.kind) q.kinds = [f.kind];
  if (f.trigger) q.triggers = [f.trigger];
  if (f.text.trim()) q.text = f.text.trim();
  const from = localDay(f.from);
  const toNext = localDay(f.to, 1);
  if (from !== undefined) q.from = from;
  // "to" is inclusive of the whole day.
  if (toNext !== undefined) q.to = toNext - 1;
  if (q.from !== undefined && q.to !== undefined && q.from > q.to) q.to = q.from;
  return q;
}

/** What the next poll sends, and the tokens to hand back to applyPoll with its reply. */
export function pollRequest(s: ViewState, id: number): { request: PollRequest; sent: SentPoll } {
  const request: PollRequest = { type: 'poll', id, cursor: s.cursor, query: buildQuery(s) };
  if (s.stale) request.refresh = true;
  if (s.rows.length) request.known = s.rows.map((r) => r.id);
  if (s.envVersion !== undefined) request.envVersion = s.envVersion;
  if (s.overview) request.overview = true;
  if (s.selectedId !== undefined) {
    request.selectedTaskId = s.selectedId;
    request.logAfterSeq = s.logSeq;
  }
  return { request, sent: { gen: s.gen, selGen: s.selGen, cursor: s.cursor } };
}

export interface SentPoll { gen: number; selGen: number; cursor: number }

export function applyInit(s: ViewState, r: InitReply): ViewState {
  return { ...s, pollMs: r.pollMs, environments: r.environments, envVersion: r.envVersion };
}

export function applyPoll(s: ViewState, r: ChangesReply | UnchangedReply, sent: SentPoll): ViewState {
  if (r.type === 'unchanged') return s.gen === sent.gen ? { ...s, loaded: true, logMore: false } : s;
  let n: ViewState = { ...s };
  if (r.environments) n = { ...n, environments: r.environments.list, envVersion: r.environments.version };
  if (r.pollMs !== undefined) n.pollMs = r.pollMs;
  // The overview does not depend on the query: any reply's is current.
  if (r.overview) n.overviewData = r.overview;
  // A reply to an older query (or one that raced a newer poll) is dropped; the next poll asks again.
  if (sent.gen !== s.gen || sent.cursor !== s.cursor) return n;
  const reset = r.cursor < sent.cursor;
  if (r.page) {
    const byId = new Map(s.rows.map((t) => [t.id, t]));
    for (const t of r.page.rows) byId.set(t.id, t);
    const rows = r.page.order.map((id) => byId.get(id));
    if (rows.some((t) => t === undefined)) return { ...n, stale: true };
    n = { ...n, rows: rows as TaskRecord[], total: r.page.total, stale: false };
  }
  n.cursor = r.cursor;
  n.loaded = true;
  if (sent.selGen !== s.selGen) return n;
  if (reset) n = { ...n, log: [], logSeq: 0, logClipped: false };
  const sentRow = r.page?.rows.find((t) => t.id === n.selectedId);
  if (r.selected !== undefined) n.selected = r.selected;
  else if (sentRow) n.selected = sentRow;
  else if (n.selectedId !== undefined && n.selected === undefined) n.selected = n.rows.find((t) => t.id === n.selectedId);
  n.logMore = false;
  if (r.log && r.log.taskId === n.selectedId) n = appendLog(n, r.log.lines, r.log.more);
  return n;
}

function appendLog(s: ViewState, lines: LogTuple[], more: boolean): ViewState {
  const fresh = lines.filter((l) => l[0] > s.logSeq).map(([seq, time, level, text]): ViewLine => ({ seq, time, level: LOG_LEVELS[level] ?? 'info', text }));
  if (!fresh.length) return { ...s, logMore: more };
  let log = s.log.concat(fresh);
  let clipped = s.logClipped;
  if (log.length > MAX_LOG_LINES) {
    log = log.slice(log.length - MAX_LOG_LINES);
    clipped = true;
  }
  return { ...s, log, logSeq: fresh[fresh.length - 1].seq, logClipped: clipped, logMore: more };
}

/**
 * When to poll next. The host holds a poll that finds nothing new until something changes or the
 * interval ends (long polling), so: at once after a reply that carried changes (the next poll waits
 * at the host), and after "unchanged" only for what is left of the interval (nothing, when the host
 * held it; all of it, when the host answered at once). After a failed poll always the full interval:
 * a host that keeps failing must not be polled in a tight loop.
 */
export function nextPollDelay(s: ViewState, o: { failed: boolean; pollAgain: boolean; changed?: boolean; elapsedMs?: number }): number {
  if (o.failed) return s.pollMs;
  if (o.pollAgain || s.stale || s.logMore || o.changed) return 0;
  return Math.max(0, s.pollMs - (o.elapsedMs ?? 0));
}

/** How long the webview waits for a poll's reply: the host may hold it for up to pollMs. */
export function pollTimeoutMs(s: ViewState, base = 15_000): number {
  return s.pollMs + base;
}

/** The task reply for a selection (getTask): ignored when the user has selected something else since. */
export function applyTask(s: ViewState, task: TaskRecord | null, selGen: number): ViewState {
  return selGen === s.selGen ? { ...s, selected: task } : s;
}

function requery(s: ViewState, patch: Partial<ViewState>): ViewState {
  return { ...s, ...patch, stale: true, gen: s.gen + 1 };
}

/** Text columns start ascending; times, sizes and ids start with the largest (newest) first. */
const ASCENDING_FIRST: readonly SortColumn[] = ['envId', 'kind', 'trigger', 'status'];

export function setSort(s: ViewState, column: SortColumn): ViewState {
  if (s.sort === column) return requery(s, { descending: !s.descending, offset: 0 });
  return requery(s, { sort: column, descending: !ASCENDING_FIRST.includes(column), offset: 0 });
}

export function ariaSort(s: PersistedState, column: SortColumn): 'ascending' | 'descending' | 'none' {
  return s.sort !== column ? 'none' : s.descending ? 'descending' : 'ascending';
}

export function setFilters(s: ViewState, patch: Partial<Filters>): ViewState {
  return requery(s, { filters: { ...s.filters, ...patch }, offset: 0 });
}

export function clearFilters(s: ViewState): ViewState {
  return requery(s, { filters: { ...EMPTY_FILTERS }, offset: 0 });
}

export function setPageSize(s: ViewState, pageSize: number): ViewState {
  return (PAGE_SIZES as readonly number[]).includes(pageSize) ? requery(s, { pageSize, offset: 0 }) : s;
}

export function setOffset(s: ViewState, offset: number): ViewState {
  const last = Math.max(0, Math.floor(Math.max(0, s.total - 1) / s.pageSize) * s.pageSize);
  const o = Math.min(Math.max(0, Math.floor(offset / s.pageSize) * s.pageSize), last);
  return o === s.offset ? s : requery(s, { offset: o });
}

export function pageInfo(s: ViewState): { page: number; pages: number; first: number; last: number } {
  const pages = Math.max(1, Math.ceil(s.total / s.pageSize));
  return { page: Math.floor(s.offset / s.pageSize) + 1, pages, first: s.total ? s.offset + 1 : 0, last: Math.min(s.offset + shownCount(s), s.total) };
}

/** Rows the page shows: runs when grouped (their follow-ups ride along), else tasks. */
export function shownCount(s: Pick<ViewState, 'rows' | 'runs'>): number {
  return s.runs ? groupRuns(s.rows).length : s.rows.length;
}

/** One row per run, or one per task (the flat view). */
export function setRuns(s: ViewState, runs: boolean): ViewState {
  return runs === s.runs ? s : requery(s, { runs, offset: 0 });
}

/** Opens or closes the overview; opening asks the host for its figures with the next poll. */
export function setOverview(s: ViewState, overview: boolean): ViewState {
  return overview === s.overview ? s : overview ? requery(s, { overview }) : { ...s, overview };
}

export function select(s: ViewState, id: number | undefined): ViewState {
  if (id === s.selectedId) return s;
  return { ...s, selectedId: id, selected: id === undefined ? undefined : s.rows.find((t) => t.id === id), log: [], logSeq: 0, logClipped: false, logMore: false, selGen: s.selGen + 1 };
}

export function setLogLevel(s: ViewState, logLevel: LogLevel): ViewState {
  return { ...s, logLevel };
}

export function setFollow(s: ViewState, follow: boolean): ViewState {
  return { ...s, follow };
}

export function visibleLog(s: ViewState): ViewLine[] {
  const min = LOG_LEVELS.indexOf(s.logLevel);
  return min <= 0 ? s.log : s.log.filter((l) => LOG_LEVELS.indexOf(l.level) >= min);
}

/** Row index after a navigation key in a list of `count` rows (focus moves; Enter selects). */
export function moveIndex(key: string, index: number, count: number, pageStep = 10): number | undefined {
  if (count === 0) return undefined;
  const to = { ArrowDown: index + 1, ArrowUp: index - 1, Home: 0, End: count - 1, PageDown: index + pageStep, PageUp: index - pageStep }[key];
  return to === undefined ? undefined : Math.min(count - 1, Math.max(0, to));
}

/** Duration of a task; a running one counts up to `now`. */
export function taskDuration(t: TaskRecord, now: number): number | undefined {
  if (t.startedAt === null) return undefined;
  const end = t.finishedAt ?? (t.status === 'running' ? now : null);
  return end === null ? undefined : Math.max(0, end - t.startedAt);
}
