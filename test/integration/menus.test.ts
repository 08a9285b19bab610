import * as assert from 'node:assert/strict';
import { extension } from './manifest';

interface MenuEntry {
  command: string;
  when?: string;
  group?: string;
}

const ENVIRONMENTS = 'backupScheduler.environments';
const TASKS = 'backupScheduler.tasks';
const BROWSE = 'backupScheduler.browse';

/** Evaluates the when-clause forms the manifest uses for view items (`a && b`, `==`, `=~ /re/`). */
function matches(when: string, context: Record<string, string>): boolean {
  return when.split(' && ').every((term) => {
    const eq = /^(\w+) == (\S+)$/.exec(term);
    if (eq) return context[eq[1]] === eq[2];
    const re = /^(\w+) =~ \/(.+)\/$/.exec(term);
    if (re) return new RegExp(re[2]).test(context[re[1]] ?? '');
    throw new Error(`unsupported when-clause term: ${term}`);
  });
}

function menus(): Record<string, MenuEntry[]> {
  return extension().packageJSON.contributes.menus;
}

function actions(menu: string, view: string, viewItem: string, inline: boolean): string[] {
  return menus()[menu]
    .filter((m) => matches(m.when ?? '', { view, viewItem }) && (m.group ?? '').startsWith('inline') === inline)
    .map((m) => m.command.replace('backupScheduler.', ''))
    .sort();
}

describe('menus', () => {
  it('name only contributed commands', () => {
    const contributed = new Set(extension().packageJSON.contributes.commands.map((c: { command: string }) => c.command));
    for (const [menu, entries] of Object.entries(menus())) {
      for (const e of entries) assert.ok(contributed.has(e.command), `${menu}: ${e.command}`);
    }
  });

  it('keep item-only commands out of the command palette', () => {
    const hidden = menus().commandPalette.filter((m) => m.when === 'false').map((m) => m.command.replace('backupScheduler.', '')).sort();
    assert.deepEqual(hidden, ['addBackupToWorkspace', 'agent.stopInBackground', 'closeBrowsedBackup', 'editEnvironment', 'openDestination', 'refresh', 'restoreFromBackup', 'retryTask', 'revealArchive', 'showTaskLog', 'verifyBackup']);
  });

  it('give each kind of tree item its inline actions', () => {
    const inline = (view: string, item: string) => actions('view/item/context', view, item, true);
    assert.deepEqual(inline(ENVIRONMENTS, 'environment.enabled'), ['disableEnvironment', 'editEnvironment', 'runNow']);
    assert.deepEqual(inline(ENVIRONMENTS, 'environment.disabled'), ['editEnvironment', 'enableEnvironment', 'runNow']);
    assert.deepEqual(inline(ENVIRONMENTS, 'environment.invalid'), ['editEnvironment']);
    // An environment only the background agent runs (its workspace is not open here).
    assert.deepEqual(inline(ENVIRONMENTS, 'agentOnlyEnvironment'), ['agent.stopInBackground']);
    assert.deepEqual(inline(TASKS, 'task.running'), ['cancelTask', 'showTaskLog']);
    assert.deepEqual(inline(TASKS, 'task.queued'), ['cancelTask', 'showTaskLog']);
    assert.deepEqual(inline(TASKS, 'task.finished'), ['retryTask', 'showTaskLog']);
    assert.deepEqual(inline(TASKS, 'task.finished.archive'), ['retryTask', 'revealArchive', 'showTaskLog']);
  });

  it('offer restore and verify only where there is an archive or a valid environment', () => {
    const context = (view: string, item: string) => actions('view/item/context', view, item, false);
    assert.ok(context(TASKS, 'task.finished.archive').includes('verifyBackup'));
    assert.ok(context(TASKS, 'task.finished.archive').includes('restore'));
    assert.ok(!context(TASKS, 'task.finished').includes('verifyBackup'));
    assert.ok(context(ENVIRONMENTS, 'environment.enabled').includes('restore'));
    assert.ok(!context(ENVIRONMENTS, 'environment.invalid').includes('restore'));
    assert.ok(!context(ENVIRONMENTS, 'environment.invalid').includes('runNow'));
  });

  it('put the title actions of each view in its navigation group', () => {
    const title = (view: string) => menus()['view/title'].filter((m) => matches(m.when ?? '', { view }) && m.group?.startsWith('navigation')).map((m) => m.command.replace('backupScheduler.', ''));
    assert.deepEqual(title(ENVIRONMENTS), ['addEnvironment', 'showNextRuns', 'refresh']);
    assert.deepEqual(title(TASKS), ['openTaskLog', 'refresh']);
  });

  it('give each item of a browsed backup its actions: compare a file, restore anything, close or add the backup', () => {
    const inline = (item: string) => actions('view/item/context', BROWSE, item, true);
    const context = (item: string) => actions('view/item/context', BROWSE, item, false);
    assert.deepEqual(inline('backup.file'), ['compareWithBackup', 'restoreFromBackup']);
    assert.deepEqual(inline('backup.folder'), ['restoreFromBackup']);
    assert.deepEqual(inline('backup.root'), ['closeBrowsedBackup', 'restoreFromBackup']);
    assert.deepEqual(inline('backup.other'), []);
    assert.deepEqual(context('backup.root'), ['addBackupToWorkspace', 'closeBrowsedBackup', 'restoreFromBackup']);
    assert.ok(actions('view/item/context', ENVIRONMENTS, 'environment.enabled', false).includes('browseBackup'));
  });

  it('offer Compare with Backup on files in the Explorer and editors, and Restore This Version in a backup diff', () => {
    // In a remote window VS Code rewrites `resourceScheme == file` to the scheme the workbench
    // sees (vscode-remote), quotes values and may reorder terms: compare the terms, normalized.
    const terms = (when = '') => when.split(' && ').map((t) => t.replace(/'/g, '').replace('resourceScheme == vscode-remote', 'resourceScheme == file')).sort().join(' && ');
    const where = (command: string) => Object.entries(menus()).flatMap(([menu, entries]) => entries.filter((e) => e.command === `backupScheduler.${command}`).map((e) => `${menu}: ${terms(e.when)}`)).sort();
    assert.deepEqual(where('compareWithBackup').filter((w) => !w.startsWith('view/')), [
      'editor/context: !isInDiffEditor && resourceScheme == file',
      'editor/title/context: resourceScheme == file',
      'explorer/context: !explorerResourceIsFolder && resourceScheme == file',
    ]);
    assert.deepEqual(where('restoreThisVersion'), [
      'commandPalette: backupScheduler.backupDiffActive || resourceScheme == backup',
      'editor/title: backupScheduler.backupDiffActive || resourceScheme == backup',
    ]);
  });
});
