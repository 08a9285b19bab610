// Two real windows of the test host sharing one global storage: the other window leads; this
// one follows, shows what the leader runs, has its commands run there, and takes over when the
// leader window closes.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { BackupSchedulerApi } from '../../../src/extension/extension';
import { extension, until } from '../manifest';

const control = process.env.BACKUP_SCHEDULER_SECOND_WINDOW_CONTROL!;
const root = mkdtempSync(join(tmpdir(), 'bs-2w-'));
const api = () => extension().exports as BackupSchedulerApi;

describe('two windows sharing global storage', function () {
  this.timeout(60_000);

  before(async () => {
    await until(() => extension().isActive);
    mkdirSync(join(root, 'src'), { recursive: true });
    writeFileSync(join(root, 'src', 'a.txt'), 'alpha\n');
    // User settings are shared by both windows: both see this environment.
    await vscode.workspace.getConfiguration('backupScheduler').update('environments', [
      { id: 'shared', name: 'Shared', type: 'folder', source: join(root, 'src'), destination: join(root, 'dst'), schedule: '0 3 * * *' },
      // A working folder of its own: without one it would run per workspace folder (below).
      { id: 'tick', name: 'Tick', type: 'command', command: 'echo tick > "$BACKUP_FILE"', source: root, destination: join(root, 'ticks'), schedule: '*/2 * * * * *' },
      // Follows each window's folder: one environment per folder, each backing up its own.
      { id: 'here', name: 'Here', type: 'folder', source: '${workspaceFolder}', destination: join(root, 'here'), schedule: '0 3 * * *' },
    ], vscode.ConfigurationTarget.Global);
    await until(() => api().backups.environments().length === 3);
  });

  it('only the other window schedules and writes tasks.db; this one follows', () => {
    assert.equal(api().backups.role, 'follower');
    assert.equal(api().backups.service, undefined, 'a follower runs no scheduler and no tasks');
  });

  it('this window shows the scheduled runs the leader makes, each occurrence once', async () => {
    const reader = api().backups.reader;
    await until(() => reader.queryTasks({ envIds: ['tick'], statuses: ['succeeded'], limit: 10 }).total >= 3);
    const runs = reader.queryTasks({ envIds: ['tick'], sort: 'id', limit: 100 }).rows.filter((t) => t.trigger === 'scheduled' && t.status === 'succeeded');
    const occurrences = runs.map((t) => reader.logAfter(t.id, 0, 5).map((l) => /run of (\S+)$/.exec(l.text)?.[1]).find(Boolean));
    assert.ok(occurrences.every(Boolean), JSON.stringify(occurrences));
    assert.equal(new Set(occurrences).size, occurrences.length, `an occurrence ran twice: ${occurrences.join(', ')}`);
    await vscode.commands.executeCommand('backupScheduler.disableEnvironment', 'tick');
  });

  it('Run now from this window runs in the leader, and this window shows the task finish', async () => {
    const outcome = await api().backups.runNow('shared');
    assert.ok('taskId' in outcome, JSON.stringify(outcome));
    const id = outcome.taskId;
    await until(() => api().backups.reader.getTask(id)?.status === 'succeeded');
    const t = api().backups.reader.getTask(id)!;
    assert.match(t.result!.archivePath!, /shared-\d{8}-\d{6}\.tar\.gz$/);
    assert.ok(existsSync(t.result!.archivePath!));
    const tree = api().views.tasks as unknown as vscode.TreeDataProvider<unknown>;
    await until(async () => {
      const top = (await tree.getChildren()) ?? [];
      for (const n of top) for (const c of (await tree.getChildren(n)) ?? []) if ((await tree.getTreeItem(c)).label === 'Shared — backup') return true;
      return false;
    });
  });

  it('an environment of "the workspace folder" runs in this window\'s folder, under an id of its own, even though the other window leads', async () => {
    const folder = vscode.workspace.workspaceFolders![0].uri.fsPath;
    writeFileSync(join(folder, 'only-in-this-window.txt'), 'mine\n');
    const ids = api().backups.environments().flatMap((e) => (e.valid ? [e.environment.id] : []));
    const mine = ids.find((id) => id.startsWith('here@'));
    assert.ok(mine, `no per-folder environment among ${ids.join(', ')}`);
    assert.equal(api().backups.environment(mine)!.source, folder);
    const outcome = await api().backups.runNow(mine);
    assert.ok('taskId' in outcome, JSON.stringify(outcome));
    await until(() => api().backups.reader.getTask(outcome.taskId)?.finishedAt != null);
    const t = api().backups.reader.getTask(outcome.taskId)!;
    assert.equal(t.status, 'succeeded', t.error ?? '');
    assert.equal(t.envId, mine);
    assert.ok(t.result!.archivePath!.includes(`${mine}-`), t.result!.archivePath);
    const listing = execFileSync('tar', ['-tzf', t.result!.archivePath!], { encoding: 'utf8' });
    assert.match(listing, /only-in-this-window\.txt/, 'the leader backed up its own folder instead of this window\'s');
  });

  it('closing the leader window makes this one the leader within 10 s, and it runs tasks itself', async () => {
    writeFileSync(join(control, 'close-second-window'), '');
    await until(() => existsSync(join(control, 'second-window-closed')));
    const closedAt = Date.now();
    await until(() => api().backups.role === 'leader');
    const took = Date.now() - closedAt;
    console.log(`      takeover after the leader window closed: ${took} ms`);
    assert.ok(took <= 10_000, `took ${took} ms`);
    assert.ok(api().backups.service, 'this window now runs the scheduler');
    assert.deepEqual(api().backups.scheduledIds().filter((id) => !id.startsWith('here@')), ['shared'], 'tick was disabled from this window');
    const id = (await vscode.commands.executeCommand('backupScheduler.runNow', 'shared')) as number;
    await until(() => api().backups.reader.getTask(id)?.finishedAt !== null);
    assert.equal(api().backups.reader.getTask(id)?.status, 'succeeded');
  });

  after(async () => {
    await vscode.workspace.getConfiguration('backupScheduler').update('environments', undefined, vscode.ConfigurationTarget.Global);
  });
});
