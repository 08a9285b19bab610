// "Keep Backups Running When VS Code Is Closed" and "Remove the Background Agent" in the real
// host: the command copies the extension's agent into global storage, starts it with this
// machine's service manager (systemctl --user where it has a bus, else detached: here detached),
// the window sees the agent take over the schedules, and the remove command stops it, deletes its
// files and the window leads again (so the tests after this one find it leading), its history
// commands reading the history it opened again.
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as vscode from 'vscode';
import type { BackupSchedulerApi } from '../../src/extension/extension';
import type { InstallReport } from '../../src/extension/core/agentService';
import { pidAlive } from '../../src/extension/core/agentService/agentProcess';
import { extension, until } from './manifest';

const api = () => extension().exports as BackupSchedulerApi;

describe('background agent install and remove commands', function () {
  this.timeout(180_000);

  it('installs the agent from the extension, the window follows it, and removing it gives the schedules back', async () => {
    await extension().activate();
    const version = (extension().packageJSON as { version: string }).version;
    await until(() => api().backups.role === 'leader');
    const report = await vscode.commands.executeCommand<InstallReport | undefined>('backupScheduler.agent.install');
    assert.ok(report, 'installed (see the Backup Scheduler output channel for the error)');
    assert.ok(['systemd', 'detached'].includes(report.kind), report.kind);
    const agentJs = report.files.find((f) => f.endsWith(join('agent', version, 'agent.js')));
    assert.ok(agentJs, report.files.join(', '));
    const storage = dirname(dirname(dirname(agentJs)));
    assert.deepEqual(readFileSync(agentJs), readFileSync(join(extension().extensionPath, 'dist', 'agent.js')));
    for (const f of report.files) assert.ok(existsSync(f), `${f} written`);

    // The agent leads; this window follows it.
    await until(() => api().backups.leadership().who === 'agent');
    const pid = api().backups.leadership().pid;
    assert.ok(pid && pid !== process.pid);
    assert.equal(api().backups.role, 'follower');

    const removed = await vscode.commands.executeCommand<string[] | undefined>('backupScheduler.agent.uninstall');
    assert.ok(removed?.includes(join(storage, 'agent', version)), removed?.join(', '));
    assert.equal(existsSync(join(storage, 'agent', version)), false);
    assert.equal(existsSync(join(storage, 'agent', 'service.json')), false);
    await until(() => !pidAlive(pid));
    await until(() => api().backups.role === 'leader');
    // The history commands read the window's new history, not the one closed at the hand-over.
    const csv = join(tmpdir(), `bs-after-agent-${process.pid}.csv`);
    await vscode.commands.executeCommand('backupScheduler.exportHistory', { format: 'csv', path: csv });
    assert.match(readFileSync(csv, 'utf8'), /^id,envId,kind,trigger,status/);
    rmSync(csv, { force: true });
  });
});
