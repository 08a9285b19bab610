// The restic engine inside a real VS Code: commands from the palette API against a real local
// repository (restic 0.14+ installed by .ci/run), with the password in a file as restic reads it.
import * as assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { BackupSchedulerApi } from '../../src/extension/extension';
import type { TaskRecord } from '../../src/shared/model';
import { extension, until } from './manifest';

const root = mkdtempSync(join(tmpdir(), 'bs-restic-int-'));
const src = join(root, 'src');
const repo = join(root, 'repo');
const passwordFile = join(root, 'password');
const api = () => extension().exports as BackupSchedulerApi;
const env = { id: 'vault', name: 'Vault', type: 'folder', source: src, engine: 'restic', repository: repo, passwordFile, schedule: '0 3 * * *' };
const missing = { ...env, id: 'nowhere', name: 'Nowhere', repository: join(root, 'no-such-repo') };

async function finished(id: number): Promise<TaskRecord> {
  await until(() => api().backups.reader.getTask(id)?.finishedAt !== null);
  return api().backups.reader.getTask(id)!;
}

describe('restic engine in the extension host', function () {
  this.timeout(60_000);

  before(async () => {
    await until(() => extension().isActive);
    mkdirSync(join(src, 'docs'), { recursive: true });
    writeFileSync(join(src, 'docs', 'plan.md'), '# plan\n');
    writeFileSync(join(src, 'notes.txt'), 'remember\n');
    writeFileSync(passwordFile, 'hunter2-but-longer\n', { mode: 0o600 });
    await vscode.workspace.getConfiguration('backupScheduler').update('environments', [env, missing], vscode.ConfigurationTarget.Global);
    await until(() => api().backups.environments().filter((e) => e.valid).length === 2);
  });

  after(async () => {
    await vscode.workspace.getConfiguration('backupScheduler').update('environments', undefined, vscode.ConfigurationTarget.Global);
  });

  it('a backup of a repository that does not exist fails and says how to create it', async () => {
    const id = (await vscode.commands.executeCommand('backupScheduler.runNow', 'nowhere')) as number;
    const t = await finished(id);
    assert.equal(t.status, 'failed');
    assert.match(t.error ?? '', /Initialize Repository/);
    assert.ok(!existsSync(missing.repository), 'a backup never creates the repository');
  });

  it('Initialize Repository… creates it as a task; Run Backup Now writes a tagged snapshot', async () => {
    const initId = (await vscode.commands.executeCommand('backupScheduler.initRepository', { envId: 'vault' })) as number;
    const init = await finished(initId);
    assert.equal(init.kind, 'init');
    assert.equal(init.status, 'succeeded', init.error ?? '');
    assert.ok(existsSync(join(repo, 'config')));

    const id = (await vscode.commands.executeCommand('backupScheduler.runNow', 'vault')) as number;
    const t = await finished(id);
    assert.equal(t.status, 'succeeded', t.error ?? '');
    const snaps = JSON.parse(execFileSync('restic', ['-r', repo, 'snapshots', '--json'], { encoding: 'utf8', env: { ...process.env, RESTIC_PASSWORD_FILE: passwordFile } })) as { id: string; tags: string[] }[];
    assert.equal(snaps.length, 1);
    assert.equal(t.result?.snapshotId, snaps[0].id);
    assert.deepEqual([...snaps[0].tags].sort(), ['backup-scheduler', 'env:vault']);
    // The password never reaches the history.
    const log = api().backups.reader.logAfter(id, 0, 1000).map((l) => l.text).join('\n');
    assert.doesNotMatch(log, /hunter2/);
  });

  it('browses the snapshot (list, one file) and shows the repository in the summary', async () => {
    const [b] = await api().backups.listBackups('vault');
    assert.ok(b, 'one backup listed');
    const files = await api().backups.listFiles('vault', b.id);
    assert.ok(files.some((f) => f.path.endsWith('docs/plan.md') && f.type === 'file'), JSON.stringify(files.map((f) => f.path)));
    const plan = files.find((f) => f.path.endsWith('docs/plan.md'))!;
    assert.equal(Buffer.from(await api().backups.readFile('vault', b.id, plan.path)).toString(), '# plan\n');
    const s = await api().backups.summary('vault');
    assert.equal(s?.backupCount, 1);
  });

  it('Unlock Repository… shows the locks, then removes the stale one the user confirmed', async () => {
    // A restic killed while it held the repository leaves its lock behind.
    const holder = spawn('restic', ['-r', repo, 'backup', '--stdin', '--stdin-filename', 'held'], { env: { ...process.env, RESTIC_PASSWORD_FILE: passwordFile }, stdio: ['pipe', 'ignore', 'ignore'] });
    const lockFiles = () => (existsSync(join(repo, 'locks')) ? readdirSync(join(repo, 'locks')).filter((n) => !n.includes('-tmp')) : []);
    await until(() => lockFiles().length === 1);
    holder.kill('SIGKILL');
    await new Promise((r) => holder.once('exit', r));
    const locks = await api().backups.listLocks('vault');
    assert.equal(locks.length, 1);
    assert.equal(locks[0].stale, true, 'its process is gone from this machine');
    assert.equal(locks[0].id, lockFiles()[0]);
    const id = (await vscode.commands.executeCommand('backupScheduler.unlockRepository', { envId: 'vault', confirm: 'stale' })) as number;
    const t = await finished(id);
    assert.equal(t.kind, 'unlock');
    assert.equal(t.status, 'succeeded', t.error ?? '');
    assert.equal(t.result?.summary, '1 lock removed');
    assert.deepEqual(lockFiles(), []);
  });

  it('Restore Backup… puts the snapshot\'s files into a target folder', async () => {
    const [b] = await api().backups.listBackups('vault');
    const target = join(root, 'restored');
    const id = (await vscode.commands.executeCommand('backupScheduler.restore', { envId: 'vault', backupId: b.id, target, overwrite: false })) as number;
    const t = await finished(id);
    assert.equal(t.status, 'succeeded', t.error ?? '');
    const found = execFileSync('find', [target, '-type', 'f'], { encoding: 'utf8' }).trim().split('\n');
    const notes = found.find((f) => f.endsWith('/notes.txt'));
    assert.ok(notes, found.join(', '));
    assert.equal(readFileSync(notes, 'utf8'), 'remember\n');
  });
});
