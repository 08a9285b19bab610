// What a window publishes for the background agent (core/agent/snapshot.ts): nothing from an
// untrusted workspace, nothing bound to a non-`file` folder (a `backup:` folder of Browse Backup),
// a workspace's section kept after its window closed and replaced when it opens again, 0600.
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { publish, readSnapshot, removeEnvironment, snapshotEntries, workspaceKey } from '../../../src/extension/core/agent/snapshot';
import { parseEnvironmentLists } from '../../../src/extension/core/environments/parse';

describe('agent: environments.json', () => {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'bs-snap-'));
    path = join(dir, 'agent', 'environments.json');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const ws = '/home/u/project';
  const browse = '/backup-view/notes-20260101.tar.gz';
  /** A window's list the way readEnvironments builds it: user entries (one per folder), workspace entries. */
  function entries(folders: string[]) {
    const ctx = { home: '/home/u', env: {}, folders: folders.map((p) => ({ name: p.split('/').pop()!, path: p })) };
    return parseEnvironmentLists([
      { raw: [{ id: 'home', name: 'Home', type: 'folder', source: '/home/u/docs', destination: '/backups', schedule: '0 3 * * *' }, { id: 'perfolder', name: 'Per folder', type: 'folder', source: '${workspaceFolder}', destination: '/backups', schedule: '0 3 * * *' }], ctx: { ...ctx, workspaceFolder: folders[0], perFolder: true } },
      { raw: [{ id: 'wscmd', name: 'Ws', type: 'command', command: 'pg_dump db > "$BACKUP_FILE"', destination: '/backups', schedule: '0 3 * * *' }], ctx: { ...ctx, workspaceFolder: folders[0], workspaceIds: new Set(['wscmd']) } },
    ]);
  }
  const ids = (s: ReturnType<typeof readSnapshot>) => snapshotEntries(s, { home: '/home/u', env: {} }).entries.map((e) => (e.valid ? e.environment.id : '?')).sort();

  it('an untrusted workspace publishes only the user-level environments that do not depend on it', async () => {
    await publish(path, { entries: entries([ws]), folders: [{ path: ws, scheme: 'file' }], trusted: false, now: 1 });
    const s = readSnapshot(path);
    assert.deepEqual(ids(s), ['home']);
    assert.deepEqual(s.workspaces, {});
    assert.doesNotMatch(readFileSync(path, 'utf8'), /pg_dump|perfolder/);
  });

  it('a user command that runs inside an untrusted workspace folder is not published, and the folder is listed as untrusted until a window trusts it', async () => {
    const list = parseEnvironmentLists([{ raw: [{ id: 'dump', name: 'Dump', type: 'command', command: 'sh ./dump.sh', source: ws, destination: '/backups', schedule: '0 3 * * *' }], ctx: { home: '/home/u', env: {}, folders: [{ name: 'project', path: ws }], workspaceFolder: ws } }]);
    await publish(path, { entries: list, folders: [{ path: ws, scheme: 'file' }], trusted: false, now: 1 });
    assert.deepEqual(ids(readSnapshot(path)), []);
    assert.deepEqual(readSnapshot(path).untrustedFolders, [ws]);
    // A window with no folder publishes the same user list: the folder stays listed as untrusted.
    await publish(path, { entries: list, folders: [], trusted: true, now: 2 });
    assert.deepEqual(readSnapshot(path).untrustedFolders, [ws]);
    await publish(path, { entries: list, folders: [{ path: ws, scheme: 'file' }], trusted: true, now: 3 });
    assert.deepEqual(readSnapshot(path).untrustedFolders, []);
    assert.deepEqual(ids(readSnapshot(path)), ['dump']);
  });

  it('a trusted workspace adds its own section with its folders and per-folder ids', async () => {
    await publish(path, { entries: entries([ws]), folders: [{ path: ws, scheme: 'file' }], trusted: true, now: 1 });
    const s = readSnapshot(path);
    assert.deepEqual(Object.keys(s.workspaces), [workspaceKey([ws])]);
    assert.deepEqual(s.workspaces[workspaceKey([ws])].folders, [ws]);
    const got = ids(s);
    assert.ok(got.includes('home') && got.includes('wscmd') && got.some((i) => i.startsWith('perfolder@')), got.join(','));
    assert.equal(statSync(path).mode & 0o777, 0o600);
  });

  it('nothing bound to a backup: folder is published, even in a trusted window', async () => {
    await publish(path, { entries: entries([ws, browse]), folders: [{ path: ws, scheme: 'file' }, { path: browse, scheme: 'backup' }], trusted: true, now: 1 });
    const text = readFileSync(path, 'utf8');
    assert.doesNotMatch(text, /backup-view/);
    assert.equal(ids(readSnapshot(path)).filter((i) => i.startsWith('perfolder@')).length, 1, 'only the file folder gets its per-folder environment');
  });

  it('a closed workspace stays; reopening it republishes (a removed environment goes); Stop Running in Background removes one', async () => {
    await publish(path, { entries: entries([ws]), folders: [{ path: ws, scheme: 'file' }], trusted: true, now: 1 });
    // Another window, without that workspace: the workspace section stays.
    await publish(path, { entries: entries([]), folders: [], trusted: true, now: 2 });
    assert.ok(ids(readSnapshot(path)).includes('wscmd'));
    // The workspace opens again without `wscmd` in its settings.
    const without = entries([ws]).filter((e) => !(e.valid && e.environment.id === 'wscmd'));
    await publish(path, { entries: without, folders: [{ path: ws, scheme: 'file' }], trusted: true, now: 3 });
    assert.ok(!ids(readSnapshot(path)).includes('wscmd'));
    await removeEnvironment(path, 'home');
    assert.ok(!ids(readSnapshot(path)).includes('home'));
  });

  it('an entry edited by hand into a folder section it does not belong to is refused', async () => {
    await publish(path, { entries: entries([ws]), folders: [{ path: ws, scheme: 'file' }], trusted: true, now: 1 });
    const s = readSnapshot(path);
    const section = s.workspaces[workspaceKey([ws])];
    section.environments = section.environments.map((e) => ({ ...e, folder: '/elsewhere' }));
    const { refused } = snapshotEntries(s, { home: '/home/u', env: {} });
    assert.ok(refused.some((r) => /does not have open/.test(r.reason)), JSON.stringify(refused));
  });
});
