// Browse and compare with the restic engine in a real VS Code: a real local repository (restic
// 0.14+), a snapshot read back through the `backup:` file system, marks from `restic ls`, and
// Restore This Version from a snapshot.
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { BackupSchedulerApi } from '../../src/extension/extension';
import type { TaskRecord } from '../../src/shared/model';
import { newestFirst, type FileMark } from '../../src/extension/core/browse/compareMarks';
import { markChoices } from '../../src/extension/core/browse/markChoices';
import { extension, until } from './manifest';

const root = mkdtempSync(join(tmpdir(), 'bs-browse-restic-int-'));
const src = join(root, 'src');
const passwordFile = join(root, 'password');
const ENV = { id: 'browse-restic', name: 'Browse Restic', type: 'folder', source: src, engine: 'restic', repository: join(root, 'repo'), passwordFile, schedule: '0 3 * * *' };
const api = () => extension().exports as BackupSchedulerApi;

async function finished(id: number): Promise<TaskRecord> {
  await until(() => api().backups.reader.getTask(id)?.finishedAt != null);
  return api().backups.reader.getTask(id)!;
}

describe('browse, compare and restore one file: restic', function () {
  this.timeout(60_000);
  let snapshot: string;
  const uri = (path: string) => vscode.Uri.from({ scheme: 'backup', path: `/${ENV.id}/${encodeURIComponent(snapshot)}${path ? `/${path}` : ''}` });

  before(async () => {
    await until(() => extension().isActive);
    mkdirSync(join(src, 'docs'), { recursive: true });
    writeFileSync(join(src, 'docs', 'plan.md'), '# plan\n\nkeep this\n');
    writeFileSync(join(src, 'same.txt'), 'unchanged\n');
    writeFileSync(passwordFile, 'correct-horse-battery\n', { mode: 0o600 });
    await vscode.workspace.getConfiguration('backupScheduler').update('environments', [ENV], vscode.ConfigurationTarget.Global);
    await until(() => api().backups.environment(ENV.id) !== undefined);
    const init = await finished((await vscode.commands.executeCommand('backupScheduler.initRepository', { envId: ENV.id })) as number);
    assert.equal(init.status, 'succeeded', init.error ?? '');
    const t = await finished((await vscode.commands.executeCommand('backupScheduler.runNow', ENV.id)) as number);
    assert.equal(t.status, 'succeeded', t.error ?? '');
    snapshot = (await api().backups.listBackups(ENV.id))[0].id;
    writeFileSync(join(src, 'docs', 'plan.md'), '# plan\n\nlost it\n');
    writeFileSync(join(src, 'new.txt'), 'added later\n');
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.workspace.getConfiguration('backupScheduler').update('environments', undefined, vscode.ConfigurationTarget.Global);
  });

  it('opens a file of a snapshot through backup: and lists the snapshot\'s folders', async () => {
    const doc = await vscode.workspace.openTextDocument(uri('docs/plan.md'));
    assert.equal(doc.getText(), '# plan\n\nkeep this\n');
    assert.deepEqual(await vscode.workspace.fs.readDirectory(uri('')), [['docs', vscode.FileType.Directory], ['same.txt', vscode.FileType.File]]);
  });

  it('marks each file from `restic ls`: same as now, different, not in this backup', async () => {
    const env = api().backups.environment(ENV.id)!;
    const mark = async (rel: string) => {
      const marks: (FileMark | string | undefined)[] = [];
      const file = join(src, rel);
      const st = statSync(file, { throwIfNoEntry: false });
      await markChoices(newestFirst([{ holder: { env, rel }, backups: await api().backups.listBackups(ENV.id) }]), {
        entry: (envId, id, p, signal) => api().browse.fs.listings.lookup(envId, id, p, signal),
        readBackup: (envId, id, p) => api().backups.readFile(envId, id, p),
        current: st && { size: st.size, mtime: st.mtimeMs },
        readCurrent: async () => readFileSync(file),
        onMark: (i, m, error) => (marks[i] = m ?? error),
      });
      return marks;
    };
    assert.deepEqual(await mark('same.txt'), ['same']);
    assert.deepEqual(await mark('docs/plan.md'), ['different']);
    assert.deepEqual(await mark('new.txt'), ['missing']);
  });

  it('Compare with Backup opens the snapshot\'s version beside the file, and Restore This Version writes it back', async () => {
    const file = join(src, 'docs', 'plan.md');
    const left = await vscode.commands.executeCommand<string>('backupScheduler.compareWithBackup', { uri: file, backupId: snapshot });
    assert.equal(left, uri('docs/plan.md').toString());
    assert.equal(await vscode.commands.executeCommand('backupScheduler.restoreThisVersion', { confirm: false }), true);
    assert.equal(readFileSync(file, 'utf8'), '# plan\n\nkeep this\n');
  });
});
