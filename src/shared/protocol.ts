// The messages between the Task Log webview and the extension host, and their validators.
// Both sides import this file (the webview's tsconfig includes only src/webview and src/shared).
//
// Pattern: the webview sends `ready` first and the host answers `init`; every request carries an
// `id` and its reply carries the same id. The webview polls with the store revision it last saw
// (`cursor`); when nothing changed the host answers `unchanged`, a reply of a few bytes. The host
// may hold such a poll for up to the poll interval (`pollMs`) and answers it as soon as something
// changes (long polling): the webview polls again right after each reply and waits up to
// pollMs + its usual limit for one. No extra field on the wire: idle traffic stays one small poll
// and one `unchanged` per interval.
// The host trusts nothing: `validateWebviewMessage` is strict (unknown types and fields, wrong
// types, oversized strings and arrays, NaN, negative or huge numbers are all rejected).
import {
  LOG_LEVELS, SORT_COLUMNS, TASK_KINDS, TASK_STATUSES, TASK_TRIGGERS,
  type LogLevel, type TaskQuery, type TaskRecord,
} from './model';
import type { EnvOverview } from './overview';
import { arr, bool, fail, int, isPlainObject, obj, oneOf, run, str, type Result } from './validate';

export const LIMITS = {
  /** Request ids wrap well before this. */
  maxRequestId: 2 ** 31 - 1,
  maxPageSize: 200,
  /** Rows a poll may say it holds: a page of runs carries their follow-ups too. */
  maxKnown: 2000,
  maxOffset: 1_000_000,
  maxTextFilter: 200,
  maxEnvId: 128,
  maxEnvFilter: 100,
  /** Log lines per reply; more are fetched by the next poll (`log.more`). */
  logBatch: 2000,
  maxWebviewLogMessage: 2000,
  /** Latest plausible epoch ms (year 275760, the Date maximum). */
  maxTime: 8.64e15,
} as const;

export const TASK_ACTIONS = ['cancel', 'retry', 'revealArchive', 'openLog'] as const;
export type TaskAction = (typeof TASK_ACTIONS)[number];

export interface EnvironmentRef {
  id: string;
  name: string;
}

// ---- webview -> host ----------------------------------------------------------------------

export interface ReadyRequest { type: 'ready'; id: number }

export interface PollRequest {
  type: 'poll';
  id: number;
  /** Store revision of the data the webview holds; 0 when it holds nothing. */
  cursor: number;
  query: TaskQuery;
  /** Re-run the query even if nothing changed (the query, sort or page changed). */
  refresh?: boolean;
  /** Ids of the rows the webview holds as of `cursor`: the host does not resend them unless changed. */
  known?: number[];
  /** Version of the environment list the webview holds (from `init` or a `changes` reply). */
  envVersion?: string;
  selectedTaskId?: number;
  /** Highest log seq of the selected task the webview holds (0: none). */
  logAfterSeq?: number;
  /** The overview is shown: send its figures whenever the history or the environments change. */
  overview?: boolean;
}

export interface GetTaskRequest { type: 'getTask'; id: number; taskId: number }

export interface ActionRequest { type: 'action'; id: number; action: TaskAction; taskId: number }

/** Copies the task's whole log (from the store, not just what the webview loaded) to the clipboard. */
export interface CopyLogRequest { type: 'copyLog'; id: number; taskId: number; minLevel?: LogLevel }

/** A notification (no reply): the webview reports its own errors into the host's log channel. */
export interface WebviewLogNotice { type: 'log'; level: 'info' | 'warn' | 'error'; message: string }

export type WebviewRequest = ReadyRequest | PollRequest | GetTaskRequest | ActionRequest | CopyLogRequest;
export type WebviewMessage = WebviewRequest | WebviewLogNotice;

// ---- host -> webview ----------------------------------------------------------------------

export interface InitReply {
  type: 'init';
  id: number;
  pollMs: number;
  environments: EnvironmentRef[];
  envVersion: string;
}

export interface UnchangedReply { type: 'unchanged'; id: number }

/** One log line on the wire: [seq, time, index into LOG_LEVELS, text]; about half the bytes of a LogLine. */
export type LogTuple = [number, number, number, string];

export interface ChangesReply {
  type: 'changes';
  id: number;
  cursor: number;
  /** Present when rows changed or a refresh was asked: the page in order; `rows` holds only rows the webview lacks. */
  page?: { total: number; order: number[]; rows: TaskRecord[] };
  /** The selected task when it changed and is not in `page.rows`; null when it no longer exists. */
  selected?: TaskRecord | null;
  log?: { taskId: number; lines: LogTuple[]; more: boolean };
  environments?: { version: string; list: EnvironmentRef[] };
  /** The overview's figures, per environment (when the poll asked and something changed). */
  overview?: EnvOverview[];
  pollMs?: number;
}

export interface TaskReply { type: 'task'; id: number; task: TaskRecord | null }

export interface ActionReply { type: 'actionResult'; id: number; ok: boolean; message?: string }

export interface ErrorReply { type: 'error'; id?: number; message: string }

/** Pushed (no request): focus this task, e.g. "Show Log" from a tree item or notification. */
export interface FocusTaskNotice { type: 'focusTask'; taskId: number }

/** Pushed (no request): show one environment's history (the other filters are cleared). */
export interface ShowEnvironmentNotice { type: 'showEnvironment'; envId: string }

export type HostNotice = FocusTaskNotice | ShowEnvironmentNotice;
export type HostReply = InitReply | UnchangedReply | ChangesReply | TaskReply | ActionReply | ErrorReply;
export type HostMessage = HostReply | HostNotice;

// ---- validation of what the webview sends --------------------------------------------------

const ENV_ID = /^[^\u0000-\u001f\u007f]+$/;
const requestId = (v: unknown) => int(v, 'id', 0, LIMITS.maxRequestId);
const taskId = (v: unknown, p = 'taskId') => int(v, p, 0, Number.MAX_SAFE_INTEGER);
const time = (v: unknown, p: string) => int(v, p, 0, LIMITS.maxTime);

const QUERY_FIELDS = ['envIds', 'statuses', 'kinds', 'triggers', 'text', 'from', 'to', 'sort', 'descending', 'offset', 'limit', 'runs'] as const;

export function checkQuery(v: unknown, path = 'query'): TaskQuery {
  const o = obj(v, path, QUERY_FIELDS);
  const q: TaskQuery = {};
  if (o.envIds !== undefined) q.envIds = arr(o.envIds, `${path}.envIds`, LIMITS.maxEnvFilter, (x, p) => str(x, p, LIMITS.maxEnvId, ENV_ID));
  if (o.statuses !== undefined) q.statuses = arr(o.statuses, `${path}.statuses`, TASK_STATUSES.length, (x, p) => oneOf(x, p, TASK_STATUSES));
  if (o.kinds !== undefined) q.kinds = arr(o.kinds, `${path}.kinds`, TASK_KINDS.length, (x, p) => oneOf(x, p, TASK_KINDS));
  if (o.triggers !== undefined) q.triggers = arr(o.triggers, `${path}.triggers`, TASK_TRIGGERS.length, (x, p) => oneOf(x, p, TASK_TRIGGERS));
  if (o.text !== undefined) q.text = str(o.text, `${path}.text`, LIMITS.maxTextFilter);
  if (o.from !== undefined) q.from = time(o.from, `${path}.from`);
  if (o.to !== undefined) q.to = time(o.to, `${path}.to`);
  if (q.from !== undefined && q.to !== undefined && q.from > q.to) fail(path, 'from after to');
  if (o.sort !== undefined) q.sort = oneOf(o.sort, `${path}.sort`, SORT_COLUMNS);
  if (o.descending !== undefined) q.descending = bool(o.descending, `${path}.descending`);
  if (o.offset !== undefined) q.offset = int(o.offset, `${path}.offset`, 0, LIMITS.maxOffset);
  if (o.limit !== undefined) q.limit = int(o.limit, `${path}.limit`, 1, LIMITS.maxPageSize);
  if (o.runs !== undefined) q.runs = bool(o.runs, `${path}.runs`);
  return q;
}

function checkPoll(o: Record<string, unknown>): PollRequest {
  const m: PollRequest = { type: 'poll', id: requestId(o.id), cursor: int(o.cursor, 'cursor', 0, Number.MAX_SAFE_INTEGER), query: checkQuery(o.query) };
  if (o.refresh !== undefined) m.refresh = bool(o.refresh, 'refresh');
  if (o.known !== undefined) m.known = arr(o.known, 'known', LIMITS.maxKnown, (x, p) => taskId(x, p));
  if (o.envVersion !== undefined) m.envVersion = str(o.envVersion, 'envVersion', 32);
  if (o.selectedTaskId !== undefined) m.selectedTaskId = taskId(o.selectedTaskId, 'selectedTaskId');
  if (o.logAfterSeq !== undefined) m.logAfterSeq = int(o.logAfterSeq, 'logAfterSeq', 0, Number.MAX_SAFE_INTEGER);
  if (o.overview !== undefined) m.overview = bool(o.overview, 'overview');
  return m;
}

const FIELDS: Record<WebviewMessage['type'], readonly string[]> = {
  ready: ['type', 'id'],
  poll: ['type', 'id', 'cursor', 'query', 'refresh', 'known', 'envVersion', 'selectedTaskId', 'logAfterSeq', 'overview'],
  getTask: ['type', 'id', 'taskId'],
  action: ['type', 'id', 'action', 'taskId'],
  copyLog: ['type', 'id', 'taskId', 'minLevel'],
  log: ['type', 'level', 'message'],
};

/** Strict validation of anything the webview posts. Never throws. */
export function validateWebviewMessage(raw: unknown): Result<WebviewMessage> {
  return run((): WebviewMessage => {
    if (!isPlainObject(raw)) fail('message', 'not an object');
    const type = oneOf(raw.type, 'type', Object.keys(FIELDS) as WebviewMessage['type'][]);
    const o = obj(raw, 'message', FIELDS[type]);
    switch (type) {
      case 'ready': return { type, id: requestId(o.id) };
      case 'poll': return checkPoll(o);
      case 'getTask': return { type, id: requestId(o.id), taskId: taskId(o.taskId) };
      case 'action': return { type, id: requestId(o.id), action: oneOf(o.action, 'action', TASK_ACTIONS), taskId: taskId(o.taskId) };
      case 'copyLog': {
        const m: CopyLogRequest = { type, id: requestId(o.id), taskId: taskId(o.taskId) };
        if (o.minLevel !== undefined) m.minLevel = oneOf(o.minLevel, 'minLevel', LOG_LEVELS);
        return m;
      }
      case 'log': return { type, level: oneOf(o.level, 'level', ['info', 'warn', 'error'] as const), message: str(o.message, 'message', LIMITS.maxWebviewLogMessage) };
    }
  });
}

export function isWebviewMessage(raw: unknown): raw is WebviewMessage {
  return validateWebviewMessage(raw).ok;
}

/** The request id of a message that failed validation, when one can be read, so the reply can say so. */
export function salvageRequestId(raw: unknown): number | undefined {
  if (!isPlainObject(raw)) return undefined;
  const id = raw.id;
  return typeof id === 'number' && Number.isSafeInteger(id) && id >= 0 && id <= LIMITS.maxRequestId ? id : undefined;
}

// ---- validation of what the host sends -------------------------------------------------------
// The host is trusted, but a shape check keeps a version mismatch (an old webview after an update)
// from crashing the view: a message that fails is reported and dropped.

function checkTaskShape(v: unknown, p: string): TaskRecord {
  if (!isPlainObject(v)) fail(p, 'not an object');
  int(v.id, `${p}.id`, 0, Number.MAX_SAFE_INTEGER);
  int(v.revision, `${p}.revision`, 0, Number.MAX_SAFE_INTEGER);
  oneOf(v.status, `${p}.status`, TASK_STATUSES);
  str(v.envId, `${p}.envId`, 10_000);
  return v as unknown as TaskRecord;
}

function checkEnvList(v: unknown, p: string): EnvironmentRef[] {
  return arr(v, p, 100_000, (x, q) => {
    const e = obj(x, q, ['id', 'name']);
    return { id: str(e.id, `${q}.id`, 10_000), name: str(e.name, `${q}.name`, 10_000) };
  });
}

function checkTuple(v: unknown, p: string): LogTuple {
  if (!Array.isArray(v) || v.length !== 4) fail(p, 'not a log tuple');
  int(v[0], `${p}[0]`, 0, Number.MAX_SAFE_INTEGER);
  int(v[1], `${p}[1]`, 0, LIMITS.maxTime);
  int(v[2], `${p}[2]`, 0, LOG_LEVELS.length - 1);
  str(v[3], `${p}[3]`, 10_000_000);
  return v as LogTuple;
}

function checkChanges(o: Record<string, unknown>): ChangesReply {
  const m: ChangesReply = { type: 'changes', id: requestId(o.id), cursor: int(o.cursor, 'cursor', 0, Number.MAX_SAFE_INTEGER) };
  if (o.page !== undefined) {
    const pg = obj(o.page, 'page', ['total', 'order', 'rows']);
    m.page = {
      total: int(pg.total, 'page.total', 0, Number.MAX_SAFE_INTEGER),
      order: arr(pg.order, 'page.order', 100_000, (x, p) => taskId(x, p)),
      rows: arr(pg.rows, 'page.rows', 100_000, checkTaskShape),
    };
  }
  if (o.selected !== undefined) m.selected = o.selected === null ? null : checkTaskShape(o.selected, 'selected');
  if (o.log !== undefined) {
    const lg = obj(o.log, 'log', ['taskId', 'lines', 'more']);
    m.log = { taskId: taskId(lg.taskId, 'log.taskId'), lines: arr(lg.lines, 'log.lines', 1_000_000, checkTuple), more: bool(lg.more, 'log.more') };
  }
  if (o.environments !== undefined) {
    const ev = obj(o.environments, 'environments', ['version', 'list']);
    m.environments = { version: str(ev.version, 'environments.version', 32), list: checkEnvList(ev.list, 'environments.list') };
  }
  if (o.overview !== undefined) {
    m.overview = arr(o.overview, 'overview', 10_000, (x, p) => {
      if (!isPlainObject(x)) fail(p, 'not an object');
      str(x.id, `${p}.id`, 10_000);
      str(x.name, `${p}.name`, 10_000);
      arr(x.runs, `${p}.runs`, 1000, (r, q) => {
        if (!isPlainObject(r)) fail(q, 'not an object');
        int(r.id, `${q}.id`, 0, Number.MAX_SAFE_INTEGER);
        oneOf(r.status, `${q}.status`, TASK_STATUSES);
        return r;
      });
      int(x.failuresInRow, `${p}.failuresInRow`, 0, 1_000_000);
      return x as unknown as EnvOverview;
    });
  }
  if (o.pollMs !== undefined) m.pollMs = int(o.pollMs, 'pollMs', 1, 3_600_000);
  return m;
}

const HOST_FIELDS: Record<HostMessage['type'], readonly string[]> = {
  init: ['type', 'id', 'pollMs', 'environments', 'envVersion'],
  unchanged: ['type', 'id'],
  changes: ['type', 'id', 'cursor', 'page', 'selected', 'log', 'environments', 'overview', 'pollMs'],
  task: ['type', 'id', 'task'],
  actionResult: ['type', 'id', 'ok', 'message'],
  error: ['type', 'id', 'message'],
  focusTask: ['type', 'taskId'],
  showEnvironment: ['type', 'envId'],
};

/** Shape check of what the host posts (run by the webview). Never throws. */
export function validateHostMessage(raw: unknown): Result<HostMessage> {
  return run((): HostMessage => {
    if (!isPlainObject(raw)) fail('message', 'not an object');
    const type = oneOf(raw.type, 'type', Object.keys(HOST_FIELDS) as HostMessage['type'][]);
    const o = obj(raw, 'message', HOST_FIELDS[type]);
    switch (type) {
      case 'init':
        return { type, id: requestId(o.id), pollMs: int(o.pollMs, 'pollMs', 1, 3_600_000), environments: checkEnvList(o.environments, 'environments'), envVersion: str(o.envVersion, 'envVersion', 32) };
      case 'unchanged': return { type, id: requestId(o.id) };
      case 'changes': return checkChanges(o);
      case 'task': return { type, id: requestId(o.id), task: o.task === null ? null : checkTaskShape(o.task, 'task') };
      case 'actionResult': {
        const m: ActionReply = { type, id: requestId(o.id), ok: bool(o.ok, 'ok') };
        if (o.message !== undefined) m.message = str(o.message, 'message', 10_000);
        return m;
      }
      case 'error': {
        const m: ErrorReply = { type, message: str(o.message, 'message', 10_000) };
        if (o.id !== undefined) m.id = requestId(o.id);
        return m;
      }
      case 'focusTask': return { type, taskId: taskId(o.taskId) };
      case 'showEnvironment': return { type, envId: str(o.envId, 'envId', LIMITS.maxEnvId, ENV_ID) };
    }
  });
}

export function isHostMessage(raw: unknown): raw is HostMessage {
  return validateHostMessage(raw).ok;
}

/** A short, stable version string of an environment list (FNV-1a over its JSON), so an unchanged list is not resent. */
export function environmentsVersion(list: readonly EnvironmentRef[]): string {
  const s = JSON.stringify(list);
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return `${list.length}-${h.toString(36)}`;
}
