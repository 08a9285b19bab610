import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { contributes, extension, until } from './manifest';

// The commands SPEC.md asks for; the manifest must contribute exactly these.
const EXPECTED = [
  'addEnvironment', 'runNow', 'cancelTask', 'restore', 'openTaskLog', 'enableEnvironment', 'disableEnvironment',
  'showNextRuns', 'clearHistory', 'exportHistory', 'editEnvironment', 'openDestination', 'showTaskLog',
  'retryTask', 'revealArchive', 'verifyBackup', 'refresh',
  'compareWithBackup', 'restoreThisVersion', 'browseBackup', 'restoreFromBackup', 'addBackupToWorkspace', 'closeBrowsedBackup',
  'initRepository', 'setRepositoryPassword', 'unlockRepository',
  // the background agent (issue 16)
  'agent.install', 'agent.uninstall', 'agent.stopInBackground',
].map((c) => `backupScheduler.${c}`);

describe('commands', () => {
  before(() => until(() => extension().isActive));

  it('contributes every command of the spec, in category "Backup Scheduler" with a codicon', () => {
    const commands = contributes().commands;
    assert.deepEqual(commands.map((c) => c.command).sort(), [...EXPECTED].sort());
    for (const c of commands) {
      assert.equal(c.category, 'Backup Scheduler', c.command);
      assert.match(c.icon ?? '', /^\$\([a-z-]+\)$/, c.command);
    }
  });

  it('registers every contributed command once activated', async () => {
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = contributes().commands.map((c) => c.command).filter((c) => !registered.has(c));
    assert.deepEqual(missing, []);
  });
});
