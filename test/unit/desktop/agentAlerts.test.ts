// The agent's desktop alerts over a fake Backups and a recording notifier: a failed or
// interrupted backup (or verify, prune) notifies only while the agent leads and no window is
// open; an overdue environment notifies once per spell, also across an agent restart (the spell
// is kept in alerts.json). The sleep block is held exactly while the leader runs a task.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TaskRecord } from '../../../src/shared/model';
import { watchAgentAlerts } from '../../../src/extension/core/desktop/agentAlerts';
import { keepAwakeWhileRunning } from '../../../src/extension/core/desktop/keepAwakeWhileRunning';
import type { Environment, EnvironmentEntry } from '../../../src/extension/core/environments/types';
import { silentLogger } from '../../../src/extension/core/ports';
import { Emitter, type Disposable } from '../../../src/extension/core/util/emitter';
import { installFakeClock, type FakeClock } from '../fakes/fakeClock';
import { MemoryStore } from '../fakes/memoryStore';

const HOUR = 3_600_000;

function env(id: string): Environment {
  return {
    id, name: `Env ${id}`, type: 'command', source: undefined, command: 'true', destination: '/tmp', schedule: '0 * * * *', timezone: 'UTC', enabled: true,
    exclude: [], useGitignore: true, retention: undefined, missedRun: 'runOnce', timeoutMinutes: undefined, skipIfUnchanged: false, verify: false, origin: 'user',
  };
}

describe('agent desktop alerts and sleep block', () => {
  let clock: FakeClock;
  let store: MemoryStore;
  let tmp: string;
  let role: 'leader' | 'follower';
  let windows: number;
  let shown: string[];
  let active: TaskRecord[];
  const taskChanged = new Emitter<TaskRecord>();
  const envChanged = new Emitter<void>();
  const entries: EnvironmentEntry[] = [{ index: 0, valid: true, environment: env('notes') }];
  const subs: Disposable[] = [];

  const backups = () => ({
    get role() {
      return role;
    },
    environments: () => entries,
    environment: (id: string) => (id === 'notes' ? entries[0].valid && entries[0].environment : undefined) || undefined,
    reader: store,
    blockedReason: () => undefined,
    activeTasks: () => active,
    onDidChangeTask: taskChanged.event,
    onDidChangeEnvironments: envChanged.event,
  });
  const start = () =>
    subs.push(
      watchAgentAlerts({ backups: backups(), notifier: { notify: (t, b) => shown.push(`${t} | ${b}`) }, clock, windowsOpen: () => windows > 0, stateFile: join(tmp, 'agent', 'alerts.json'), logger: silentLogger, checkEveryMs: HOUR }),
    );

  function task(kind: TaskRecord['kind'], status: TaskRecord['status'], error: string | null = null): TaskRecord {
    const now = clock.now();
    const t = store.createTask({ envId: 'notes', kind, trigger: 'scheduled', status, queuedAt: now, startedAt: now, finishedAt: status === 'running' ? null : now });
    return { ...t, error };
  }

  beforeEach(() => {
    clock = installFakeClock('2026-03-02T10:00:30Z');
    store = new MemoryStore();
    tmp = mkdtempSync(join(tmpdir(), 'alerts-'));
    role = 'leader';
    windows = 0;
    shown = [];
    active = [];
    // A good backup now: nothing is overdue until two hours pass.
    store.createTask({ envId: 'notes', kind: 'backup', trigger: 'scheduled', status: 'succeeded', queuedAt: clock.now(), startedAt: clock.now(), finishedAt: clock.now() });
  });
  afterEach(() => {
    subs.splice(0).forEach((s) => s.dispose());
    clock.uninstall();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('notifies a failed or interrupted backup, verify or prune, with its error, only when no window is open and the agent leads', () => {
    start();
    taskChanged.fire(task('backup', 'failed', 'cannot reach restic repository rest:https://u:***@nas/repo'));
    taskChanged.fire(task('verify', 'interrupted'));
    taskChanged.fire(task('backup', 'succeeded'));
    taskChanged.fire(task('restore', 'failed', 'no space'));
    assert.deepEqual(shown, [
      'Backup Scheduler: Backup of Env notes failed | cannot reach restic repository rest:https://u:***@nas/repo',
      'Backup Scheduler: Verify of Env notes interrupted | see the Task Log',
    ]);
    shown = [];
    windows = 1;
    taskChanged.fire(task('backup', 'failed', 'x'));
    windows = 0;
    role = 'follower';
    taskChanged.fire(task('prune', 'failed', 'y'));
    assert.deepEqual(shown, [], 'a window says it, or another process ran it');
  });

  it('notifies an overdue environment once per spell, also after an agent restart', async () => {
    start();
    await clock.tick(2 * HOUR); // two hourly runs passed without a good backup
    assert.equal(shown.length, 1, shown.join('\n'));
    assert.match(shown[0], /^Backup Scheduler: Env notes is overdue \| No good backup since 2026-03-02 /);
    await clock.tick(HOUR);
    subs.splice(0).forEach((s) => s.dispose());
    start(); // the restarted agent reads alerts.json: the same spell is not told again
    await clock.tick(2 * HOUR);
    assert.equal(shown.length, 1, shown.join('\n'));
    windows = 1; // overdue is told with windows open too: a window that follows the agent does not alert it
    taskChanged.fire(task('backup', 'succeeded'));
    await clock.tick(3 * HOUR);
    assert.equal(shown.length, 2, shown.join('\n'));
  });

  it('holds the sleep block while the leader runs a task and releases it after the last one', () => {
    const calls: string[] = [];
    subs.push(keepAwakeWhileRunning(backups(), { hold: (why) => calls.push(`hold ${why}`), release: () => calls.push('release') }));
    const a = task('backup', 'running');
    active = [a];
    taskChanged.fire(a);
    const b = task('verify', 'running');
    active = [a, b];
    taskChanged.fire(b);
    active = [b];
    taskChanged.fire({ ...a, status: 'succeeded', finishedAt: clock.now() });
    active = [];
    taskChanged.fire({ ...b, status: 'succeeded', finishedAt: clock.now() });
    assert.deepEqual(calls, ['hold backing up Env notes', 'hold backing up Env notes, Env notes', 'hold backing up Env notes', 'release']);
    role = 'follower';
    active = [a];
    taskChanged.fire(a);
    assert.deepEqual(calls.slice(4), ['release'], 'a follower never holds it');
  });
});
