// Trust covers the working folder, in a real window with workspace trust on: a command from user
// settings that runs inside the (untrusted) workspace folder is blocked, the Environments view
// says why, and once the user grants trust in the workbench it runs. The stuck-path timeout and
// the stall threshold are machine settings: a workspace's value (trusted or not) is never used.
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { BackupSchedulerApi } from '../../../src/extension/extension';
import { extension, until } from '../manifest';

const control = process.env.BACKUP_SCHEDULER_TRUST_CONTROL!;
const api = () => extension().exports as BackupSchedulerApi;
const dst = mkdtempSync(join(tmpdir(), 'bs-trust-dst-'));

async function envItem(id: string): Promise<vscode.TreeItem | undefined> {
  const tree = api().views.environments as unknown as vscode.TreeDataProvider<unknown>;
  for (const c of (await tree.getChildren()) ?? []) {
    const item = await tree.getTreeItem(c);
    if (item.id === `env-${id}`) return item;
  }
  return undefined;
}

describe('workspace trust covers a command\'s working folder (trust on)', function () {
  this.timeout(90_000);

  before(async () => {
    await until(() => extension().isActive);
    const folder = vscode.workspace.workspaceFolders![0].uri.fsPath;
    // The workspace controls this script: running it untrusted would run the workspace's code.
    writeFileSync(join(folder, 'dump.sh'), 'echo "dumped by the workspace script" > "$BACKUP_FILE"\n');
    await vscode.workspace.getConfiguration('backupScheduler').update('environments', [
      { id: 'dump', name: 'Dump', type: 'command', command: 'sh ./dump.sh', source: folder, destination: dst, schedule: '0 3 * * *' },
      { id: 'elsewhere', name: 'Elsewhere', type: 'command', command: 'echo fine > "$BACKUP_FILE"', source: dst, destination: join(dst, 'e'), schedule: '0 3 * * *' },
    ], vscode.ConfigurationTarget.Global);
    await until(() => api().backups.environment('dump') !== undefined);
  });

  it('untrusted: the workspace cannot set fsCallTimeoutSeconds or stallMinutes (its other settings apply)', async () => {
    assert.equal(vscode.workspace.isTrusted, false, 'the window starts untrusted');
    const folder = vscode.workspace.workspaceFolders![0].uri.fsPath;
    mkdirSync(join(folder, '.vscode'), { recursive: true });
    // A repository that would make every backup of a slow disk fail (5 s) and hide stalls.
    writeFileSync(join(folder, '.vscode', 'settings.json'), JSON.stringify({
      'backupScheduler.fsCallTimeoutSeconds': 5,
      'backupScheduler.stallMinutes': 100000,
      'backupScheduler.taskLog.pollIntervalMs': 777,
    }));
    // The file has been read once a window-scoped setting from it shows.
    await until(() => api().settings().pollIntervalMs === 777);
    assert.equal(api().settings().fsCallTimeoutMs, 180_000);
    assert.equal(api().settings().stallMs, 30 * 60_000);
  });

  it('untrusted: the command is blocked, Run Now refuses, and the Environments view says why', async () => {
    assert.equal(vscode.workspace.isTrusted, false, 'the window starts untrusted');
    const env = api().backups.environment('dump')!;
    const reason = api().backups.blockedReason(env);
    assert.match(reason ?? '', /untrusted workspace folder/);
    assert.equal(api().backups.blockedReason(api().backups.environment('elsewhere')!), undefined, 'a command outside the workspace still runs');
    assert.ok(!api().backups.scheduledIds().includes('dump'), 'not scheduled');
    const outcome = await api().backups.runNow('dump');
    assert.equal(outcome.kind, 'blocked', JSON.stringify(outcome));
    const item = await envItem('dump');
    assert.match(String(item?.description), /untrusted workspace folder/);
    assert.equal((item?.iconPath as vscode.ThemeIcon | undefined)?.id, 'shield');
  });

  it('untrusted: nothing of this workspace reaches the background agent\'s environments.json', async () => {
    const folder = vscode.workspace.workspaceFolders![0].uri.fsPath;
    const published = () => JSON.parse(readFileSync(api().agent.environmentsFile, 'utf8')) as { user?: { environments: { id: string }[] }; workspaces: Record<string, unknown>; untrustedFolders?: string[] };
    await api().agent.publishNow();
    const s = published();
    assert.deepEqual(s.user?.environments.map((e) => e.id), ['elsewhere'], 'the command inside the untrusted folder is not published');
    assert.deepEqual(s.workspaces, {});
    assert.deepEqual(s.untrustedFolders, [folder]);
  });

  it('granting trust in the workbench unblocks it, and Run Now runs the workspace\'s script', async () => {
    const granted = new Promise<void>((resolve) => vscode.workspace.onDidGrantWorkspaceTrust(() => resolve()));
    writeFileSync(join(control, 'grant-trust'), '');
    await granted;
    assert.equal(vscode.workspace.isTrusted, true);
    await until(() => api().backups.blockedReason(api().backups.environment('dump')!) === undefined);
    assert.ok(api().backups.scheduledIds().includes('dump'));
    const outcome = await api().backups.runNow('dump');
    assert.ok('taskId' in outcome, JSON.stringify(outcome));
    await until(() => api().backups.reader.getTask(outcome.taskId)?.finishedAt != null);
    const t = api().backups.reader.getTask(outcome.taskId)!;
    assert.equal(t.status, 'succeeded', t.error ?? '');
    assert.ok(existsSync(t.result!.archivePath!));
    assert.equal(readFileSync(t.result!.archivePath!, 'utf8'), 'dumped by the workspace script\n');
    assert.doesNotMatch(String((await envItem('dump'))?.description), /blocked/);
    // Trusted now: published for the agent too, and the folder no longer listed as untrusted.
    await api().agent.publishNow();
    const s = JSON.parse(readFileSync(api().agent.environmentsFile, 'utf8')) as { user: { environments: { id: string }[] }; untrustedFolders: string[] };
    assert.deepEqual(s.user.environments.map((e) => e.id).sort(), ['dump', 'elsewhere']);
    assert.deepEqual(s.untrustedFolders, []);
  });

  it('trusted: still no workspace value for the machine settings; the user\'s value applies', async () => {
    assert.equal(vscode.workspace.isTrusted, true);
    const c = vscode.workspace.getConfiguration('backupScheduler');
    await c.update('stallMinutes', 45, vscode.ConfigurationTarget.Global);
    try {
      await until(() => api().settings().stallMs === 45 * 60_000);
      assert.equal(api().settings().fsCallTimeoutMs, 180_000);
      assert.equal(api().settings().pollIntervalMs, 777);
    } finally {
      await c.update('stallMinutes', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  after(async () => {
    await vscode.workspace.getConfiguration('backupScheduler').update('environments', undefined, vscode.ConfigurationTarget.Global);
    rmSync(join(vscode.workspace.workspaceFolders![0].uri.fsPath, '.vscode'), { recursive: true, force: true });
    rmSync(dst, { recursive: true, force: true });
  });
});
