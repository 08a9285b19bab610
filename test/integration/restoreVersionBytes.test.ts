// Restore This Version on files that are not UTF-8 text, in a real VS Code: a PNG, a UTF-16 file
// and a file with a NUL byte get the backup's bytes exactly, their current bytes are first kept
// in the extension's storage, and Undo in an editor of the UTF-16 file brings its old bytes back
// (before: Undo deleted the file, and the old bytes were gone).
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { BackupSchedulerApi } from '../../src/extension/extension';
import { extension, until } from './manifest';

const root = mkdtempSync(join(tmpdir(), 'bs-version-bytes-'));
const src = join(root, 'src');
const ENV = { id: 'version-bytes', name: 'Version Bytes', type: 'folder', source: src, destination: join(root, 'dst'), schedule: '0 3 * * *' };
const api = () => extension().exports as BackupSchedulerApi;

const png = (seed: number) => Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]), Buffer.from(Array.from({ length: 64 }, (_, i) => (i * seed) & 0xff))]);
const utf16 = (text: string) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
const FILES: Record<string, { backup: Buffer; now: Buffer }> = {
  'pic.png': { backup: png(7), now: png(13) },
  'wide.txt': { backup: utf16('Grüße aus dem Backup\n'), now: utf16('Grüße von jetzt, ganz anders\n') },
  'nul.dat': { backup: Buffer.from('before\0after, backed up\n'), now: Buffer.from('now\0with a NUL too\n') },
  'edited.txt': { backup: utf16('Sicherung\n'), now: utf16('Jetzt, ganz anders\n') },
  'open.txt': { backup: utf16('Offen gesichert\n'), now: utf16('Offen, jetzt anders\n') },
};

describe('Restore This Version on binary and non-UTF-8 files', function () {
  this.timeout(60_000);
  let backupId: string;
  const uri = (p: string) => vscode.Uri.from({ scheme: 'backup', path: `/${ENV.id}/${encodeURIComponent(backupId)}/${p}` });

  before(async () => {
    await until(() => extension().isActive);
    mkdirSync(src, { recursive: true });
    for (const [name, f] of Object.entries(FILES)) writeFileSync(join(src, name), f.backup);
    await vscode.workspace.getConfiguration('backupScheduler').update('environments', [ENV], vscode.ConfigurationTarget.Global);
    await until(() => api().backups.environment(ENV.id) !== undefined);
    const outcome = await api().backups.runNow(ENV.id);
    assert.ok('taskId' in outcome, JSON.stringify(outcome));
    await until(() => api().backups.reader.getTask(outcome.taskId)?.finishedAt != null);
    assert.equal(api().backups.reader.getTask(outcome.taskId)!.status, 'succeeded');
    backupId = (await api().backups.listBackups(ENV.id))[0].id;
    for (const [name, f] of Object.entries(FILES)) writeFileSync(join(src, name), f.now);
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.workspace.getConfiguration('backupScheduler').update('environments', undefined, vscode.ConfigurationTarget.Global);
  });

  for (const name of Object.keys(FILES)) {
    it(`${name}: gets the backup's bytes, and its current bytes are kept first`, async () => {
      const target = join(src, name);
      const ok = await vscode.commands.executeCommand<boolean>('backupScheduler.restoreThisVersion', { backupUri: uri(name), targetUri: target, confirm: false });
      assert.equal(ok, true);
      assert.deepEqual(readFileSync(target), FILES[name].backup);
      const keptDir = (api().browse as { keptDir?: string }).keptDir;
      assert.ok(keptDir, 'the extension keeps replaced content somewhere');
      const kept = readdirSync(keptDir).filter((n) => n.endsWith(`-${name}`)).sort();
      assert.ok(kept.length > 0, `no copy of ${name} in ${keptDir}: ${readdirSync(keptDir).join(', ')}`);
      assert.deepEqual(readFileSync(join(keptDir, kept[kept.length - 1])), FILES[name].now);
    });
  }

  it('unsaved changes in an editor of the UTF-16 file are saved into the kept copy, not lost', async () => {
    const target = join(src, 'edited.txt');
    writeFileSync(target, FILES['edited.txt'].now);
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(target));
    await until(() => doc.getText().startsWith('Jetzt'));
    const editor = await vscode.window.showTextDocument(doc);
    assert.ok(await editor.edit((e) => e.insert(new vscode.Position(0, 0), 'Ungespeichert: ')));
    assert.ok(doc.isDirty);
    assert.equal(await vscode.commands.executeCommand<boolean>('backupScheduler.restoreThisVersion', { backupUri: uri('edited.txt'), targetUri: target, confirm: false }), true);
    assert.deepEqual(readFileSync(target), FILES['edited.txt'].backup);
    const keptDir = api().browse.keptDir;
    const kept = readdirSync(keptDir).filter((n) => n.endsWith('-edited.txt')).sort();
    assert.deepEqual(readFileSync(join(keptDir, kept[kept.length - 1])), utf16('Ungespeichert: Jetzt, ganz anders\n'));
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('Undo in an editor of the UTF-16 file brings its previous bytes back', async () => {
    const target = join(src, 'wide.txt');
    writeFileSync(target, FILES['wide.txt'].now);
    assert.equal(await vscode.commands.executeCommand<boolean>('backupScheduler.restoreThisVersion', { backupUri: uri('wide.txt'), targetUri: target, confirm: false }), true);
    assert.deepEqual(readFileSync(target), FILES['wide.txt'].backup);
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(target));
    await until(() => doc.getText().startsWith('Grüße aus dem Backup'));
    await vscode.window.showTextDocument(doc);
    await vscode.commands.executeCommand('undo');
    await until(() => {
      try {
        return readFileSync(target).equals(FILES['wide.txt'].now);
      } catch {
        return false;
      }
    });
  });

  it('Undo in an editor of a UTF-16 file that was open before the restore brings its previous bytes back', async () => {
    const target = join(src, 'open.txt');
    writeFileSync(target, FILES['open.txt'].now);
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(target));
    await until(() => doc.getText().startsWith('Offen, jetzt'));
    await vscode.window.showTextDocument(doc);
    assert.equal(await vscode.commands.executeCommand<boolean>('backupScheduler.restoreThisVersion', { backupUri: uri('open.txt'), targetUri: target, confirm: false }), true);
    assert.deepEqual(readFileSync(target), FILES['open.txt'].backup);
    await until(() => vscode.window.activeTextEditor?.document.uri.fsPath === target && vscode.window.activeTextEditor.document.getText().startsWith('Offen gesichert'));
    await vscode.commands.executeCommand('undo');
    await until(() => {
      try {
        return readFileSync(target).equals(FILES['open.txt'].now);
      } catch {
        return false;
      }
    });
  });
});
