// The overview's figures from a real tasks.db (sql.js): the strip's outcomes, the health line's
// numbers (last good backup, failures in a row, due and overdue), size added and stored; and the
// Task Log controller sending them, and pages of runs, on the poll protocol.
import * as assert from 'node:assert/strict';
import { silentLogger } from '../../../src/extension/core/ports';
import { environmentOverview, OverviewCache } from '../../../src/extension/core/health/overview';
import type { SqlTaskStore } from '../../../src/extension/core/store/sqlStore';
import { TaskLogController } from '../../../src/extension/ui/taskLogController';
import type { TaskKind, TaskStatus } from '../../../src/shared/model';
import { OVERVIEW_RUNS } from '../../../src/shared/overview';
import type { ChangesReply, HostReply } from '../../../src/shared/protocol';
import { openStore, removeTempDirs, tempDir } from '../store/helpers';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 10, 28, 0);

describe('overview figures from tasks.db', function () {
  this.timeout(20_000);
  let store: SqlTaskStore;
  beforeEach(async () => ({ store } = await openStore(tempDir())));
  afterEach(async () => {
    await store.dispose();
    removeTempDirs();
  });

  /** One hourly run at hour `h`: a backup of `size` bytes, then verify and prune as given (a failed step ends the run). */
  function run(h: number, backup: TaskStatus, steps: [TaskKind, TaskStatus][] = [], size = 1000, envId = 'docs') {
    const at = T0 + h * HOUR;
    const head = store.createTask({ envId, kind: 'backup', trigger: 'scheduled', status: backup, queuedAt: at, startedAt: at, finishedAt: at + 60_000 });
    if (backup === 'succeeded') store.updateTask(head.id, { result: { archivePath: `/b/${h}.tar.gz`, size } });
    let end = at + 60_000;
    for (const [kind, status] of steps) {
      const s = store.createTask({ envId, kind, trigger: 'scheduled', status: 'running', queuedAt: end, startedAt: end, parentId: head.id });
      end += 30_000;
      store.updateTask(s.id, { status, finishedAt: end, result: kind === 'prune' && status === 'succeeded' ? { storedSize: 10_000 + h } : null });
    }
    return { head, end };
  }
  const env = { id: 'docs', name: 'Docs', schedule: '0 * * * *', enabled: true, timezone: 'UTC' };

  it('a healthy environment: every run good, sizes added and stored, due at the next hour', () => {
    let last = 0;
    for (let h = 0; h < 5; h++) last = run(h, 'succeeded', [['verify', 'succeeded'], ['prune', 'succeeded']], 1000 + h).end;
    const o = environmentOverview(store, env, T0 + 4 * HOUR + 10 * 60_000);
    assert.deepEqual(o.runs.map((r) => r.status), ['succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded']);
    assert.deepEqual(o.runs.map((r) => r.added), [1000, 1001, 1002, 1003, 1004]);
    assert.deepEqual(o.runs.map((r) => r.stored), [10_000, 10_001, 10_002, 10_003, 10_004]);
    assert.equal(o.runs[4].duration, 2 * 60_000, 'backup start to the prune\'s end');
    assert.equal(o.failuresInRow, 0);
    assert.equal(o.lastGoodAt, last);
    assert.equal(o.dueAt, T0 + 5 * HOUR);
    assert.equal(o.overdueAt, T0 + 6 * HOUR);
    assert.equal(o.scheduleText, 'Every hour');
  });

  it('a failing environment: failures in a row counted from the newest, the failed step named, due since the last good run', () => {
    const good = run(0, 'succeeded', [['verify', 'succeeded']]);
    run(1, 'succeeded', [['verify', 'failed']]);
    run(2, 'failed');
    run(3, 'succeeded', [['verify', 'succeeded'], ['prune', 'failed']]);
    const o = environmentOverview(store, env, T0 + 3 * HOUR + 30 * 60_000);
    assert.deepEqual(o.runs.map((r) => `${r.status}${r.worstKind ? `:${r.worstKind}` : ''}`), ['succeeded', 'failed:verify', 'failed', 'failed:prune']);
    assert.equal(o.failuresInRow, 3);
    assert.equal(o.failuresCapped, undefined);
    assert.equal(o.lastGoodAt, good.end);
    assert.equal(o.dueAt, T0 + HOUR);
    assert.ok(o.overdueAt! <= T0 + 3 * HOUR + 30 * 60_000, 'two runs missed: overdue');
  });

  it('keeps the last 30 runs; when all of them failed the count says so, and the last good backup comes from further back', () => {
    run(0, 'succeeded');
    for (let h = 1; h <= OVERVIEW_RUNS + 5; h++) run(h, 'failed');
    const o = environmentOverview(store, env, T0 + 40 * HOUR);
    assert.equal(o.runs.length, OVERVIEW_RUNS);
    assert.equal(o.failuresInRow, OVERVIEW_RUNS);
    assert.equal(o.failuresCapped, true);
    assert.equal(o.lastGoodAt, T0 + 60_000);
  });

  it('a run in progress does not break the count; a disabled environment is never due', () => {
    run(0, 'failed');
    const at = T0 + HOUR;
    store.createTask({ envId: 'docs', kind: 'backup', trigger: 'manual', status: 'running', queuedAt: at, startedAt: at });
    const o = environmentOverview(store, { ...env, enabled: false }, at + 1000);
    assert.equal(o.runs[1].status, 'running');
    assert.equal(o.failuresInRow, 1);
    assert.equal(o.dueAt, undefined);
  });

  it('the cache recomputes only the environments whose tasks changed, or whose settings did', () => {
    run(0, 'succeeded', [], 1000, 'docs');
    run(0, 'succeeded', [], 1000, 'db');
    const asked: string[] = [];
    const reader = { recentRuns: (id: string, n: number) => (asked.push(id), store.recentRuns(id, n)), lastSucceeded: store.lastSucceeded.bind(store), changesSince: store.changesSince.bind(store) };
    const cache = new OverviewCache(reader);
    const envs = [env, { ...env, id: 'db', name: 'DB' }];
    assert.deepEqual(cache.get(envs, T0 + HOUR).map((o) => o.runs.length), [1, 1]);
    assert.deepEqual(asked.splice(0), ['docs', 'db']);
    assert.deepEqual(cache.get(envs, T0 + HOUR).map((o) => o.runs.length), [1, 1]);
    assert.deepEqual(asked.splice(0), [], 'nothing changed: nothing read');
    run(1, 'failed', [], 1000, 'db');
    assert.deepEqual(cache.get(envs, T0 + 2 * HOUR).map((o) => o.runs.length), [1, 2]);
    assert.deepEqual(asked.splice(0), ['db']);
    cache.get([{ ...env, schedule: '30 * * * *' }, envs[1]], T0 + 2 * HOUR);
    assert.deepEqual(asked.splice(0), ['docs'], 'an edited schedule');
  });

  it('the Task Log controller sends the overview with the poll that asked, and a page of runs with their follow-ups', async () => {
    run(0, 'succeeded', [['verify', 'succeeded'], ['prune', 'succeeded']]);
    run(1, 'succeeded', [['verify', 'failed']]);
    const ctl = new TaskLogController({
      searchTasks: (q) => store.searchTasks(q), logAfter: (...a) => store.logAfter(...a), changesSince: (r) => store.changesSince(r), getTask: (id) => store.getTask(id),
      environments: () => [{ id: 'docs', name: 'Docs' }],
      overview: () => [environmentOverview(store, env, T0 + 2 * HOUR)],
      runAction: async () => undefined,
    }, silentLogger);
    const first = (await ctl.handle({ type: 'poll', id: 1, cursor: 0, refresh: true, overview: true, query: { runs: true, limit: 10 } })) as ChangesReply;
    assert.equal(first.type, 'changes');
    assert.equal(first.page!.total, 2);
    assert.deepEqual(first.page!.rows.map((r) => `${r.kind}:${r.parentId ?? '-'}`), ['backup:-', 'verify:4', 'backup:-', 'verify:1', 'prune:1']);
    assert.deepEqual(first.overview!.map((o) => o.runs.map((r) => r.status)), [['succeeded', 'failed']]);
    const again = (await ctl.handle({ type: 'poll', id: 2, cursor: first.cursor, overview: true, known: first.page!.order, envVersion: first.environments!.version, query: { runs: true, limit: 10 } })) as HostReply;
    assert.equal(again.type, 'unchanged', 'nothing changed: no overview resent');
    const flat = (await ctl.handle({ type: 'poll', id: 3, cursor: 0, refresh: true, query: { limit: 10 } })) as ChangesReply;
    assert.equal(flat.page!.total, 5);
    assert.equal(flat.overview, undefined, 'not asked for');
  });
});
