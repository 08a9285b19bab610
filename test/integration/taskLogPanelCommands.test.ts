// The Task Log panel opens from its commands as a real webview panel.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { extension, until } from './manifest';

function taskLogTabs(): vscode.Tab[] {
  return vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('backupScheduler.taskLog'));
}

describe('Task Log commands', () => {
  before(() => until(() => extension().isActive));

  it('"Open Task Log" opens one panel titled Task Log; opening again reveals the same one', async () => {
    await vscode.commands.executeCommand('backupScheduler.openTaskLog');
    await until(() => taskLogTabs().length === 1);
    assert.equal(taskLogTabs()[0].label, 'Task Log');
    await vscode.commands.executeCommand('backupScheduler.showTaskLog', 1);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(taskLogTabs().length, 1);
    await vscode.window.tabGroups.close(taskLogTabs());
    await until(() => taskLogTabs().length === 0);
  });
});
