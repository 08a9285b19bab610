import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { contributes, extension, until } from './manifest';

describe('views', () => {
  before(() => until(() => extension().isActive));

  it('contributes the Backups container holding the Environments and Tasks views, and Browse Backup while a backup is browsed', () => {
    assert.deepEqual(contributes().viewsContainers.activitybar.map((c) => c.id), ['backupScheduler']);
    assert.deepEqual(contributes().views.backupScheduler.map((v) => v.id), ['backupScheduler.environments', 'backupScheduler.tasks', 'backupScheduler.browse']);
    assert.equal((contributes().views.backupScheduler[2] as { when?: string }).when, 'backupScheduler.browsing');
  });

  it('the workbench knows the container and both views (their open and focus commands exist)', async () => {
    const registered = new Set(await vscode.commands.getCommands(false));
    for (const id of ['workbench.view.extension.backupScheduler', 'backupScheduler.environments.focus', 'backupScheduler.tasks.focus']) {
      assert.ok(registered.has(id), `${id} is not registered`);
    }
  });

  it('opens the container and focuses each view', async () => {
    await vscode.commands.executeCommand('workbench.view.extension.backupScheduler');
    await vscode.commands.executeCommand('backupScheduler.environments.focus');
    await vscode.commands.executeCommand('backupScheduler.tasks.focus');
  });
});
