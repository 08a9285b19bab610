// A real multi-root window (folders alpha and beta): environments follow the folder they belong
// to, `${workspaceFolder:<name>}` expands, and beta's own settings bind their entries to beta.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { BackupSchedulerApi } from '../../../src/extension/extension';
import type { Environment } from '../../../src/extension/core/environments/types';
import { extension, until } from '../manifest';

const api = () => extension().exports as BackupSchedulerApi;
const dst = mkdtempSync(join(tmpdir(), 'bs-multiroot-'));
const folder = (name: string) => vscode.workspace.workspaceFolders!.find((f) => f.name === name)!.uri.fsPath;
const valid = (): Environment[] => api().backups.environments().flatMap((e) => (e.valid ? [e.environment] : []));

async function backUp(id: string): Promise<string[]> {
  const outcome = await api().backups.runNow(id);
  assert.ok('taskId' in outcome, JSON.stringify(outcome));
  await until(() => api().backups.reader.getTask(outcome.taskId)?.finishedAt != null);
  const t = api().backups.reader.getTask(outcome.taskId)!;
  assert.equal(t.status, 'succeeded', t.error ?? '');
  return execFileSync('tar', ['-tzf', t.result!.archivePath!], { encoding: 'utf8' }).split('\n').filter(Boolean);
}

describe('a multi-root window', function () {
  this.timeout(60_000);

  before(async () => {
    await until(() => extension().isActive);
    assert.equal(vscode.workspace.workspaceFolders?.length, 2, 'the launcher opens two folders');
    await vscode.workspace.getConfiguration('backupScheduler').update('environments', [
      { id: 'each', name: 'Each', type: 'folder', source: '${workspaceFolder}', destination: join(dst, 'each'), schedule: '0 3 * * *' },
      { id: 'named', name: 'Named', type: 'folder', source: '${workspaceFolder:alpha}', destination: join(dst, 'named'), schedule: '0 3 * * *' },
    ], vscode.ConfigurationTarget.Global);
    await until(() => valid().some((e) => e.id === 'named'));
  });

  it('makes a user environment of "the workspace folder" one per folder, each backing up its own', async () => {
    const each = valid().filter((e) => e.id.startsWith('each@'));
    assert.deepEqual(each.map((e) => e.source).sort(), [folder('alpha'), folder('beta')].sort());
    assert.deepEqual(each.map((e) => e.name).sort(), ['Each (alpha)', 'Each (beta)']);
    const beta = each.find((e) => e.source === folder('beta'))!;
    const listing = await backUp(beta.id);
    assert.ok(listing.includes('only-in-beta.txt'), listing.join(', '));
    assert.ok(!listing.includes('only-in-alpha.txt'));
  });

  it('expands ${workspaceFolder:alpha} to that folder', async () => {
    const named = valid().find((e) => e.id === 'named')!;
    assert.equal(named.source, folder('alpha'));
    assert.ok((await backUp('named')).includes('only-in-alpha.txt'));
  });

  it('binds an environment from beta/.vscode/settings.json to beta, as a workspace-defined one', async () => {
    const own = valid().find((e) => e.id.startsWith('beta-own@'));
    assert.ok(own, `not found among ${valid().map((e) => e.id).join(', ')}`);
    assert.equal(own.source, folder('beta'));
    assert.equal(own.origin, 'workspace');
    assert.ok(!valid().some((e) => e.id.startsWith('beta-own@') && e.source === folder('alpha')), 'alpha does not get beta\'s environment');
    assert.ok((await backUp(own.id)).includes('only-in-beta.txt'));
  });

  it('Disable and Enable of beta\'s own environment write beta/.vscode/settings.json', async () => {
    const own = valid().find((e) => e.id.startsWith('beta-own@'))!;
    const betaConfig = () => vscode.workspace.getConfiguration('backupScheduler', vscode.workspace.workspaceFolders!.find((f) => f.name === 'beta')!.uri);
    const entry = () => betaConfig().inspect<Record<string, unknown>[]>('environments')!.workspaceFolderValue![0];
    await vscode.commands.executeCommand('backupScheduler.disableEnvironment', own.id);
    assert.equal(entry().enabled, false);
    await until(() => api().backups.environment(own.id)?.enabled === false);
    assert.ok(!(vscode.workspace.getConfiguration('backupScheduler').inspect<Record<string, unknown>[]>('environments')?.globalValue ?? []).some((e) => e.id === 'beta-own'), 'nothing written to the user settings');
    await vscode.commands.executeCommand('backupScheduler.enableEnvironment', own.id);
    assert.equal(entry().enabled, true);
  });

  it('Add Environment returns the id a per-folder entry runs under, and refuses its id a second time', async () => {
    const entry = { id: 'added', name: 'Added', type: 'command', command: 'echo x > "$BACKUP_FILE"', destination: join(dst, 'added'), schedule: '0 3 * * *' };
    const id = await vscode.commands.executeCommand<string | undefined>('backupScheduler.addEnvironment', entry);
    assert.match(id ?? '', /^added@(alpha|beta)-[0-9a-f]{6}$/);
    assert.ok(api().backups.environment(id!), 'the returned id names an environment');
    assert.equal(await vscode.commands.executeCommand('backupScheduler.addEnvironment', { ...entry, name: 'Again' }), undefined);
  });

  it('a backup opened as a workspace folder supplies no settings: its environments (a command) are never read', async () => {
    // A folder whose own settings define a command environment, backed up, then opened as a
    // workspace folder beside a folder on disk with settings of its own (gamma): once gamma's
    // environment is read, the window has read the new folders' settings.
    const evil = mkdtempSync(join(tmpdir(), 'bs-evil-'));
    const gamma = mkdtempSync(join(tmpdir(), 'bs-gamma-'));
    const pwned = join(dst, 'pwned');
    const fromBackup = { id: 'from-backup', name: 'From backup', type: 'command', command: `touch ${pwned} > "$BACKUP_FILE"`, destination: join(dst, 'evil'), schedule: '* * * * *' };
    mkdirSync(join(evil, '.vscode'));
    writeFileSync(join(evil, '.vscode', 'settings.json'), JSON.stringify({ 'backupScheduler.environments': [fromBackup] }));
    writeFileSync(join(evil, 'readme.txt'), 'a repository\n');
    mkdirSync(join(gamma, '.vscode'));
    writeFileSync(join(gamma, '.vscode', 'settings.json'), JSON.stringify({ 'backupScheduler.environments': [{ id: 'gamma-own', name: 'Gamma own', type: 'folder', source: '${workspaceFolder}', destination: join(dst, 'gamma'), schedule: '0 3 * * *' }] }));
    const user = vscode.workspace.getConfiguration('backupScheduler').inspect<unknown[]>('environments')?.globalValue ?? [];
    // restic: a snapshot id is one plain URI segment (an archive's id is a path, which a workspace
    // folder's URI does not keep intact).
    const passwordFile = join(dst, 'evil-password');
    writeFileSync(passwordFile, 'correct-horse-battery\n', { mode: 0o600 });
    const evilEnv = { id: 'evil-src', name: 'Evil source', type: 'folder', source: evil, engine: 'restic', repository: join(dst, 'evil-repo'), passwordFile, schedule: '0 3 * * *' };
    await vscode.workspace.getConfiguration('backupScheduler').update('environments', [...user, evilEnv], vscode.ConfigurationTarget.Global);
    await until(() => valid().some((e) => e.id === 'evil-src'));
    const done = async (id: number) => {
      await until(() => api().backups.reader.getTask(id)?.finishedAt != null);
      const t = api().backups.reader.getTask(id)!;
      assert.equal(t.status, 'succeeded', t.error ?? '');
    };
    await done((await vscode.commands.executeCommand('backupScheduler.initRepository', { envId: 'evil-src' })) as number);
    await done((await vscode.commands.executeCommand('backupScheduler.runNow', 'evil-src')) as number);
    const backupId = (await api().backups.listBackups('evil-src'))[0].id;
    assert.ok((await api().backups.listFiles('evil-src', backupId)).some((e) => e.path === '.vscode/settings.json'), 'the backup holds the folder\'s settings');
    const backupRoot = vscode.Uri.from({ scheme: 'backup', path: `/evil-src/${encodeURIComponent(backupId)}` });
    const before = vscode.workspace.workspaceFolders!.length;
    const changed = new Promise<void>((resolve) => {
      const sub = vscode.workspace.onDidChangeWorkspaceFolders(() => (sub.dispose(), resolve()));
    });
    assert.ok(vscode.workspace.updateWorkspaceFolders(before, 0, { uri: backupRoot, name: 'evil backup' }, { uri: vscode.Uri.file(gamma), name: 'gamma' }));
    await changed;
    try {
      await until(() => valid().some((e) => e.id.startsWith('gamma-own@')));
      const ids = api().backups.environments().map((e) => (e.valid ? e.environment.id : e.id ?? e.name));
      assert.ok(!ids.some((id) => id.startsWith('from-backup')), `read from the backup: ${ids.join(', ')}`);
      assert.ok(!valid().some((e) => e.source?.startsWith('/evil-src')), 'the backup is no "workspace folder" to back up');
      const backupFolder = vscode.workspace.workspaceFolders!.find((f) => f.uri.scheme === 'backup')!;
      assert.equal(vscode.workspace.getConfiguration('backupScheduler', backupFolder.uri).inspect('environments')?.workspaceFolderValue, undefined);
      const names = (await vscode.workspace.fs.readDirectory(backupRoot)).map(([n]) => n);
      assert.deepEqual(names, ['readme.txt']);
      await assert.rejects(Promise.resolve(vscode.workspace.fs.readFile(vscode.Uri.joinPath(backupRoot, '.vscode', 'settings.json'))));
      // Nor does anything of it reach the background agent: environments.json names gamma's
      // environment in this workspace's section, and neither the backup folder nor its entries.
      await api().agent.publishNow();
      const published = readFileSync(api().agent.environmentsFile, 'utf8');
      assert.match(published, /gamma-own@/);
      assert.doesNotMatch(published, /from-backup|evil-src\/|"backup:/);
      const sections = Object.values((JSON.parse(published) as { workspaces: Record<string, { folders: string[] }> }).workspaces);
      assert.ok(sections.some((w) => w.folders.includes(gamma)), JSON.stringify(sections));
      assert.ok(sections.every((w) => w.folders.every((f) => !f.includes('evil-src') && f !== backupFolder.uri.fsPath)), JSON.stringify(sections));
    } finally {
      const removed = new Promise<void>((resolve) => {
        const sub = vscode.workspace.onDidChangeWorkspaceFolders(() => (sub.dispose(), resolve()));
      });
      vscode.workspace.updateWorkspaceFolders(before, 2);
      await removed;
    }
  });

  after(async () => {
    await vscode.workspace.getConfiguration('backupScheduler').update('environments', undefined, vscode.ConfigurationTarget.Global);
  });
});
