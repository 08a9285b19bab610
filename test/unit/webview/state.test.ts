// The webview's state logic in plain Node: merging poll replies (known rows kept, changed rows
// replaced, stale replies dropped, log appended once), sort/filter/page transitions and what
// survives a reload.
import { strict as assert } from 'node:assert';
import type { TaskRecord } from '../../../src/shared/model';
import type { ChangesReply } from '../../../src/shared/protocol';
import {
  MAX_LOG_LINES, applyPoll, nextPollDelay, pollTimeoutMs, applyTask, ariaSort, buildQuery, clearFilters, initialState, moveIndex, pageInfo, persisted,
  pollRequest, restorePersisted, select, setFilters, setOffset, setOverview, setPageSize, setRuns, setSort, shownCount, taskDuration, visibleLog, type ViewState,
} from '../../../src/webview/state';

function task(id: number, patch: Partial<TaskRecord> = {}): TaskRecord {
  return {
    id, envId: 'docs', kind: 'backup', trigger: 'manual', status: 'succeeded', queuedAt: id, startedAt: id, finishedAt: id + 10,
    progress: null, result: null, error: null, skipReason: null, warnings: 0, logCount: 0, lastSeq: 0, revision: id, ...patch,
  };
}

/** Runs one poll round trip against a canned reply. */
function roundTrip(s: ViewState, reply: Omit<ChangesReply, 'type' | 'id'>): ViewState {
  const { sent } = pollRequest(s, 1);
  return applyPoll(s, { type: 'changes', id: 1, ...reply }, sent);
}

const loaded = () => roundTrip(initialState(), { cursor: 5, page: { total: 3, order: [3, 2, 1], rows: [task(3), task(2), task(1)] } });

describe('webview state', () => {
  it('asks for a refresh first, then sends its cursor and the ids it holds', () => {
    const s0 = initialState();
    assert.equal(pollRequest(s0, 1).request.refresh, true);
    const s = loaded();
    const { request } = pollRequest(s, 2);
    assert.deepEqual([request.refresh, request.cursor, request.known], [undefined, 5, [3, 2, 1]]);
  });

  it('merges a reply: new order, changed rows replaced, unchanged ones kept', () => {
    const s = roundTrip(loaded(), { cursor: 6, page: { total: 4, order: [4, 3, 2, 1], rows: [task(4), task(2, { status: 'failed' })] } });
    assert.deepEqual(s.rows.map((t) => [t.id, t.status]), [[4, 'succeeded'], [3, 'succeeded'], [2, 'failed'], [1, 'succeeded']]);
    assert.deepEqual([s.total, s.cursor, s.stale], [4, 6, false]);
  });

  it('asks for a refresh when a reply names a row it does not have', () => {
    const s = roundTrip(loaded(), { cursor: 6, page: { total: 1, order: [99], rows: [] } });
    assert.equal(s.stale, true);
    assert.equal(s.cursor, 5, 'cursor not advanced past data it failed to merge');
  });

  it('drops a reply to a query the user has since changed', () => {
    const s = loaded();
    const { sent } = pollRequest(s, 1);
    const moved = setFilters(s, { status: 'failed' });
    const after = applyPoll(moved, { type: 'changes', id: 1, cursor: 9, page: { total: 0, order: [], rows: [] } }, sent);
    assert.equal(after.rows.length, 3);
    assert.equal(after.stale, true);
    assert.equal(after.cursor, 5);
  });

  it('appends log lines once, in order, for the selected task only', () => {
    let s = select(loaded(), 2);
    assert.deepEqual([s.selected?.id, pollRequest(s, 1).request.selectedTaskId, pollRequest(s, 1).request.logAfterSeq], [2, 2, 0]);
    s = roundTrip(s, { cursor: 5, log: { taskId: 2, lines: [[1, 0, 1, 'a'], [2, 0, 3, 'b']], more: true } });
    assert.equal(s.logMore, true);
    s = roundTrip(s, { cursor: 5, log: { taskId: 2, lines: [[2, 0, 3, 'b'], [3, 0, 2, 'c']], more: false } });
    assert.deepEqual(s.log.map((l) => `${l.seq}${l.level}${l.text}`), ['1infoa', '2errorb', '3warnc']);
    assert.equal(pollRequest(s, 1).request.logAfterSeq, 3);
    s = roundTrip(s, { cursor: 5, log: { taskId: 7, lines: [[4, 0, 1, 'other task']], more: false } });
    assert.equal(s.log.length, 3);
  });

  it('takes the selected task from the page rows when the reply carries it there', () => {
    const s = roundTrip(select(loaded(), 2), { cursor: 6, page: { total: 3, order: [3, 2, 1], rows: [task(2, { status: 'failed' })] } });
    assert.equal(s.selected?.status, 'failed');
    assert.equal(roundTrip(s, { cursor: 7, selected: null }).selected, null);
  });

  it('ignores log lines that were asked for an earlier selection', () => {
    const s = select(loaded(), 2);
    const { sent } = pollRequest(s, 1);
    const other = select(s, 3);
    const after = applyPoll(other, { type: 'changes', id: 1, cursor: 5, log: { taskId: 2, lines: [[1, 0, 1, 'a']], more: false } }, sent);
    assert.deepEqual(after.log, []);
    assert.equal(applyTask(other, task(2), s.selGen).selected?.id, 3, 'stale getTask reply ignored');
  });

  it('keeps at most MAX_LOG_LINES lines, dropping the oldest', () => {
    let s = select(loaded(), 1);
    const lines = Array.from({ length: MAX_LOG_LINES + 5 }, (_, i): [number, number, number, string] => [i + 1, 0, 1, `l${i + 1}`]);
    s = roundTrip(s, { cursor: 5, log: { taskId: 1, lines, more: false } });
    assert.equal(s.log.length, MAX_LOG_LINES);
    assert.equal(s.log[0].seq, 6);
    assert.equal(s.logClipped, true);
  });

  it('filters the visible log by minimum level', () => {
    let s = select(loaded(), 1);
    s = roundTrip(s, { cursor: 5, log: { taskId: 1, lines: [[1, 0, 0, 'd'], [2, 0, 1, 'i'], [3, 0, 2, 'w'], [4, 0, 3, 'e']], more: false } });
    assert.deepEqual(visibleLog({ ...s, logLevel: 'warn' }).map((l) => l.text), ['w', 'e']);
    assert.equal(visibleLog(s).length, 4);
  });

  it('clears the log when the store was recreated (cursor went back)', () => {
    let s = select(loaded(), 1);
    s = roundTrip(s, { cursor: 5, log: { taskId: 1, lines: [[1, 0, 1, 'old']], more: false } });
    s = roundTrip(s, { cursor: 1, page: { total: 1, order: [1], rows: [task(1)] } });
    assert.deepEqual([s.log.length, s.logSeq, s.cursor], [0, 0, 1]);
  });

  it('sorts: a new column starts in its natural direction, the same column toggles, page resets', () => {
    let s = setOffset({ ...loaded(), total: 500 }, 100);
    assert.equal(s.offset, 100);
    s = setSort(s, 'envId');
    assert.deepEqual([s.sort, s.descending, s.offset, s.stale], ['envId', false, 0, true]);
    assert.equal(ariaSort(s, 'envId'), 'ascending');
    s = setSort(s, 'envId');
    assert.equal(ariaSort(s, 'envId'), 'descending');
    assert.equal(ariaSort(s, 'size'), 'none');
    assert.equal(setSort(s, 'size').descending, true);
  });

  it('builds the query from filters, with an inclusive local date range', () => {
    const s = setFilters(initialState(), { envId: 'db', status: 'failed', kind: 'verify', trigger: 'scheduled', text: '  disk ', from: '2026-11-01', to: '2026-11-02' });
    const q = buildQuery(s);
    assert.deepEqual([q.envIds, q.statuses, q.kinds, q.triggers, q.text], [['db'], ['failed'], ['verify'], ['scheduled'], 'disk']);
    assert.equal(q.from, new Date(2026, 10, 1).getTime());
    assert.equal(q.to, new Date(2026, 10, 3).getTime() - 1);
    assert.deepEqual(buildQuery(clearFilters(s)), { sort: 'queuedAt', descending: true, offset: 0, limit: 50, runs: true });
    assert.deepEqual(buildQuery(setRuns(clearFilters(s), false)), { sort: 'queuedAt', descending: true, offset: 0, limit: 50 }, 'the flat view');
  });

  it('one row per run by default: the page counts runs, a follow-up rides with its backup; the flat view and the overview are remembered', () => {
    let s = initialState();
    assert.deepEqual([s.runs, s.overview], [true, true]);
    const rows = [task(1), task(2, { kind: 'verify', parentId: 1 }), task(3)];
    assert.equal(shownCount({ rows, runs: true }), 2);
    assert.equal(shownCount({ rows, runs: false }), 3);
    s = setRuns({ ...s, gen: 4, stale: false }, false);
    assert.deepEqual([s.runs, s.stale, s.gen, s.offset], [false, true, 5, 0]);
    const closed = setOverview(s, false);
    assert.equal(closed.gen, s.gen, 'closing the overview needs no refetch');
    assert.equal(pollRequest(closed, 1).request.overview, undefined);
    const open = setOverview(closed, true);
    assert.equal(open.stale, true, 'opening it asks the host for its figures');
    assert.equal(pollRequest(open, 1).request.overview, true);
    assert.deepEqual([restorePersisted(persisted(closed)).runs, restorePersisted(persisted(closed)).overview], [false, false]);
  });

  it('clamps paging to the pages that exist', () => {
    const s = { ...loaded(), total: 120 };
    assert.equal(setOffset(s, 1000).offset, 100);
    assert.equal(setOffset(s, -5), s, 'already on the first page: no change, no refetch');
    assert.deepEqual(pageInfo({ ...setOffset(s, 50), rows: s.rows }), { page: 2, pages: 3, first: 51, last: 53 });
    assert.equal(setPageSize(s, 7), s, 'only offered page sizes');
    assert.equal(setPageSize(s, 100).pageSize, 100);
  });

  it('keeps filters, sort, page and selection across a reload, and rejects junk from an old version', () => {
    const s = select(setSort(setFilters(loaded(), { text: 'x', from: '2026-01-02' }), 'size'), 3);
    const back = initialState(JSON.parse(JSON.stringify(persisted(s))));
    assert.deepEqual([back.filters.text, back.filters.from, back.sort, back.selectedId], ['x', '2026-01-02', 'size', 3]);
    const junk = restorePersisted({ sort: 'drop', offset: -3, pageSize: 7, filters: { status: 'exploded', from: 'yesterday' }, selectedId: 'a' });
    assert.deepEqual([junk.sort, junk.offset, junk.pageSize, junk.filters.status, junk.filters.from, junk.selectedId], ['queuedAt', 0, 50, '', '', undefined]);
    assert.equal(restorePersisted(null).sort, 'queuedAt');
  });

  it('polls again at once only while something is due, and never right after a failure', () => {
    const idle = { ...loaded(), pollMs: 2000 };
    assert.equal(nextPollDelay(idle, { failed: false, pollAgain: false }), 2000);
    assert.equal(nextPollDelay(idle, { failed: false, pollAgain: true }), 0);
    assert.equal(nextPollDelay({ ...idle, logMore: true }, { failed: false, pollAgain: false }), 0);
    const stale = setFilters(idle, { kind: 'prune' });
    assert.equal(nextPollDelay(stale, { failed: false, pollAgain: false }), 0);
    assert.equal(nextPollDelay(stale, { failed: true, pollAgain: true }), 2000);
  });

  it('with long polling: at once after changes or a held "unchanged", the rest of the interval after an early "unchanged"', () => {
    const idle = { ...loaded(), pollMs: 2000 };
    assert.equal(nextPollDelay(idle, { failed: false, pollAgain: false, changed: true, elapsedMs: 5 }), 0);
    assert.equal(nextPollDelay(idle, { failed: false, pollAgain: false, changed: false, elapsedMs: 2004 }), 0);
    assert.equal(nextPollDelay(idle, { failed: false, pollAgain: false, changed: false, elapsedMs: 300 }), 1700);
    assert.equal(nextPollDelay(idle, { failed: true, pollAgain: false, changed: true, elapsedMs: 5 }), 2000);
    assert.equal(pollTimeoutMs(idle), 17_000);
  });

  it('moves row focus with navigation keys within bounds', () => {
    assert.deepEqual(['ArrowDown', 'ArrowUp', 'Home', 'End', 'PageDown', 'x'].map((k) => moveIndex(k, 0, 5, 10)), [1, 0, 0, 4, 4, undefined]);
    assert.equal(moveIndex('ArrowDown', 0, 0), undefined);
  });

  it('counts a running task\'s duration up to now', () => {
    assert.equal(taskDuration(task(1, { status: 'running', startedAt: 100, finishedAt: null }), 350), 250);
    assert.equal(taskDuration(task(1, { status: 'queued', startedAt: null, finishedAt: null }), 350), undefined);
    assert.equal(taskDuration(task(1, { startedAt: 100, finishedAt: 160 }), 999), 60);
  });
});
