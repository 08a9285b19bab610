// The packaged extension with the restic engine, as a new user would set it up by hand: a .vsix
// installed into a fresh host, a workspace whose settings alone define a restic environment
// (repository + passwordFile, no prompt), and nothing else. It must back up on its schedule into
// the real repository (checked with `restic snapshots --tag env:<id>`), and the Task Log must show
// the restic task with its snapshot. Screenshot: test-results/ui-restic-task-log.png.
import * as assert from 'node:assert/strict';
import { packagedVsix } from '../host/vsix';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../host/paths';
import { installExtension } from '../host/server';
import { openWorkbenchSession, type WorkbenchSession } from '../host/session';
import { makeHostDirs } from '../host/tempDirs';
import { extensionWebview, runFromPalette, screenshot } from '../host/workbench';

const EXTENSION_ID = 'backup-scheduler.backup-scheduler';
const SLOW = 90_000;

interface Snapshot { id: string; short_id: string; tags?: string[]; paths: string[] }

describe('packaged .vsix with a restic environment from settings only', function () {
  this.timeout(300_000);
  let tmp: string;
  let session: WorkbenchSession | undefined;
  let repo: string;
  let passwordFile: string;

  const snapshots = (): Snapshot[] => JSON.parse(execFileSync('restic', ['-r', repo, 'snapshots', '--json', '--tag', 'env:nightly'], { encoding: 'utf8', env: { ...process.env, RESTIC_PASSWORD_FILE: passwordFile } })) as Snapshot[];

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'backup-scheduler-restic-ui-'));
    repo = join(tmp, 'repo');
    passwordFile = join(tmp, 'restic-password');
    writeFileSync(passwordFile, 'correct horse battery staple\n', { mode: 0o600 });
    execFileSync('restic', ['-r', repo, 'init'], { env: { ...process.env, RESTIC_PASSWORD_FILE: passwordFile }, stdio: 'pipe' });
    const source = join(tmp, 'notes');
    mkdirSync(join(source, 'ideas'), { recursive: true });
    writeFileSync(join(source, 'todo.md'), '- back up with restic\n');
    writeFileSync(join(source, 'ideas', 'one.md'), 'an idea\n'.repeat(100));
    const workspace = join(tmp, 'workspace');
    mkdirSync(join(workspace, '.vscode'), { recursive: true });
    // Every 5 seconds (6 fields, seconds first): the first scheduled run comes soon after start.
    writeFileSync(join(workspace, '.vscode', 'settings.json'), JSON.stringify({
      'backupScheduler.environments': [{ id: 'nightly', name: 'Nightly notes', type: 'folder', source, engine: 'restic', repository: repo, passwordFile, schedule: '*/5 * * * * *' }],
    }, null, 2));

    const vsix = packagedVsix();
    const dirs = makeHostDirs();
    assert.match(installExtension({ serverDataDir: dirs.serverData, extensionsDir: dirs.extensions, env: dirs.xdgEnv }, vsix), /successfully installed/i);
    session = await openWorkbenchSession({ dirs, folder: workspace });
  });

  after(async () => {
    if (session) await screenshot(session.page, 'ui-restic-last').catch(() => undefined);
    await session?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('backs up on its schedule into the repository, tagged for this environment', async () => {
    const started = Date.now();
    while (snapshots().length === 0) {
      assert.ok(Date.now() - started < SLOW, 'no snapshot after 90 s');
      await new Promise((r) => setTimeout(r, 1000));
    }
    const [s] = snapshots();
    assert.deepEqual([...(s.tags ?? [])].sort(), ['backup-scheduler', 'env:nightly']);
    const files = execFileSync('restic', ['-r', repo, 'ls', s.id], { encoding: 'utf8', env: { ...process.env, RESTIC_PASSWORD_FILE: passwordFile } });
    assert.match(files, /todo\.md/);
    assert.match(files, /ideas\/one\.md/);
  });

  it('shows the scheduled restic backup in the Task Log with its snapshot id', async () => {
    assert.ok(session);
    const { page } = session;
    await runFromPalette(page, 'Backup Scheduler: Open Task Log');
    const frame = extensionWebview(page, EXTENSION_ID);
    const row = frame.locator('bs-task-table tbody tr', { hasText: 'Nightly notes' }).filter({ hasText: 'succeeded' }).first();
    await row.waitFor({ timeout: SLOW });
    const cells = (await row.locator('td').allInnerTexts()).map((c) => c.trim());
    assert.deepEqual(cells.slice(1, 4), ['Nightly notes', 'backup', 'scheduled']);
    await row.click();
    const detail = frame.locator('bs-task-detail');
    await detail.locator('h2', { hasText: /backup of Nightly notes — succeeded/ }).waitFor({ timeout: SLOW });
    const facts = await detail.locator('dl').innerText();
    const ids = new Set(snapshots().map((s) => s.id));
    const shown = /Snapshot\s+([0-9a-f]{64})/.exec(facts)?.[1];
    assert.ok(shown && ids.has(shown), `the task names a snapshot of the repository in full: ${facts}`);
    console.log(`      screenshot: ${await screenshot(page, 'ui-restic-task-log')}`);
  });
});
