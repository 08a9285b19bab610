// Issue 13 in the real host: a destination under /proc (where Node's recursive mkdir spins for
// ever) fails its task with a clear message, the environment is free again at once, and a good
// environment's scheduled runs go on, one per occurrence, none skipped.
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { BackupSchedulerApi } from '../../src/extension/extension';
import type { TaskRecord } from '../../src/shared/model';
import { extension, until } from './manifest';

const root = mkdtempSync(join(tmpdir(), 'bs-stuck-'));
const src = join(root, 'src');

function api(): BackupSchedulerApi {
  return extension().exports as BackupSchedulerApi;
}

function tasksOf(envId: string): TaskRecord[] {
  return api().backups.reader.queryTasks({ envIds: [envId], sort: 'id', limit: 100 }).rows;
}

/** The occurrence a scheduled task ran for, from its first log line. */
function occurrenceOf(t: TaskRecord): number | undefined {
  const line = api().backups.reader.logAfter(t.id, 0, 5).find((l) => l.text.startsWith('scheduled run of '));
  return line ? Date.parse(line.text.slice('scheduled run of '.length)) : undefined;
}

describe('stuck paths: a destination under /proc', function () {
  this.timeout(60_000);

  before(async function () {
    if (process.platform !== 'linux') this.skip();
    await until(() => extension().isActive);
    mkdirSync(src, { recursive: true });
    writeFileSync(join(src, 'a.txt'), 'alpha\n');
  });

  after(async () => {
    await vscode.workspace.getConfiguration('backupScheduler').update('environments', undefined, vscode.ConfigurationTarget.Global);
  });

  it('fails its task with a clear message naming the path, while a good environment keeps its schedule', async () => {
    const good = { id: 'good', name: 'Good', type: 'folder', source: src, destination: join(root, 'dst'), schedule: '*/2 * * * * *' };
    const proc = { id: 'mistyped', name: 'Mistyped', type: 'folder', source: src, destination: '/proc/backup-here', schedule: '0 3 * * *' };
    await vscode.workspace.getConfiguration('backupScheduler').update('environments', [good, proc], vscode.ConfigurationTarget.Global);
    await until(() => api().backups.scheduledIds().includes('good') && api().backups.scheduledIds().includes('mistyped'));
    await until(() => tasksOf('good').some((t) => t.status === 'succeeded'));

    const id = (await vscode.commands.executeCommand('backupScheduler.runNow', 'mistyped')) as number;
    assert.equal(typeof id, 'number');
    await until(() => api().backups.reader.getTask(id)?.finishedAt !== null);
    const t = api().backups.reader.getTask(id)!;
    assert.equal(t.status, 'failed');
    assert.equal(t.error, 'Cannot write to destination /proc/backup-here: /proc is on proc, a kernel pseudo file system that cannot store files (was another folder meant?)');
    assert.equal(existsSync('/proc/backup-here'), false);
    console.log(`    measured: /proc destination failed ${t.finishedAt! - t.startedAt!} ms after its task started`);

    // Not wedged: the environment is free at once and fails the same way again.
    const again = (await vscode.commands.executeCommand('backupScheduler.runNow', 'mistyped')) as number | undefined;
    assert.equal(typeof again, 'number', 'a second run starts (the environment is not busy)');
    await until(() => api().backups.reader.getTask(again!)?.finishedAt !== null);
    assert.equal(api().backups.reader.getTask(again!)!.status, 'failed');

    // The good environment's next scheduled runs happen, one task per two-second occurrence.
    const after = t.finishedAt!;
    await until(() => tasksOf('good').filter((g) => g.trigger === 'scheduled' && g.startedAt !== null && g.startedAt > after && g.finishedAt !== null).length >= 3);
    const runs = tasksOf('good').filter((g) => g.trigger === 'scheduled' && g.startedAt !== null && g.startedAt > after && g.finishedAt !== null).slice(0, 3);
    assert.deepEqual(runs.map((g) => g.status), ['succeeded', 'succeeded', 'succeeded']);
    const occurrences = runs.map(occurrenceOf);
    assert.ok(occurrences.every((o) => o !== undefined), 'each run names its occurrence');
    assert.deepEqual(occurrences.slice(1).map((o, i) => o! - occurrences[i]!), [2000, 2000], 'consecutive occurrences, none missed');
    assert.deepEqual(tasksOf('good').filter((g) => g.status === 'skipped'), [], 'no occurrence skipped as busy');
    const late = runs.map((g, i) => g.startedAt! - occurrences[i]!);
    console.log(`    measured: the good environment's next scheduled runs started ${late.join(', ')} ms after their occurrences`);
  });
});
