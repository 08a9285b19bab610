import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { contributes, extension } from './manifest';

// Defaults SPEC.md and the issue ask for; the manifest and VS Code's view of it must agree.
const EXPECTED_DEFAULTS: Record<string, unknown> = {
  'backupScheduler.environments': [],
  'backupScheduler.history.maxAgeDays': 90,
  'backupScheduler.history.maxTasks': 5000,
  'backupScheduler.logs.maxLinesPerTask': 2000,
  'backupScheduler.taskLog.pollIntervalMs': 2000,
  'backupScheduler.notifications.onFailure': true,
  'backupScheduler.notifications.onSuccess': false,
  'backupScheduler.fsCallTimeoutSeconds': 180,
  'backupScheduler.stallMinutes': 30,
  'backupScheduler.restic.path': '',
  'backupScheduler.agent.nodePath': '',
};

describe('configuration', () => {
  it('declares exactly the expected settings with the expected defaults', () => {
    const declared = Object.fromEntries(Object.entries(contributes().configuration.properties).map(([k, v]) => [k, v.default]));
    assert.deepEqual(declared, EXPECTED_DEFAULTS);
  });

  it('declares limited support for untrusted workspaces, ignoring their environments and the machine settings', () => {
    const trust = extension().packageJSON.capabilities.untrustedWorkspaces;
    assert.equal(trust.supported, 'limited');
    assert.deepEqual(trust.restrictedConfigurations, ['backupScheduler.environments', 'backupScheduler.fsCallTimeoutSeconds', 'backupScheduler.stallMinutes']);
    const props = contributes().configuration.properties as Record<string, { scope?: string }>;
    for (const key of ['backupScheduler.fsCallTimeoutSeconds', 'backupScheduler.stallMinutes', 'backupScheduler.restic.path', 'backupScheduler.agent.nodePath']) assert.equal(props[key].scope, 'machine', key);
    assert.ok(trust.description.length > 0);
  });

  it('reads every default back through the configuration API', () => {
    const config = vscode.workspace.getConfiguration();
    for (const [key, value] of Object.entries(EXPECTED_DEFAULTS)) {
      assert.deepEqual(config.inspect(key)?.defaultValue, value, `default of ${key}`);
      assert.deepEqual(config.get(key), value, `effective value of ${key} in the test workspace`);
    }
  });

  it('reads a workspace value of an environment back with its fields intact', async () => {
    const config = vscode.workspace.getConfiguration('backupScheduler');
    const env = { id: 'ws-test', name: 'Workspace test', type: 'folder', source: '${workspaceFolder}/data', destination: '/tmp/x', schedule: '0 3 * * *' };
    await config.update('environments', [env], vscode.ConfigurationTarget.Workspace);
    try {
      assert.deepEqual(vscode.workspace.getConfiguration('backupScheduler').get('environments'), [env]);
    } finally {
      await config.update('environments', undefined, vscode.ConfigurationTarget.Workspace);
    }
    assert.deepEqual(vscode.workspace.getConfiguration('backupScheduler').get('environments'), []);
  });
});
