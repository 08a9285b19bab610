// What the history table and the live log ask of the store: filtered, sorted pages with a total,
// log lines after a seq, and only what changed since the last poll.
import * as assert from 'node:assert/strict';
import { SORT_COLUMNS, TASK_KINDS, TASK_STATUSES, TASK_TRIGGERS, type SortColumn, type TaskRecord } from '../../../src/shared/model';
import type { SqlTaskStore } from '../../../src/extension/core/store/sqlStore';
import { openStore, removeTempDirs, task, tempDir } from './helpers';

const ENVS = ['docs', 'mail', 'photos'];
// Recent enough that maxAgeDays (applied on its own after writes) keeps every task.
const BASE = Date.UTC(2026, 10, 27);

/** 60 varied tasks: every status, kind and trigger; some without start, finish or size. */
function fill(store: SqlTaskStore): TaskRecord[] {
  let seed = 7;
  const rnd = (n: number) => (seed = (seed * 48271) % 2147483647) % n;
  for (let i = 0; i < 60; i++) {
    const status = TASK_STATUSES[i % TASK_STATUSES.length];
    const queuedAt = BASE + rnd(50) * 1000; // repeats on purpose: ties must still page stably
    const started = status !== 'queued' && status !== 'skipped';
    const finished = started && status !== 'running';
    const t = store.createTask(task({
      envId: ENVS[rnd(3)], kind: TASK_KINDS[rnd(4)], trigger: TASK_TRIGGERS[rnd(3)], status, queuedAt,
      startedAt: started ? queuedAt + rnd(5) * 100 : null,
      finishedAt: finished ? queuedAt + 1000 + rnd(20) * 100 : null,
      error: status === 'failed' ? `tar exited with code ${i}` : null,
      skipReason: status === 'skipped' ? 'Previous backup still RUNNING' : null,
    }));
    if (finished && i % 3 !== 0) store.updateTask(t.id, { result: { size: rnd(5) * 1000, summary: i % 5 === 0 ? `${i} files 100%_done` : undefined } });
    store.appendLog(t.id, 'info', `archiving task ${i}`, queuedAt);
    if (i === 13) store.appendLog(t.id, 'warn', 'Permission denied: secret.key', queuedAt);
  }
  return store.queryTasks({ limit: 1000 }).rows;
}

function value(t: TaskRecord, c: SortColumn): string | number | null {
  switch (c) {
    case 'duration': return t.startedAt !== null && t.finishedAt !== null ? t.finishedAt - t.startedAt : null;
    case 'size': return t.result?.size ?? null;
    default: return t[c];
  }
}

/** The reference order: by the column, empty values last in both directions, then queuedAt, then id. */
function sorted(all: TaskRecord[], c: SortColumn, desc: boolean): number[] {
  const dir = desc ? -1 : 1;
  const ties = (a: TaskRecord, b: TaskRecord) => dir * (a.queuedAt - b.queuedAt || a.id - b.id);
  return [...all].sort((a, b) => {
    const va = value(a, c), vb = value(b, c);
    if (va === null || vb === null) return va === vb ? ties(a, b) : va === null ? 1 : -1;
    if (va !== vb) return va < vb ? -dir : dir;
    return ties(a, b);
  }).map((t) => t.id);
}

describe('store: queries', function () {
  this.timeout(20_000); // the first open compiles the WASM; the CI box may be busy
  let store: SqlTaskStore;
  let all: TaskRecord[];
  before(async () => {
    store = (await openStore(tempDir())).store;
    all = fill(store);
  });
  after(async () => {
    await store.dispose();
    removeTempDirs();
  });

  for (const column of SORT_COLUMNS) {
    for (const descending of [false, true]) {
      it(`sorts on ${column} ${descending ? 'descending' : 'ascending'}`, () => {
        const page = store.queryTasks({ sort: column, descending, limit: 1000 });
        assert.equal(page.total, 60);
        assert.deepEqual(page.rows.map((r) => r.id), sorted(all, column, descending));
      });
    }
  }

  it('with no sort given, shows the newest queued first', () => {
    assert.deepEqual(store.queryTasks({ limit: 1000 }).rows.map((r) => r.id), sorted(all, 'queuedAt', true));
  });

  it('pages concatenate to the whole sorted list, with the total on each page', () => {
    const ids: number[] = [];
    for (let offset = 0; offset < 60; offset += 7) {
      const page = store.queryTasks({ sort: 'duration', descending: true, offset, limit: 7 });
      assert.equal(page.total, 60);
      ids.push(...page.rows.map((r) => r.id));
    }
    assert.deepEqual(ids, sorted(all, 'duration', true));
  });

  const filters: [string, Parameters<SqlTaskStore['queryTasks']>[0], (t: TaskRecord) => boolean][] = [
    ['environment', { envIds: ['docs', 'photos'] }, (t) => t.envId === 'docs' || t.envId === 'photos'],
    ['status', { statuses: ['failed', 'interrupted'] }, (t) => t.status === 'failed' || t.status === 'interrupted'],
    ['kind', { kinds: ['verify'] }, (t) => t.kind === 'verify'],
    ['trigger', { triggers: ['catch-up', 'manual'] }, (t) => t.trigger !== 'scheduled'],
    ['date range (inclusive)', { from: BASE + 10_000, to: BASE + 20_000 }, (t) => t.queuedAt >= BASE + 10_000 && t.queuedAt <= BASE + 20_000],
    ['text in the error, any case', { text: 'CODE 1' }, (t) => /code 1/i.test(t.error ?? '')],
    ['text in the skip reason', { text: 'still running' }, (t) => t.skipReason !== null],
    ['text in the result summary, % and _ taken literally', { text: '100%_d' }, (t) => (t.result?.summary ?? '').includes('100%_d')],
    ['text in a log line', { text: 'secret.key' }, (t) => t.warnings === 1],
    ['everything at once', { envIds: ['mail'], statuses: ['failed', 'succeeded'], text: 'archiving' }, (t) => t.envId === 'mail' && (t.status === 'failed' || t.status === 'succeeded')],
    ['empty lists mean no filter', { envIds: [], statuses: [] }, () => true],
  ];
  for (const [name, filter, expected] of filters) {
    it(`filters by ${name}`, () => {
      const want = all.filter(expected).map((t) => t.id).sort((a, b) => a - b);
      assert.ok(want.length > 0 && (want.length < 60 || name.startsWith('empty')), 'the data set exercises the filter');
      const page = store.queryTasks({ ...filter, sort: 'id', limit: 1000 });
      assert.equal(page.total, want.length);
      assert.deepEqual(page.rows.map((r) => r.id), want);
      // Small pages take the other plan (walking the sort index, see preferSortIndex) for most filters.
      const paged: number[] = [];
      for (let offset = 0; offset < want.length; offset += 4) paged.push(...store.queryTasks({ ...filter, sort: 'size', descending: true, offset, limit: 4 }).rows.map((r) => r.id));
      assert.deepEqual(paged, sorted(all.filter(expected), 'size', true));
    });
  }

  it('a page past the end is empty but still has the total; odd paging values are clamped', () => {
    assert.deepEqual(store.queryTasks({ offset: 500 }), { rows: [], total: 60 });
    assert.equal(store.queryTasks({ limit: -5 }).rows.length, 1);
    assert.equal(store.queryTasks({ limit: 1e9 }).rows.length, 60);
    assert.equal(store.queryTasks({ sort: 'bogus' as SortColumn, limit: 3 }).rows.length, 3);
  });

  it('logAfter returns lines after a seq, in order, at most limit', async () => {
    const t = store.createTask(task({ status: 'running' }));
    for (let i = 1; i <= 10; i++) store.appendLog(t.id, i === 4 ? 'error' : 'info', `l${i}`, i);
    assert.deepEqual(store.logAfter(t.id, 3, 4).map((l) => [l.seq, l.text, l.level]), [[4, 'l4', 'error'], [5, 'l5', 'info'], [6, 'l6', 'info'], [7, 'l7', 'info']]);
    assert.deepEqual(store.logAfter(t.id, 10, 5), []);
    assert.deepEqual(store.logAfter(9999, 0, 5), []);
    await store.clearHistory(); // leaves the running task
  });

  it('lastSucceeded finds the newest good run of an environment and kind', () => {
    const good = all.filter((t) => t.status === 'succeeded' && t.envId === 'docs' && t.kind === 'backup');
    const want = good.sort((a, b) => b.finishedAt! - a.finishedAt! || b.id - a.id)[0];
    assert.equal(store.lastSucceeded('docs', 'backup')?.id, want?.id);
    assert.equal(store.lastSucceeded('nowhere', 'backup'), undefined);
  });
});

describe('store: page totals', function () {
  this.timeout(20_000); // the first open compiles the WASM; the CI box may be busy
  afterEach(removeTempDirs);

  it('stay right while tasks are created, change status and are deleted', async () => {
    const { store } = await openStore(tempDir());
    const failed = { statuses: ['failed' as const], sort: 'id' as const };
    const a = store.createTask(task({ status: 'running' }));
    assert.equal(store.queryTasks(failed).total, 0);
    store.updateTask(a.id, { status: 'failed', finishedAt: a.queuedAt + 1 });
    assert.equal(store.queryTasks(failed).total, 1);
    store.createTask(task({ status: 'failed' }));
    assert.equal(store.queryTasks({ ...failed, offset: 1 }).total, 2);
    await store.clearHistory();
    assert.deepEqual(store.queryTasks(failed), { rows: [], total: 0 });
    await store.dispose();
  });
});

describe('store: changesSince (the UI poll cursor)', function () {
  this.timeout(20_000); // the first open compiles the WASM; the CI box may be busy
  afterEach(removeTempDirs);

  it('returns only rows created or changed after the cursor', async () => {
    const { store } = await openStore(tempDir());
    const a = store.createTask(task({ status: 'running' }));
    const b = store.createTask(task({ status: 'running' }));
    const c = store.createTask(task());
    const first = store.changesSince(0);
    assert.deepEqual(first.tasks.map((t) => t.id), [a.id, b.id, c.id]);
    assert.equal(first.removed, false);

    const quiet = store.changesSince(first.revision);
    assert.deepEqual(quiet, { revision: first.revision, tasks: [], removed: false });

    store.updateTask(b.id, { progress: { percent: 30 } });
    store.appendLog(a.id, 'info', 'new line', 1); // a new line changes the row's lastSeq
    const next = store.changesSince(first.revision);
    assert.deepEqual(next.tasks.map((t) => [t.id, t.lastSeq]), [[a.id, 1], [b.id, 0]]);
    assert.equal(next.tasks[1].progress?.percent, 30);
    assert.ok(next.revision > first.revision);
    assert.deepEqual(store.changesSince(next.revision).tasks, []);
    await store.dispose();
  });

  it('says removed when rows were deleted after the cursor, and not for older deletions', async () => {
    const { store } = await openStore(tempDir());
    store.createTask(task());
    const before = store.changesSince(0).revision;
    await store.clearHistory();
    const after = store.changesSince(before);
    assert.equal(after.removed, true);
    assert.equal(store.changesSince(after.revision).removed, false);
    await store.dispose();
  });

  it('a cursor from the future (the store lost its last window in a crash) asks for a refetch', async () => {
    const { store } = await openStore(tempDir());
    store.createTask(task());
    assert.equal(store.changesSince(store.changesSince(0).revision + 50).removed, true);
    await store.dispose();
  });
});
