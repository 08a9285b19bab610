// The host side of the Task Log protocol, free of any `vscode` import so the fuzz test can hammer
// it in plain Node. It validates every message, answers requests from a store-like data source,
// and never lets an exception escape `handle`: a bad message is logged and ignored (or answered
// with an `error` reply when it carried a readable request id, so the webview does not wait).
import type { Logger } from '../core/ports';
import type { Disposable } from '../core/util/emitter';
import type { TaskStore } from '../core/store/taskStore';
import { FINAL_STATUSES, LOG_LEVELS, type LogLevel, type LogLine } from '../../shared/model';
import type { EnvOverview } from '../../shared/overview';
import {
  LIMITS, environmentsVersion, salvageRequestId, validateWebviewMessage,
  type ChangesReply, type EnvironmentRef, type HostReply, type LogTuple, type PollRequest, type TaskAction,
} from '../../shared/protocol';

/** `searchTasks`: a page with a text filter may be searched off the host's thread (the store worker). */
export interface TaskLogDataSource extends Pick<TaskStore, 'searchTasks' | 'logAfter' | 'changesSince' | 'getTask'> {
  environments(): EnvironmentRef[];
  /** The overview's figures per environment (shared/overview.ts); without it the overview stays empty. */
  overview?(): EnvOverview[];
  /**
   * Fires when a task or the environment list changed. With it, a poll that finds nothing new is
   * held until something changes or the poll interval ends (long polling); without it, answered at once.
   */
  onDidChange?(listener: () => void): Disposable;
  /** Runs a task action; a returned string is shown to the user as the outcome. */
  runAction(action: TaskAction, taskId: number): Promise<string | void>;
}

export interface TaskLogControllerOptions {
  /** Poll interval for the webview (the setting); read on every reply so a change applies at once. */
  pollMs?: () => number;
  /** Writes text to the clipboard (the panel passes vscode.env.clipboard.writeText). */
  writeClipboard?: (text: string) => Promise<void>;
  /** Shows a task's whole log in an editor (taskLogPanel.ts exports `openLogDocument`); without it, `openLog` goes to runAction. */
  openLogDocument?: (text: string, taskId: number) => Promise<void>;
}

export const DEFAULT_POLL_MS = 2000;
/** After a final status, wait this long for the changes that come with it (a follow-up task starts at once). */
const WAKE_DEBOUNCE_MS = 5;
/**
 * A new or just started task is answered within this long, not at once: a quick task usually
 * finishes inside it, and its final status then goes out in the same reply. (After each reply the
 * panel is blind for one round trip, until its next poll arrives; a reply sent for "running" a
 * moment before the finish would make the finish wait for that round trip.)
 */
const SOON_MS = 300;
/** Log lines come without an event: while the selected task runs, a held poll checks for them this often. */
const LOG_RECHECK_MS = 250;
/** Most log lines a copy or open gathers, so one request cannot build an unbounded string. */
const MAX_COPY_LINES = 200_000;
/** Bad messages logged per controller before going quiet: a broken webview must not flood the log. */
const MAX_REJECTION_LOGS = 50;

export class TaskLogController {
  private sentPollMs: number | undefined;
  private rejections = 0;
  /** Releases of the polls held open now. */
  private readonly held = new Set<() => void>();
  private readonly shownRunning = new Set<number>();

  constructor(
    private readonly source: TaskLogDataSource,
    private readonly logger: Logger,
    private readonly options: TaskLogControllerOptions = {},
  ) {}

  /** Number of polls held open now (a hidden or closed panel must hold none). */
  get heldPolls(): number {
    return this.held.size;
  }

  /** Answers every held poll now: the panel was hidden or closed, or a newer poll supersedes them. */
  releaseHeldPolls(): void {
    for (const release of [...this.held]) release();
  }

  /** Number of messages rejected so far (validation failures and handler errors). */
  get rejected(): number {
    return this.rejections;
  }

  async handle(raw: unknown): Promise<HostReply | undefined> {
    let id: number | undefined;
    try {
      id = salvageRequestId(raw);
      const v = validateWebviewMessage(raw);
      if (!v.ok) return this.reject(id, `invalid message: ${v.error}`);
      const m = v.value;
      switch (m.type) {
        case 'ready': {
          this.releaseHeldPolls(); // a new webview document: nobody waits for the old one's polls
          this.shownRunning.clear();
          const list = this.source.environments();
          return { type: 'init', id: m.id, pollMs: this.takePollMs(), environments: list, envVersion: environmentsVersion(list) };
        }
        case 'poll': return await this.poll(m);
        case 'getTask': return { type: 'task', id: m.id, task: this.source.getTask(m.taskId) ?? null };
        case 'action': {
          if (m.action === 'openLog' && this.options.openLogDocument) {
            const lines = this.gatherLog(m.taskId, 'debug');
            await this.options.openLogDocument(lines.join('\n'), m.taskId);
            return { type: 'actionResult', id: m.id, ok: true };
          }
          const message = await this.source.runAction(m.action, m.taskId);
          return { type: 'actionResult', id: m.id, ok: true, ...(typeof message === 'string' ? { message } : {}) };
        }
        case 'copyLog': return await this.copyLog(m.id, m.taskId, m.minLevel);
        case 'log':
          this.logger[m.level](`Task Log webview: ${m.message}`);
          return undefined;
      }
    } catch (e) {
      return this.reject(id, `failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private reject(id: number | undefined, why: string): HostReply | undefined {
    this.rejections++;
    if (this.rejections <= MAX_REJECTION_LOGS) this.logger.warn(`Task Log: ${why.slice(0, 300)}`);
    else if (this.rejections === MAX_REJECTION_LOGS + 1) this.logger.warn('Task Log: further rejected messages are not logged');
    return id === undefined ? undefined : { type: 'error', id, message: why.slice(0, 300) };
  }

  /** The poll interval, but only when it differs from what the webview was last told. */
  private takePollMs(): number {
    const ms = this.options.pollMs?.() ?? DEFAULT_POLL_MS;
    this.sentPollMs = Number.isSafeInteger(ms) && ms > 0 ? ms : DEFAULT_POLL_MS;
    return this.sentPollMs;
  }

  private pollMsChanged(): boolean {
    const before = this.sentPollMs;
    return this.takePollMs() !== before;
  }

  /**
   * Long polling: a poll that finds nothing new is held until something changes or the poll
   * interval ends, so a finished task reaches the panel at once while an idle panel still sends one
   * poll per interval. Only one poll is held at a time: a newer one (the user changed the query)
   * releases the older at once.
   */
  private async poll(m: PollRequest): Promise<HostReply> {
    this.releaseHeldPolls();
    const first = await this.answer(m);
    const onDidChange = this.source.onDidChange?.bind(this.source);
    const holdMs = this.sentPollMs;
    if (first.type !== 'unchanged' || !onDidChange || !holdMs) return first;
    await this.hold(m, onDidChange, holdMs);
    return await this.answer(m);
  }

  /**
   * Resolves when a held poll is to be answered: the end of the interval, or sooner as what changed
   * asks (see urgency), or new log lines of the running selected task, or a release.
   */
  private hold(m: PollRequest, onDidChange: NonNullable<TaskLogDataSource['onDidChange']>, holdMs: number): Promise<void> {
    const logTaskId = m.selectedTaskId !== undefined && this.source.getTask(m.selectedTaskId)?.finishedAt === null ? m.selectedTaskId : undefined;
    return new Promise((resolve) => {
      let answerAt = Date.now() + holdMs;
      let due = setTimeout(() => finish(), holdMs);
      const answerWithin = (ms: number) => {
        if (Date.now() + ms >= answerAt) return;
        answerAt = Date.now() + ms;
        clearTimeout(due);
        due = setTimeout(() => finish(), ms);
      };
      const wake = () => {
        const u = this.urgency(m);
        if (u !== 'later') answerWithin(u === 'now' ? WAKE_DEBOUNCE_MS : SOON_MS);
      };
      const sub = onDidChange(wake);
      // A change made while the answer was read (a text search waits for the store worker) fired
      // before this listener: it counts as if it came now.
      wake();
      const logCheck = logTaskId === undefined ? undefined : setInterval(() => {
        if (this.source.logAfter(logTaskId, m.logAfterSeq ?? 0, 1).length > 0) answerWithin(0);
      }, LOG_RECHECK_MS);
      const finish = () => {
        clearTimeout(due);
        clearInterval(logCheck);
        sub.dispose();
        this.held.delete(finish);
        resolve();
      };
      this.held.add(finish);
    });
  }

  /**
   * How soon what changed since the poll's cursor should reach the panel: a final status, a
   * removal or a new environment list at once; a new or just started task soon; progress of a
   * task the panel already shows running only with the interval (as before long polling).
   */
  private urgency(m: PollRequest): 'now' | 'soon' | 'later' {
    const c = this.source.changesSince(m.cursor);
    if (c.revision < m.cursor || c.removed) return 'now';
    if (m.envVersion !== undefined && environmentsVersion(this.source.environments()) !== m.envVersion) return 'now';
    let soon = false;
    for (const t of c.tasks) {
      if ((FINAL_STATUSES as readonly string[]).includes(t.status)) return 'now';
      if (t.status !== 'running' || !this.shownRunning.has(t.id)) soon = true;
    }
    return soon ? 'soon' : 'later';
  }

  /** Remembers which tasks the panel was last sent as running (their progress is not urgent). */
  private noteSent(reply: ChangesReply): void {
    if (this.shownRunning.size > 1000) this.shownRunning.clear();
    for (const t of [...(reply.page?.rows ?? []), ...(reply.selected ? [reply.selected] : [])]) {
      if (t.status === 'running') this.shownRunning.add(t.id);
      else this.shownRunning.delete(t.id);
    }
  }

  private async answer(m: PollRequest): Promise<HostReply> {
    const changes = this.source.changesSince(m.cursor);
    // A running task this reply moves the cursor past is known to the panel from now on, on its
    // page or not: its next progress ticks wait for the interval instead of waking every held poll.
    for (const t of changes.tasks) if (t.status === 'running') this.shownRunning.add(t.id);
    // A cursor ahead of the store means the store was recreated (a corrupt file moved aside): start over.
    const reset = changes.revision < m.cursor;
    const refresh = m.refresh === true || reset;
    const rowsChanged = changes.tasks.length > 0 || changes.removed;
    const reply: ChangesReply = { type: 'changes', id: m.id, cursor: changes.revision };
    let any = changes.revision !== m.cursor;

    if (refresh || rowsChanged) {
      const page = await this.source.searchTasks(m.query);
      // A page of runs: each run's follow-ups right after it (the webview groups them by parentId).
      const ordered = m.query.runs ? page.rows.flatMap((r) => [r, ...(page.steps ?? []).filter((s) => s.parentId === r.id)]) : page.rows;
      // A row the webview holds as of its cursor is resent only when it changed since.
      const known = new Set(reset ? [] : m.known ?? []);
      const rows = ordered.filter((r) => !known.has(r.id) || r.revision > m.cursor);
      reply.page = { total: page.total, order: ordered.map((r) => r.id), rows };
      any = true;
    }
    if (m.selectedTaskId !== undefined) {
      const sel = m.selectedTaskId;
      // Not when the page already carries the row: the webview takes it from there.
      const inPage = reply.page?.rows.some((t) => t.id === sel) ?? false;
      if (!inPage && (refresh || changes.removed || changes.tasks.some((t) => t.id === sel))) {
        reply.selected = this.source.getTask(sel) ?? null;
        any = true;
      }
      // Log lines are checked every poll (an indexed read) rather than trusting the row's revision,
      // so a store that batches log writes apart from row updates still never drops lines.
      // After a reset the webview drops the lines it held (applyPoll), so they are sent from the start.
      const lines = this.source.logAfter(sel, reset ? 0 : m.logAfterSeq ?? 0, LIMITS.logBatch + 1);
      if (lines.length > 0) {
        const more = lines.length > LIMITS.logBatch;
        reply.log = { taskId: sel, lines: lines.slice(0, LIMITS.logBatch).map(toTuple), more };
        any = true;
      }
    }
    const list = this.source.environments();
    const version = environmentsVersion(list);
    if (m.envVersion !== version) {
      reply.environments = { version, list };
      any = true;
    }
    if (m.overview && this.source.overview && (refresh || rowsChanged || reply.environments)) {
      reply.overview = this.source.overview();
      any = true;
    }
    if (this.pollMsChanged()) {
      reply.pollMs = this.sentPollMs;
      any = true;
    }
    if (!any) return { type: 'unchanged', id: m.id };
    this.noteSent(reply);
    return reply;
  }

  private async copyLog(id: number, taskId: number, minLevel: LogLevel | undefined): Promise<HostReply> {
    if (!this.options.writeClipboard) return { type: 'actionResult', id, ok: false, message: 'Clipboard not available' };
    const out = this.gatherLog(taskId, minLevel ?? 'debug');
    await this.options.writeClipboard(out.join('\n'));
    return { type: 'actionResult', id, ok: true, message: `Copied ${out.length} log line${out.length === 1 ? '' : 's'}` };
  }

  /** The task's whole log from the store (not what the webview happened to load), as text lines. */
  private gatherLog(taskId: number, minLevel: LogLevel): string[] {
    const min = LOG_LEVELS.indexOf(minLevel);
    const out: string[] = [];
    let after = 0;
    for (;;) {
      const batch = this.source.logAfter(taskId, after, 5000);
      for (const l of batch) if (LOG_LEVELS.indexOf(l.level) >= min) out.push(formatLine(l));
      if (batch.length < 5000 || out.length >= MAX_COPY_LINES) break;
      after = batch[batch.length - 1].seq;
    }
    return out;
  }
}

function toTuple(l: LogLine): LogTuple {
  return [l.seq, l.time, Math.max(0, LOG_LEVELS.indexOf(l.level)), l.text];
}

function formatLine(l: LogLine): string {
  return `${new Date(l.time).toISOString()} [${l.level}] ${l.text}`;
}
