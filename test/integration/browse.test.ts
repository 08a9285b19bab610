// Browse, compare and restore one file inside a real VS Code: a real backup of a real folder,
// read back through the `backup:` file system, compared in the diff editor, restored as an edit
// that Undo takes back, and restored from the Browse Backup view through the engine's restore.
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { BackupSchedulerApi } from '../../src/extension/extension';
import type { TaskRecord } from '../../src/shared/model';
import { environmentsHolding, newestFirst, type FileMark } from '../../src/extension/core/browse/compareMarks';
import { markChoices } from '../../src/extension/core/browse/markChoices';
import { extension, until } from './manifest';

const root = mkdtempSync(join(tmpdir(), 'bs-browse-int-'));
const src = join(root, 'src');
const dst = join(root, 'dst');
const ENV = { id: 'browse-int', name: 'Browse Int', type: 'folder', source: src, destination: dst, schedule: '0 3 * * *' };
const ORIGINAL = '# Notes\n\nThe first version.\n';
const BINARY = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 255, 0, 42]);

const api = () => extension().exports as BackupSchedulerApi;

async function finished(id: number): Promise<TaskRecord> {
  await until(() => (api().backups.liveRecord(id) ?? api().backups.reader.getTask(id))?.finishedAt != null);
  await until(() => api().backups.reader.getTask(id)?.finishedAt != null);
  return api().backups.reader.getTask(id)!;
}

describe('browse, compare and restore one file', function () {
  this.timeout(60_000);
  let backupId: string;
  const uri = (path: string) => vscode.Uri.from({ scheme: 'backup', path: `/${ENV.id}/${encodeURIComponent(backupId)}${path ? `/${path}` : ''}` });

  before(async () => {
    await until(() => extension().isActive);
    mkdirSync(join(src, 'notes'), { recursive: true });
    writeFileSync(join(src, 'notes', 'a.md'), ORIGINAL);
    writeFileSync(join(src, 'same.txt'), 'unchanged\n');
    writeFileSync(join(src, 'pic.bin'), BINARY);
    writeFileSync(join(src, 'touched.txt'), 'same bytes, new time\n');
    await vscode.workspace.getConfiguration('backupScheduler').update('environments', [ENV], vscode.ConfigurationTarget.Global);
    await until(() => api().backups.environment(ENV.id) !== undefined);
    const outcome = await api().backups.runNow(ENV.id);
    assert.ok('taskId' in outcome, JSON.stringify(outcome));
    const task = await finished(outcome.taskId);
    assert.equal(task.status, 'succeeded', task.error ?? '');
    backupId = (await api().backups.listBackups(ENV.id))[0].id;
    // After the backup: one file edited (same second as the backup is avoided by an explicit
    // later time), one added.
    writeFileSync(join(src, 'notes', 'a.md'), '# Notes\n\nA broken edit.\n');
    const later = new Date(Date.now() + 5000);
    utimesSync(join(src, 'notes', 'a.md'), later, later);
    writeFileSync(join(src, 'new.txt'), 'added later\n');
    utimesSync(join(src, 'touched.txt'), later, later);
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.workspace.getConfiguration('backupScheduler').update('environments', undefined, vscode.ConfigurationTarget.Global);
  });

  it('opens a backup: file in an editor and reads the backed-up content', async () => {
    const doc = await vscode.workspace.openTextDocument(uri('notes/a.md'));
    assert.equal(doc.getText(), ORIGINAL);
    const editor = await vscode.window.showTextDocument(doc);
    assert.equal(editor.document.uri.scheme, 'backup');
    assert.deepEqual(new Uint8Array(await vscode.workspace.fs.readFile(uri('pic.bin'))), BINARY);
    const st = await vscode.workspace.fs.stat(uri('notes/a.md'));
    assert.equal(st.type, vscode.FileType.File);
    assert.equal(st.size, Buffer.byteLength(ORIGINAL));
    assert.equal(st.permissions, vscode.FilePermission.Readonly);
  });

  it('lists folders of a backup, and is read-only', async () => {
    const top = await vscode.workspace.fs.readDirectory(uri(''));
    assert.deepEqual(top, [['notes', vscode.FileType.Directory], ['pic.bin', vscode.FileType.File], ['same.txt', vscode.FileType.File], ['touched.txt', vscode.FileType.File]]);
    assert.deepEqual(await vscode.workspace.fs.readDirectory(uri('notes')), [['a.md', vscode.FileType.File]]);
    assert.equal(vscode.workspace.fs.isWritableFileSystem('backup'), false);
    await assert.rejects(Promise.resolve(vscode.workspace.fs.writeFile(uri('notes/a.md'), new Uint8Array([1]))), (e: vscode.FileSystemError) => e.code === 'NoPermissions');
    await assert.rejects(Promise.resolve(vscode.workspace.fs.stat(uri('new.txt'))), (e: vscode.FileSystemError) => e.code === 'FileNotFound');
    await assert.rejects(Promise.resolve(vscode.workspace.fs.readFile(uri('notes'))), (e: vscode.FileSystemError) => e.code === 'FileIsADirectory');
  });

  it('marks the backup of each file from the real listing: same as now, different, not in this backup', async () => {
    const envs = api().backups.environments().flatMap((e) => (e.valid ? [e.environment] : []));
    const mark = async (name: string) => {
      const file = join(src, ...name.split('/'));
      const holders = environmentsHolding(file, envs);
      assert.deepEqual(holders.map((h) => [h.env.id, h.rel]), [[ENV.id, name]]);
      const choices = newestFirst([{ holder: holders[0], backups: await api().backups.listBackups(ENV.id) }]);
      const marks: (FileMark | string | undefined)[] = [];
      const st = statSync(file, { throwIfNoEntry: false });
      await markChoices(choices, {
        entry: (envId, id, p, signal) => api().browse.fs.listings.lookup(envId, id, p, signal),
        readBackup: (envId, id, p) => api().backups.readFile(envId, id, p),
        current: st && { size: st.size, mtime: st.mtimeMs },
        readCurrent: async () => readFileSync(file),
        onMark: (i, m, error) => (marks[i] = m ?? error),
      });
      return marks;
    };
    assert.deepEqual(await mark('same.txt'), ['same']);
    assert.deepEqual(await mark('touched.txt'), ['same'], 'a later time but the same bytes');
    assert.deepEqual(await mark('notes/a.md'), ['different']);
    assert.deepEqual(await mark('new.txt'), ['missing']);
  });

  it('Compare with Backup opens the diff: the backup on the left, the file on the right', async () => {
    const file = vscode.Uri.file(join(src, 'notes', 'a.md'));
    const left = await vscode.commands.executeCommand<string>('backupScheduler.compareWithBackup', { uri: file.fsPath, backupId });
    assert.equal(left, uri('notes/a.md').toString());
    const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
    assert.ok(input instanceof vscode.TabInputTextDiff, 'a diff editor is active');
    assert.equal(input.original.toString(), uri('notes/a.md').toString());
    assert.equal(input.modified.fsPath, file.fsPath);
  });

  it('Restore This Version writes the backup content to disk, and Undo brings the edit back', async () => {
    const file = join(src, 'notes', 'a.md');
    const ok = await vscode.commands.executeCommand<boolean>('backupScheduler.restoreThisVersion', { confirm: false });
    assert.equal(ok, true);
    assert.equal(readFileSync(file, 'utf8'), ORIGINAL);
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === file)!;
    assert.equal(doc.getText(), ORIGINAL);
    await vscode.window.showTextDocument(doc);
    await vscode.commands.executeCommand('undo');
    assert.equal(doc.getText(), '# Notes\n\nA broken edit.\n');
    assert.ok(doc.isDirty, 'undone in the editor, not yet saved');
    await doc.save();
    assert.equal(readFileSync(file, 'utf8'), '# Notes\n\nA broken edit.\n');
  });

  it('Restore This Version brings back bytes, and a file that is gone', async () => {
    writeFileSync(join(src, 'pic.bin'), 'now text');
    assert.equal(await vscode.commands.executeCommand('backupScheduler.restoreThisVersion', { backupUri: uri('pic.bin'), targetUri: join(src, 'pic.bin'), confirm: false }), true);
    assert.deepEqual(new Uint8Array(readFileSync(join(src, 'pic.bin'))), BINARY);
    const gone = join(root, 'gone', 'same.txt');
    assert.equal(await vscode.commands.executeCommand('backupScheduler.restoreThisVersion', { backupUri: uri('same.txt'), targetUri: gone, confirm: false }), true);
    assert.equal(readFileSync(gone, 'utf8'), 'unchanged\n');
  });

  it('Browse Backup shows the backup as a tree, and restores a folder from it elsewhere', async () => {
    const rootUri = await vscode.commands.executeCommand<string>('backupScheduler.browseBackup', { envId: ENV.id, backupId });
    assert.equal(rootUri, uri('').toString());
    const tree = api().browse.tree;
    const [node] = await tree.getChildren();
    assert.equal(node.kind, 'backup');
    const kids = await tree.getChildren(node);
    assert.deepEqual(kids.map((k) => (k.kind === 'entry' ? k.entry.path : '')), ['notes', 'pic.bin', 'same.txt', 'touched.txt']);
    const item = tree.getTreeItem(kids[2]);
    assert.equal(item.contextValue, 'backup.file');
    assert.equal(item.command?.command, 'vscode.open');
    // The file item's Compare: that version against the file now.
    const left = await vscode.commands.executeCommand<string>('backupScheduler.compareWithBackup', kids[2]);
    assert.equal(left, uri('same.txt').toString());
    const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
    assert.ok(input instanceof vscode.TabInputTextDiff && input.modified.fsPath === join(src, 'same.txt'));
    const target = mkdtempSync(join(root, 'elsewhere-'));
    const taskId = await vscode.commands.executeCommand<number>('backupScheduler.restoreFromBackup', kids[0], { target, overwrite: false });
    assert.equal(typeof taskId, 'number');
    const task = await finished(taskId);
    assert.equal(task.status, 'succeeded', task.error ?? '');
    assert.equal(readFileSync(join(target, 'notes', 'a.md'), 'utf8'), ORIGINAL);
    assert.ok(!existsSync(join(target, 'same.txt')), 'only the folder asked for');
    await vscode.commands.executeCommand('backupScheduler.closeBrowsedBackup', node);
    assert.deepEqual(await tree.getChildren(), []);
  });
});
