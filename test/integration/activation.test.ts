import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { extension, until } from './manifest';

describe('activation', () => {
  it('activates by itself after start-up, without a view being opened', async () => {
    // onStartupFinished: schedules run without the user opening anything; the webview event lets
    // VS Code restore an open Task Log after a reload, the file system event a backup: editor or
    // workspace folder, and the task type a `backup` task run before start-up finished.
    assert.deepEqual([...extension().packageJSON.activationEvents].sort(), ['onFileSystem:backup', 'onStartupFinished', 'onTaskType:backup', 'onWebviewPanel:backupScheduler.taskLog']);
    await until(() => extension().isActive);
  });

  it('runs from this repository (the development build, not an installed copy)', () => {
    const repo = process.env.BACKUP_SCHEDULER_REPO;
    assert.ok(repo, 'the launcher passes BACKUP_SCHEDULER_REPO through to the extension host');
    assert.equal(extension().extensionUri.fsPath, repo);
  });

  it('opens the workspace the launcher made', () => {
    const folders = vscode.workspace.workspaceFolders ?? [];
    assert.deepEqual(folders.map((f) => f.uri.fsPath), [process.env.BACKUP_SCHEDULER_TEST_WORKSPACE]);
  });
});
