// Runs: a backup and the verify and prune that follow it are one run. The chain (TaskManager's
// follow-ups) and a verify started by hand link their tasks in tasks.db; the store keeps the run's
// outcome on its first task and pages runs; groupRuns (shared by the webview and the Tasks view)
// groups what a page holds. Real sql.js store; the work of each task is a stand-in function.
import * as assert from 'node:assert/strict';
import initSqlJs from 'sql.js';
import { silentLogger } from '../../../src/extension/core/ports';
import { MIGRATIONS, prepareSchema } from '../../../src/extension/core/store/schema';
import { CHANGES_SQL, RECENT_RUNS_SQL, type SqlTaskStore } from '../../../src/extension/core/store/sqlStore';
import { TaskManager, type TaskSpec } from '../../../src/extension/core/tasks/taskManager';
import type { TaskRecord, TaskResult } from '../../../src/shared/model';
import { groupRuns, runDuration, runOutcome } from '../../../src/shared/runs';
import { manualClock, openStore, removeTempDirs, task, tempDir } from './helpers';

type Step = 'ok' | 'fail';

describe('runs: one row per backup and its follow-ups', function () {
  this.timeout(20_000);
  let store: SqlTaskStore;
  let manager: TaskManager;

  beforeEach(async () => {
    ({ store } = await openStore(tempDir()));
    manager = new TaskManager({ store, clock: manualClock(), logger: silentLogger, progressIntervalMs: 10 });
  });
  afterEach(async () => {
    await manager.dispose();
    await store.dispose();
    removeTempDirs();
  });

  const work = (outcome: Step, result: TaskResult = {}) => async (): Promise<TaskResult> => {
    if (outcome === 'fail') throw new Error('disk full');
    return result;
  };

  /** Runs a backup with the chain's verify and prune, each succeeding or failing as asked; waits for the chain's end. */
  async function chain(envId: string, backup: Step, verify: Step, prune: Step): Promise<TaskRecord> {
    const steps: TaskSpec[] = [
      { envId, kind: 'verify', trigger: 'scheduled', work: work(verify) },
      { envId, kind: 'prune', trigger: 'scheduled', work: work(prune, { storedSize: 1234 }) },
    ];
    const out = manager.start({ envId, kind: 'backup', trigger: 'scheduled', work: work(backup, { archivePath: '/b/x.tar.gz', size: 100 }), followUps: () => steps });
    assert.ok(out.kind === 'started' || out.kind === 'queued');
    const head = await out.done;
    // The follow-ups run after `done`; wait until the environment is free.
    for (let i = 0; i < 200 && manager.isBusy(envId); i++) await new Promise((r) => setTimeout(r, 5));
    assert.equal(manager.isBusy(envId), false);
    return store.getTask(head.id)!;
  }

  const summary = (t: TaskRecord[]) => t.map((x) => `${x.kind}:${x.status}`).join(' ');

  it('the chain links verify and prune to their backup; the run succeeded', async () => {
    const head = await chain('docs', 'ok', 'ok', 'ok');
    const [run] = store.recentRuns('docs', 30);
    assert.equal(run.head.id, head.id);
    assert.equal(summary(run.steps), 'verify:succeeded prune:succeeded');
    assert.ok(run.steps.every((s) => s.parentId === head.id));
    assert.equal(head.parentId, null);
    assert.equal(head.runStatus, 'succeeded');
    assert.equal(run.steps[1].result?.storedSize, 1234);
  });

  it('a failing verify fails the run and names the verify; the prune does not run', async () => {
    const head = await chain('docs', 'ok', 'fail', 'ok');
    assert.equal(head.status, 'succeeded', 'the backup itself went well');
    assert.equal(head.runStatus, 'failed');
    const [run] = store.recentRuns('docs', 30);
    assert.equal(summary(run.steps), 'verify:failed');
    const grouped = groupRuns([run.head, ...run.steps]);
    assert.equal(grouped.length, 1);
    assert.equal(grouped[0].status, 'failed');
    assert.equal(grouped[0].worst?.kind, 'verify');
  });

  it('a failing prune fails the run and names the prune', async () => {
    const head = await chain('docs', 'ok', 'ok', 'fail');
    assert.equal(head.runStatus, 'failed');
    const [run] = store.recentRuns('docs', 30);
    const [g] = groupRuns([run.head, ...run.steps]);
    assert.equal(g.worst?.kind, 'prune');
    assert.equal(summary(g.steps), 'verify:succeeded prune:failed');
  });

  it('a failing backup is a run of one failed task, with no follow-ups', async () => {
    const head = await chain('docs', 'fail', 'ok', 'ok');
    assert.equal(head.runStatus, 'failed');
    const [run] = store.recentRuns('docs', 30);
    assert.deepEqual(run.steps, []);
    assert.equal(groupRuns([run.head])[0].worst?.id, head.id);
  });

  it('a verify started by hand for a backup joins its run; its latest attempt decides the outcome', async () => {
    const head = await chain('docs', 'ok', 'fail', 'ok');
    assert.equal(head.runStatus, 'failed');
    // As BackupService.verify(env, backupId) does for "Verify Backup" and Retry: parentId is the backup that made it.
    const again = manager.start({ envId: 'docs', kind: 'verify', trigger: 'manual', parentId: head.id, work: work('ok') });
    assert.ok(again.kind === 'started' || again.kind === 'queued');
    await again.done;
    const after = store.getTask(head.id)!;
    assert.equal(after.runStatus, 'succeeded', 'the verify passed when run again');
    assert.ok(after.revision > head.revision, 'the run row changed, so the panel redraws it');
    const [run] = store.recentRuns('docs', 30);
    assert.equal(summary(run.steps), 'verify:failed verify:succeeded');
    assert.equal(run.steps[1].trigger, 'manual');
  });

  it('a page of runs: one row per run, steps alongside; status, kind and text filters match the run', async () => {
    await chain('docs', 'ok', 'ok', 'ok');
    await chain('docs', 'ok', 'fail', 'ok');
    await chain('docs', 'fail', 'ok', 'ok');
    const lone = store.createTask(task({ kind: 'verify', trigger: 'manual', status: 'succeeded' }));
    const flat = store.queryTasks({ sort: 'id', limit: 100 });
    assert.equal(flat.total, 3 + 2 + 1 + 1);
    const runs = store.queryTasks({ runs: true, sort: 'id', descending: false, limit: 100 });
    assert.equal(runs.total, 4);
    assert.deepEqual(runs.rows.map((r) => r.kind), ['backup', 'backup', 'backup', 'verify']);
    assert.equal(runs.steps!.length, 3);
    assert.deepEqual(groupRuns([...runs.rows, ...runs.steps!]).map((r) => r.status), ['succeeded', 'failed', 'failed', 'succeeded']);
    const failed = store.queryTasks({ runs: true, statuses: ['failed'], sort: 'id', limit: 100 });
    assert.equal(failed.total, 2, 'the failed verify fails its run');
    const good = store.queryTasks({ runs: true, statuses: ['succeeded'], limit: 100 });
    assert.deepEqual(good.rows.map((r) => r.id).sort(), [runs.rows[0].id, lone.id].sort());
    const withVerify = store.queryTasks({ runs: true, kinds: ['verify'], limit: 100 });
    assert.equal(withVerify.total, 3, 'two runs with a verify, and the lone verify');
    const text = store.queryTasks({ runs: true, text: 'disk full', limit: 100 });
    assert.equal(text.total, 2, 'the error of a step finds its run');
    const byStatus = store.queryTasks({ runs: true, sort: 'status', limit: 100 });
    assert.deepEqual(byStatus.rows.map((r) => r.runStatus), ['failed', 'failed', 'succeeded', 'succeeded']);
  });

  it('when bounds remove a backup, its follow-ups become runs of their own', async () => {
    const head = await chain('docs', 'ok', 'ok', 'ok');
    store.setBounds({ maxAgeDays: 90, maxTasks: 2, maxLinesPerTask: 2000 }); // the oldest (the backup) goes
    assert.equal(store.getTask(head.id), undefined);
    const runs = store.queryTasks({ runs: true, sort: 'id', descending: false, limit: 100 });
    assert.equal(summary(runs.rows), 'verify:succeeded prune:succeeded');
    assert.ok(runs.rows.every((r) => r.parentId === null && r.runStatus === 'succeeded'));
  });
});

describe('runs: grouping and outcome (pure)', () => {
  let next = 1;
  const t = (o: Partial<TaskRecord>): TaskRecord => ({
    id: next++, envId: 'e', kind: 'backup', trigger: 'scheduled', status: 'succeeded', queuedAt: 0, startedAt: 0, finishedAt: 10,
    progress: null, result: null, error: null, skipReason: null, warnings: 0, logCount: 0, lastSeq: 0, revision: 1, parentId: null, ...o,
  });

  it('keeps the order of first tasks; a follow-up whose backup is not on the page is its own run', () => {
    const a = t({});
    const av = t({ kind: 'verify', parentId: a.id, startedAt: 11, finishedAt: 30 });
    const orphan = t({ kind: 'prune', parentId: 9999 });
    const b = t({ status: 'failed' });
    const runs = groupRuns([b, a, orphan, av]);
    assert.deepEqual(runs.map((r) => r.head.id), [b.id, a.id, orphan.id]);
    assert.deepEqual(runs[1].steps.map((s) => s.id), [av.id]);
    assert.equal(runDuration(runs[1]), 30);
  });

  it('is running while a follow-up runs or waits, even though the backup is done', () => {
    const a = t({});
    assert.equal(runOutcome(a, [t({ kind: 'verify', parentId: a.id, status: 'running', finishedAt: null })]).status, 'running');
    assert.equal(runOutcome(a, [t({ kind: 'prune', parentId: a.id, status: 'queued', startedAt: null, finishedAt: null })]).status, 'running');
    assert.equal(runOutcome(t({ status: 'queued', startedAt: null, finishedAt: null }), []).status, 'queued');
  });

  it('takes the worst outcome: failed over interrupted over cancelled over skipped', () => {
    const a = t({});
    const cancelled = t({ kind: 'verify', parentId: a.id, status: 'cancelled' });
    const failed = t({ kind: 'prune', parentId: a.id, status: 'failed' });
    assert.deepEqual(runOutcome(a, [cancelled, failed]), { status: 'failed', worst: failed });
    assert.deepEqual(runOutcome(a, [cancelled]), { status: 'cancelled', worst: cancelled });
  });
});

describe('runs: the panel\'s queries use their indexes', () => {
  it('changes since a cursor, an environment\'s newest runs, a run\'s steps and pages of runs never scan the table', async () => {
    const SQL = await initSqlJs();
    const db = new SQL.Database();
    prepareSchema(db);
    const plan = (sql: string, params: (string | number)[] = []) => db.exec(`EXPLAIN QUERY PLAN ${sql}`, params)[0].values.map((v) => String(v[3])).join(' | ');
    // Before: "SCAN tasks" (every row, every poll) and a walk of every environment's backups.
    assert.match(plan(CHANGES_SQL, [5]), /USING INDEX tasks_revision/);
    assert.match(plan(RECENT_RUNS_SQL, ['docs', 30]), /tasks_env \(env_id=\?\)/);
    assert.match(plan('SELECT id FROM tasks WHERE parent_id IN (1, 2) ORDER BY id'), /tasks_runs\w* \(parent_id=\?\)/);
    assert.doesNotMatch(`${plan(CHANGES_SQL, [1])} | ${plan(RECENT_RUNS_SQL, ["docs", 1])}`, /SCAN tasks( |$)/);
    db.close();
  });
});

describe('runs: migration of history written before the link', () => {
  it('links a verify and prune queued right after their good backup; leaves a later manual verify alone', async () => {
    const SQL = await initSqlJs();
    const db = new SQL.Database();
    db.exec(`${MIGRATIONS[0]}; PRAGMA user_version = 1`);
    const ins = (id: number, env: string, kind: string, trigger: string, status: string, queued: number, finished: number) =>
      db.run('INSERT INTO tasks (id, env_id, kind, trigger, status, queued_at, started_at, finished_at, revision) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)', [id, env, kind, trigger, status, queued, queued, finished, id]);
    ins(1, 'a', 'backup', 'scheduled', 'succeeded', 0, 1000);
    ins(2, 'b', 'backup', 'scheduled', 'succeeded', 500, 900); // another environment in between
    ins(3, 'a', 'verify', 'scheduled', 'succeeded', 1001, 1500);
    ins(4, 'a', 'prune', 'scheduled', 'failed', 1502, 1600);
    ins(5, 'b', 'prune', 'scheduled', 'succeeded', 903, 950); // no verify: follows the backup
    ins(6, 'a', 'verify', 'manual', 'succeeded', 60_000, 61_000); // by hand, a minute later
    ins(7, 'a', 'backup', 'scheduled', 'failed', 120_000, 121_000);
    ins(8, 'a', 'verify', 'scheduled', 'succeeded', 121_001, 122_000); // after a failed backup: not a follow-up
    assert.equal(prepareSchema(db), 'migrated');
    const rows = db.exec('SELECT id, parent_id, run_status FROM tasks ORDER BY id')[0].values;
    assert.deepEqual(rows, [
      [1, null, 'failed'], [2, null, 'succeeded'], [3, 1, null], [4, 1, null], [5, 2, null], [6, null, 'succeeded'], [7, null, 'failed'], [8, null, 'succeeded'],
    ]);
    db.close();
  });
});
