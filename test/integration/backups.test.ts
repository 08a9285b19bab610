// The extension doing its job inside a real VS Code: environments from settings, commands from
// the palette API, tasks that really run and what the views and status bar then show.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { BackupSchedulerApi } from '../../src/extension/extension';
import type { TaskRecord } from '../../src/shared/model';
import { extension, until } from './manifest';

const root = mkdtempSync(join(tmpdir(), 'bs-int-'));
const src = join(root, 'src');
const dst = join(root, 'dst');

function api(): BackupSchedulerApi {
  return extension().exports as BackupSchedulerApi;
}

async function setEnvironments(list: Record<string, unknown>[]): Promise<void> {
  await vscode.workspace.getConfiguration('backupScheduler').update('environments', list, vscode.ConfigurationTarget.Global);
  await until(() => api().backups.environments().length === list.length);
}

async function finished(id: number): Promise<TaskRecord> {
  await until(() => api().backups.reader.getTask(id)?.finishedAt !== null);
  return api().backups.reader.getTask(id)!;
}

async function treeLabels(which: 'environments' | 'tasks'): Promise<{ label: string; description: string }[]> {
  const tree = api().views[which] as unknown as vscode.TreeDataProvider<unknown>;
  const out: { label: string; description: string }[] = [];
  const walk = async (el?: unknown) => {
    for (const child of (await tree.getChildren(el)) ?? []) {
      const item = await tree.getTreeItem(child);
      out.push({ label: String(typeof item.label === 'object' ? item.label.label : item.label), description: String(item.description ?? '') });
      if (item.collapsibleState !== vscode.TreeItemCollapsibleState.None) await walk(child);
    }
  };
  await walk();
  return out;
}

const folderEnv = { id: 'docs', name: 'Docs', type: 'folder', source: src, destination: dst, schedule: '0 3 * * *' };
// A working folder of its own: a command without one runs per workspace folder (id slow@<folder>).
const slowEnv = { id: 'slow', name: 'Slow dump', type: 'command', command: 'sleep 30; echo late > "$BACKUP_FILE"', source: root, destination: dst, schedule: '0 4 * * *' };

describe('backups in the extension host', function () {
  this.timeout(60_000);

  before(async () => {
    await until(() => extension().isActive);
    mkdirSync(join(src, 'sub'), { recursive: true });
    writeFileSync(join(src, 'a.txt'), 'alpha\n');
    writeFileSync(join(src, 'sub', 'b.txt'), 'beta\n');
  });

  after(async () => {
    await vscode.workspace.getConfiguration('backupScheduler').update('environments', undefined, vscode.ConfigurationTarget.Global);
  });

  it('an invalid entry shows its reason in the Environments view; the valid one beside it is scheduled', async () => {
    await setEnvironments([folderEnv, { id: 'broken', name: 'Broken', type: 'folder', source: src, destination: dst, schedule: 'every day' }]);
    const items = await treeLabels('environments');
    assert.deepEqual(items.map((i) => i.label), ['Docs', 'Broken']);
    assert.match(items[0].description, /^next in /);
    assert.match(items[1].description, /^invalid: "every day" has 2 fields/);
    assert.deepEqual(api().backups.scheduledIds(), ['docs']);
  });

  it('Run Backup Now produces a task that finishes, writes an archive GNU tar reads, and shows in the Tasks view', async () => {
    const id = (await vscode.commands.executeCommand('backupScheduler.runNow', 'docs')) as number;
    assert.equal(typeof id, 'number');
    const t = await finished(id);
    assert.equal(t.status, 'succeeded', t.error ?? '');
    const listing = execFileSync('tar', ['-tzf', t.result!.archivePath!], { encoding: 'utf8' });
    assert.match(listing, /a\.txt/);
    assert.match(listing, /sub\/b\.txt/);
    await until(async () => (await treeLabels('tasks')).some((i) => i.label === 'Docs — backup'));
    const row = (await treeLabels('tasks')).find((i) => i.label === 'Docs — backup')!;
    assert.match(row.description, /B|KB/, 'the row shows the archive size');
    await until(() => /Backup .*ago/.test(api().statusBar.text));
    // The environment's item shows the good backup; hovering it builds the tooltip.
    const tree = api().views.environments as unknown as vscode.TreeDataProvider<unknown>;
    const docs = async () => {
      const [node] = (await tree.getChildren()) ?? [];
      return { node, item: await tree.getTreeItem(node) };
    };
    await until(async () => ((await docs()).item.iconPath as vscode.ThemeIcon | undefined)?.id === 'pass');
    const { node, item } = await docs();
    const hovered = await tree.resolveTreeItem!(item, node, new vscode.CancellationTokenSource().token);
    const tip = (hovered?.tooltip as vscode.MarkdownString | undefined)?.value ?? '';
    assert.match(tip, /\*\*Next runs:\*\* \S/);
    assert.match(tip, /\*\*Last good backup:\*\* (?!never)\S/);
    assert.match(tip, /\*\*Stored:\*\* 1 backup/);
    // The window's history is saved and text-searched in the store worker (dist/storeWorker.js),
    // off the thread every extension shares; a search there finds the task by a part of its log.
    assert.equal(api().backups.storeInWorker, true);
    const log = api().backups.reader.logAfter(id, 0, 1)[0]?.text ?? '';
    const found = await api().backups.reader.searchTasks({ text: log.slice(2, 20), limit: 1000 });
    assert.ok(found.rows.some((r) => r.id === id), `searched for ${JSON.stringify(log.slice(2, 20))}`);
  });

  it('Cancel stops a running command (its process tree) and leaves no dump; Retry runs it again', async () => {
    await setEnvironments([folderEnv, slowEnv]);
    const id = (await vscode.commands.executeCommand('backupScheduler.runNow', 'slow')) as number;
    await until(() => api().backups.reader.getTask(id)?.status === 'running');
    await until(async () => (await treeLabels('tasks'))[0]?.label === 'Slow dump — backup');
    const busy = await vscode.commands.executeCommand('backupScheduler.runNow', 'slow');
    assert.equal(busy, undefined, 'a manual run of a busy environment starts nothing');
    assert.equal(await vscode.commands.executeCommand('backupScheduler.cancelTask', id), true);
    const t = await finished(id);
    assert.equal(t.status, 'cancelled');
    assert.deepEqual(readdirSync(dst).filter((n) => n.startsWith('slow-')), []);
    const retried = (await vscode.commands.executeCommand('backupScheduler.retryTask', id)) as number;
    assert.equal(typeof retried, 'number');
    assert.notEqual(retried, id);
    assert.equal(api().backups.reader.getTask(retried)?.trigger, 'manual');
    await vscode.commands.executeCommand('backupScheduler.cancelTask', retried);
    assert.equal((await finished(retried)).status, 'cancelled');
  });

  it('Disable and Enable write the setting and the schedule follows', async () => {
    await setEnvironments([folderEnv]);
    await vscode.commands.executeCommand('backupScheduler.disableEnvironment', 'docs');
    const raw = () => vscode.workspace.getConfiguration('backupScheduler').inspect<Record<string, unknown>[]>('environments')!.globalValue![0];
    assert.equal(raw().enabled, false);
    await until(() => api().backups.scheduledIds().length === 0);
    assert.equal((await treeLabels('environments'))[0].description, 'disabled');
    await vscode.commands.executeCommand('backupScheduler.enableEnvironment', { envId: 'docs' });
    assert.equal(raw().enabled, true);
    await until(() => api().backups.scheduledIds().includes('docs'));
  });

  it('Add Environment (given an entry) writes it to the settings and schedules it at once; a bad one is refused', async () => {
    await setEnvironments([folderEnv]);
    const added = await vscode.commands.executeCommand('backupScheduler.addEnvironment', { id: 'notes', name: 'Notes', type: 'folder', source: src, destination: join(root, 'dst2'), schedule: '*/5 * * * *' });
    assert.equal(added, 'notes');
    await until(() => api().backups.scheduledIds().includes('notes'));
    const refused = await vscode.commands.executeCommand('backupScheduler.addEnvironment', { id: 'notes', name: 'Again', type: 'folder', source: src, destination: dst, schedule: '0 0 * * *' });
    assert.equal(refused, undefined);
    assert.equal(api().backups.environments().length, 2);
  });

  it('Restore Backup… extracts the chosen archive into a target folder', async () => {
    await setEnvironments([folderEnv]);
    const archive = api().backups.reader.lastSucceeded('docs', 'backup')!.result!.archivePath!;
    const target = join(root, 'restored');
    const id = (await vscode.commands.executeCommand('backupScheduler.restore', { envId: 'docs', archivePath: archive, target, overwrite: false })) as number;
    const t = await finished(id);
    assert.equal(t.status, 'succeeded', t.error ?? '');
    const found = execFileSync('find', [target, '-type', 'f'], { encoding: 'utf8' });
    const b = found.split('\n').find((p) => p.endsWith('sub/b.txt'));
    assert.ok(b, found);
    assert.equal(readFileSync(b, 'utf8'), 'beta\n');
  });

  it('Export History writes CSV and JSON with every task; Clear History empties it', async () => {
    const csv = join(root, 'history.csv');
    await vscode.commands.executeCommand('backupScheduler.exportHistory', { format: 'csv', path: csv });
    const lines = readFileSync(csv, 'utf8').trim().split('\r\n');
    const total = api().backups.reader.queryTasks({ limit: 0 }).total;
    assert.equal(lines.length, total + 1);
    assert.match(lines[0], /^id,envId,kind,trigger,status/);
    const json = join(root, 'history.json');
    await vscode.commands.executeCommand('backupScheduler.exportHistory', { format: 'json', path: json });
    assert.equal(JSON.parse(readFileSync(json, 'utf8')).length, total);
    const removed = await vscode.commands.executeCommand('backupScheduler.clearHistory', { confirm: true });
    assert.equal(removed, total);
    assert.equal(api().backups.reader.queryTasks({ limit: 0 }).total, 0);
    assert.ok(existsSync(csv));
  });
});
