// Environments as VS Code tasks, in the real host: the task provider lists them, and running one
// through vscode.tasks.executeTask makes an ordinary manual backup task in the history whose
// outcome is the terminal's exit code; the concurrency rule holds for it like for Run Now.
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { BackupSchedulerApi } from '../../src/extension/extension';
import { extension, until } from './manifest';

const root = mkdtempSync(join(tmpdir(), 'bs-int-tasks-'));
const src = join(root, 'src');
const dst = join(root, 'dst');

function api(): BackupSchedulerApi {
  return extension().exports as BackupSchedulerApi;
}

const envs = [
  { id: 'task-docs', name: 'Task docs', type: 'folder', source: src, destination: dst, schedule: '0 3 * * *' },
  { id: 'task-broken', name: 'Task broken', type: 'command', source: src, command: 'echo "about to fail"; exit 7', destination: dst, schedule: '0 3 * * *' },
  { id: 'task-slow', name: 'Task slow', type: 'command', source: src, command: 'sleep 20; echo late > "$BACKUP_FILE"', destination: dst, schedule: '0 3 * * *' },
];

async function backupTask(envId: string): Promise<vscode.Task> {
  const tasks = await vscode.tasks.fetchTasks({ type: 'backup' });
  const task = tasks.find((t) => t.definition.environment === envId);
  assert.ok(task, `no backup task for ${envId} among ${tasks.map((t) => `${t.source}: ${t.name}`).join(', ')}`);
  return task;
}

/** Runs a task and resolves with its exit code, as VS Code reports the end of its process. */
async function execute(task: vscode.Task): Promise<number | undefined> {
  let sub: vscode.Disposable | undefined;
  const ended = new Promise<number | undefined>((resolve) => {
    sub = vscode.tasks.onDidEndTaskProcess((e) => {
      if (e.execution.task.definition.environment === task.definition.environment) resolve(e.exitCode);
    });
  });
  try {
    await vscode.tasks.executeTask(task);
    return await ended;
  } finally {
    sub?.dispose();
  }
}

function historyOf(envId: string) {
  return api().backups.reader.queryTasks({ envIds: [envId], sort: 'id', descending: true }).rows;
}

describe('environments as VS Code tasks', function () {
  this.timeout(60_000);

  before(async () => {
    await until(() => extension().isActive);
    mkdirSync(src, { recursive: true });
    writeFileSync(join(src, 'a.txt'), 'alpha\n');
    await vscode.workspace.getConfiguration('backupScheduler').update('environments', envs, vscode.ConfigurationTarget.Global);
    await until(() => api().backups.environments().length === envs.length);
  });

  after(async () => {
    await vscode.workspace.getConfiguration('backupScheduler').update('environments', undefined, vscode.ConfigurationTarget.Global);
  });

  it('Run Task lists every valid environment as "Backup: <name>"', async () => {
    const tasks = await vscode.tasks.fetchTasks({ type: 'backup' });
    const labels = tasks.map((t) => `${t.source}: ${t.name}`).sort();
    assert.deepEqual(labels, ['Backup: Task broken', 'Backup: Task docs', 'Backup: Task slow']);
  });

  it('a backup task run through executeTask ends with exit code 0 and leaves a succeeded manual backup in the history', async () => {
    const before = historyOf('task-docs').length;
    const code = await execute(await backupTask('task-docs'));
    assert.equal(code, 0);
    const rows = historyOf('task-docs');
    assert.equal(rows.length, before + 1);
    assert.equal(rows[0].kind, 'backup');
    assert.equal(rows[0].trigger, 'manual');
    assert.equal(rows[0].status, 'succeeded', rows[0].error ?? '');
    assert.match(rows[0].result?.archivePath ?? '', /task-docs-\d{8}-\d{6}\.tar\.gz$/);
  });

  it('the command a keybinding runs (workbench.action.tasks.runTask with "Backup: <name>") runs the environment', async () => {
    const before = historyOf('task-docs').length;
    let sub: vscode.Disposable | undefined;
    const ended = new Promise<number | undefined>((resolve) => {
      sub = vscode.tasks.onDidEndTaskProcess((e) => {
        if (e.execution.task.definition.environment === 'task-docs') resolve(e.exitCode);
      });
    });
    try {
      await vscode.commands.executeCommand('workbench.action.tasks.runTask', 'Backup: Task docs');
      assert.equal(await ended, 0);
    } finally {
      sub?.dispose();
    }
    const rows = historyOf('task-docs');
    assert.equal(rows.length, before + 1);
    assert.equal(rows[0].status, 'succeeded');
  });

  it('a failing backup task ends with exit code 1; its history row says failed', async () => {
    const code = await execute(await backupTask('task-broken'));
    assert.equal(code, 1);
    const row = historyOf('task-broken')[0];
    assert.equal(row.status, 'failed');
    assert.match(row.error ?? '', /7/);
  });

  it('a task of a busy environment starts nothing and ends with exit code 3', async () => {
    const running = (await vscode.commands.executeCommand('backupScheduler.runNow', 'task-slow')) as number;
    assert.equal(typeof running, 'number');
    try {
      await until(() => api().backups.busyWith('task-slow') !== undefined);
      const code = await execute(await backupTask('task-slow'));
      assert.equal(code, 3);
      assert.deepEqual(historyOf('task-slow').map((t) => t.id), [running]);
    } finally {
      await api().backups.cancel(running);
    }
  });

  it('a task defined in tasks.json with its own label runs the environment it names', async () => {
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'the integration host opens a workspace folder');
    const config = vscode.workspace.getConfiguration('tasks', folder.uri);
    await config.update('version', '2.0.0', vscode.ConfigurationTarget.WorkspaceFolder);
    await config.update('tasks', [{ type: 'backup', environment: 'task-docs', label: 'nightly docs by hand' }], vscode.ConfigurationTarget.WorkspaceFolder);
    try {
      let task: vscode.Task | undefined;
      await until(async () => (task = (await vscode.tasks.fetchTasks({ type: 'backup' })).find((t) => t.name === 'nightly docs by hand')) !== undefined);
      const before = historyOf('task-docs').length;
      assert.equal(await execute(task!), 0);
      assert.equal(historyOf('task-docs').length, before + 1);
    } finally {
      await config.update('tasks', undefined, vscode.ConfigurationTarget.WorkspaceFolder);
      await config.update('version', undefined, vscode.ConfigurationTarget.WorkspaceFolder);
    }
  });
});
