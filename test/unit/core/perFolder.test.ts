// Environments that follow the window's folder (issue 11.1): one per open folder, with an id
// that says which, so two windows (or two folders of one window) never share one history.
import * as assert from 'node:assert/strict';
import { dependsOnFolder, folderKey, parseEnvironmentLists, parseEnvironments } from '../../../src/extension/core/environments/parse';
import { expandPath } from '../../../src/extension/core/environments/expand';
import type { Environment } from '../../../src/extension/core/environments/types';

const A = { name: 'app', path: '/work/a/app' };
const B = { name: 'app', path: '/work/b/app' };
const C = { name: 'docs', path: '/work/docs' };
const base = { home: '/home/u', env: {} };
const notes = { id: 'notes', name: 'Notes', type: 'folder', source: '${workspaceFolder}/notes', destination: '/backups', schedule: '0 * * * *' };
const dump = { id: 'db', name: 'DB', type: 'command', command: 'echo > "$BACKUP_FILE"', destination: '/backups', schedule: '0 * * * *' };
const fixed = { id: 'etc', name: 'Etc', type: 'folder', source: '/etc', destination: '/backups', schedule: '0 * * * *' };

function valid(entries: ReturnType<typeof parseEnvironments>): Environment[] {
  return entries.flatMap((e) => (e.valid ? [e.environment] : []));
}

describe('environments that follow the workspace folder', () => {
  it('tells which entries depend on the folder', () => {
    assert.equal(dependsOnFolder(notes), true);
    assert.equal(dependsOnFolder(dump), true, 'a command with no source runs in the workspace folder');
    assert.equal(dependsOnFolder(fixed), false);
    assert.equal(dependsOnFolder({ ...fixed, destination: '${workspaceFolder}/.backups' }), true);
    assert.equal(dependsOnFolder({ ...fixed, source: '${workspaceFolder:docs}/x' }), false, 'a named folder is one folder, not "the" folder');
  });

  it('gives two windows on two folders two environments with different ids, sources and histories', () => {
    const inA = valid(parseEnvironments([notes, fixed], { ...base, workspaceFolder: A.path, folders: [A], perFolder: true }));
    const inB = valid(parseEnvironments([notes, fixed], { ...base, workspaceFolder: B.path, folders: [B], perFolder: true }));
    const a = inA.find((e) => e.id.startsWith('notes@'))!;
    const b = inB.find((e) => e.id.startsWith('notes@'))!;
    assert.equal(a.source, '/work/a/app/notes');
    assert.equal(b.source, '/work/b/app/notes');
    assert.notEqual(a.id, b.id, 'same folder name, different paths: different ids');
    assert.match(a.id, /^notes@app-[0-9a-f]{6}$/);
    assert.equal(a.folder, A.path);
    assert.equal(a.name, 'Notes (app)');
    // The same folder always gets the same id: history and archives stay together across sessions.
    assert.equal(valid(parseEnvironments([notes], { ...base, workspaceFolder: A.path, folders: [A], perFolder: true }))[0].id, a.id);
    // An entry that names its folders itself is the same environment in every window.
    assert.deepEqual(inA.find((e) => e.id === 'etc'), inB.find((e) => e.id === 'etc'));
  });

  it('runs a command environment without source in its folder', () => {
    const [e] = valid(parseEnvironments([dump], { ...base, workspaceFolder: A.path, folders: [A], perFolder: true }));
    assert.equal(e.id, `db@${folderKey(A.path)}`);
    assert.equal(e.source, A.path);
  });

  it('makes one environment per folder of a multi-root window', () => {
    const envs = valid(parseEnvironments([notes], { ...base, workspaceFolder: A.path, folders: [A, C], perFolder: true }));
    assert.deepEqual(envs.map((e) => e.source), ['/work/a/app/notes', '/work/docs/notes']);
    assert.equal(new Set(envs.map((e) => e.id)).size, 2);
  });

  it('says why a folder-bound entry does not run in a window without a folder', () => {
    const [e] = parseEnvironments([notes], { ...base, workspaceFolder: undefined, folders: [], perFolder: true });
    assert.equal(e.valid, false);
    assert.match((e as { errors: string[] }).errors[0], /each open workspace folder.*no folder is open/);
  });

  it('keeps ids unique across a workspace list and each folder\'s own list', () => {
    const entries = parseEnvironmentLists([
      { raw: [fixed], ctx: { ...base, workspaceFolder: A.path, folders: [A, C] } },
      { raw: [notes, { ...fixed, source: '/srv' }], ctx: { ...base, workspaceFolder: C.path, folders: [C], perFolder: true, workspaceIds: new Set(['notes', 'etc']) } },
    ]);
    const docsNotes = entries.find((e) => e.valid && e.environment.id.startsWith('notes@'));
    assert.ok(docsNotes?.valid);
    assert.equal(docsNotes.environment.source, '/work/docs/notes', 'bound to the folder whose settings define it');
    assert.equal(docsNotes.environment.origin, 'workspace');
    const dup = entries.filter((e) => !e.valid);
    assert.equal(dup.length, 1);
    assert.match((dup[0] as { errors: string[] }).errors[0], /duplicate id "etc"/);
  });

  it('expands ${workspaceFolder:<name>} and names a folder that is not open', () => {
    assert.deepEqual(expandPath('${workspaceFolder:docs}/x', { ...base, workspaceFolder: A.path, folders: [A, C] }), { value: '/work/docs/x' });
    assert.deepEqual(expandPath('${workspaceFolder:nope}/x', { ...base, workspaceFolder: A.path, folders: [A, C] }), { error: '${workspaceFolder:nope} is used but no folder named "nope" is open' });
  });

  it('leaves the old behaviour alone where the list does not follow folders', () => {
    const [e] = valid(parseEnvironments([notes], { ...base, workspaceFolder: A.path }));
    assert.equal(e.id, 'notes');
    assert.equal(e.source, '/work/a/app/notes');
  });
});
