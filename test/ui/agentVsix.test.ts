// Issue 16's acceptance, end to end with the packaged extension: the .vsix is installed in a fresh
// VS Code server, "Keep Backups Running When VS Code Is Closed" is run once from the palette, and
// the server is stopped. The environment keeps backing up on schedule (new archives appear with no
// VS Code process left), and when the server is started again the Task Log shows those runs. The
// reverse command then stops the agent and removes its files.
// On this machine there is no user service manager (no systemd user bus), so the agent is started
// detached, as it would be in a container; where `systemctl --user` works it becomes a user unit.
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FrameLocator, Page } from 'playwright-core';
import initSqlJs from 'sql.js';
import { formatDateTime } from '../../src/shared/format';
import { repoRoot } from '../host/paths';
import { installExtension } from '../host/server';
import { openWorkbenchSession, type WorkbenchSession } from '../host/session';
import { makeHostDirs, type HostDirs } from '../host/tempDirs';
import { packagedVsix } from '../host/vsix';
import { extensionWebview, openBackupsContainer, runFromPalette, screenshot } from '../host/workbench';

const EXTENSION_ID = 'backup-scheduler.backup-scheduler';
const SLOW = 120_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until<T>(what: string, get: () => T | undefined | false, timeoutMs = SLOW): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = get();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

interface TaskRow { id: number; trigger: string; status: string; queuedAt: number; startedAt: number | null }

describe('packaged .vsix: backups keep running with the VS Code server stopped (background agent)', function () {
  this.timeout(600_000);
  let root: string;
  let dirs: HostDirs;
  let destination: string;
  let session: WorkbenchSession | undefined;
  let storage: string;
  let agentPid = 0;
  let stoppedAt = 0;
  const env: Record<string, string> = {};
  const archives = () => readdirSync(destination).filter((n) => n.endsWith('.tar.gz'));
  const shot = (page: Page, name: string) => screenshot(page, `agent-vsix-${name}`).then((p) => console.log(`      screenshot: ${p}`));
  const taskLog = (page: Page): FrameLocator => extensionWebview(page, EXTENSION_ID);
  async function expectNotification(page: Page, text: RegExp): Promise<void> {
    await runFromPalette(page, 'Notifications: Show Notifications');
    await page.locator('.notifications-center .notification-list-item', { hasText: text }).first().waitFor({ timeout: SLOW });
  }

  async function tasksInDb(): Promise<TaskRow[]> {
    const SQL = await initSqlJs({ locateFile: (f: string) => join(repoRoot, 'node_modules/sql.js/dist', f) });
    const db = new SQL.Database(readFileSync(join(storage, 'tasks.db')));
    try {
      const r = db.exec("SELECT id, trigger, status, queued_at, started_at FROM tasks WHERE env_id = 'docs' AND kind = 'backup' ORDER BY id");
      return (r[0]?.values ?? []).map(([id, trigger, status, queuedAt, startedAt]) => ({ id: Number(id), trigger: String(trigger), status: String(status), queuedAt: Number(queuedAt), startedAt: startedAt === null ? null : Number(startedAt) }));
    } finally {
      db.close();
    }
  }

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'backup-scheduler-agent-vsix-'));
    const source = join(root, 'docs');
    destination = join(root, 'backups');
    const workspace = join(root, 'workspace');
    mkdirSync(source, { recursive: true });
    mkdirSync(destination);
    mkdirSync(join(workspace, '.vscode'), { recursive: true });
    writeFileSync(join(source, 'notes.md'), '# notes\n');
    writeFileSync(join(workspace, '.vscode', 'settings.json'), JSON.stringify({
      // Every 10 s, small archives kept: the runs after the stop are what the test looks for.
      'backupScheduler.environments': [{ id: 'docs', name: 'Docs', type: 'folder', source, destination, schedule: '*/10 * * * * *', skipIfUnchanged: false, retention: { keepLast: 50 } }],
    }, null, 2));
    dirs = makeHostDirs();
    // A home of its own: the install links the command line into ~/.local/bin where that exists.
    env.HOME = join(dirs.root, 'home');
    mkdirSync(env.HOME, { recursive: true });
    storage = join(dirs.serverData, 'data', 'User', 'globalStorage', EXTENSION_ID);
    const out = installExtension({ serverDataDir: dirs.serverData, extensionsDir: dirs.extensions, env: { ...dirs.xdgEnv, ...env } }, packagedVsix());
    assert.match(out, /successfully installed/i);
  });

  after(async () => {
    if (session) await shot(session.page, 'last').catch(() => undefined);
    await session?.close();
    // Whatever happened above, no agent of this test outlives it.
    if (agentPid && alive(agentPid)) process.kill(agentPid, 'SIGKILL');
    dirs?.dispose();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('installs the agent from the palette in the installed extension, and the agent takes the schedules over', async () => {
    session = await openWorkbenchSession({ dirs, folder: join(root, 'workspace'), env });
    const { page } = session;
    await openBackupsContainer(page);
    await runFromPalette(page, 'Backup Scheduler: Keep Backups Running When VS Code Is Closed');
    const status = join(storage, 'agent', 'status.json');
    agentPid = await until('the agent status file', () => existsSync(status) && (JSON.parse(readFileSync(status, 'utf8')) as { pid: number }).pid);
    assert.ok(alive(agentPid), `agent pid ${agentPid} runs`);
    // No user service manager here: the message says it runs as a background process, and lists
    // the files written. A toast may have hidden itself already; the notification center keeps it.
    await expectNotification(page, /the background agent runs, but no user service manager exists here.*Files written: .*agent\.js/s);
    await shot(page, '1-installed');
    // Its program was copied out of the extension's folder (which an update deletes).
    const versions = readdirSync(join(storage, 'agent')).filter((n) => /^\d+\.\d+\.\d+/.test(n));
    assert.equal(versions.length, 1, `one installed version: ${readdirSync(join(storage, 'agent')).join(', ')}`);
    assert.ok(existsSync(join(storage, 'agent', versions[0], 'agent.js')));
    // The window hands the schedules over once its running task ends: the Environments view says so.
    await page.getByText(/Schedules run in the background agent \(version \d+\.\d+\.\d+, since /).first().waitFor({ timeout: SLOW });
    await shot(page, '2-agent-leads');
  });

  it('keeps backing up on schedule with the VS Code server stopped', async () => {
    assert.ok(session);
    await session.browser.close();
    await session.server.stop(); // kills the server's whole process group; the dirs stay
    session = undefined;
    stoppedAt = Date.now();
    assert.ok(alive(agentPid), 'the agent outlived the server');
    const before = archives().length;
    // Three more scheduled runs (every 10 s), each a real archive, with no VS Code process at all.
    const after = await until('3 archives written after the server stopped', () => {
      const fresh = archives().filter((n) => statSync(join(destination, n)).mtimeMs > stoppedAt);
      return fresh.length >= 3 && fresh;
    }, 90_000);
    console.log(`      ${before} archives before the stop, ${after.length} written after it: ${after.join(', ')}`);
  });

  it('shows those runs in the Task Log when the server is started again', async () => {
    // tasks.db is saved a moment after each change: wait for the agent's record of the third run.
    let ran: TaskRow[] = [];
    const end = Date.now() + 60_000;
    while ((ran = (await tasksInDb()).filter((t) => t.trigger === 'scheduled' && t.status === 'succeeded' && t.queuedAt > stoppedAt && t.startedAt !== null)).length < 3 && Date.now() < end) await sleep(500);
    assert.ok(ran.length >= 3, `scheduled runs recorded by the agent after the stop: ${ran.length}`);
    session = await openWorkbenchSession({ dirs, folder: join(root, 'workspace'), env });
    const { page } = session;
    // The extension's contributions are there once the activity bar shows its container.
    await page.locator('.activitybar a.action-label[aria-label^="Backups"]').waitFor({ timeout: SLOW });
    await openBackupsContainer(page);
    await runFromPalette(page, 'Backup Scheduler: Open Task Log');
    const frame = taskLog(page);
    // Each run the agent made with the server down is a row: Docs, backup, scheduled, its start time.
    for (const t of ran.slice(0, 3)) {
      const row = frame.locator('bs-task-table tbody tr', { hasText: formatDateTime(t.startedAt) });
      await row.first().waitFor({ timeout: SLOW });
      const cells = (await row.first().locator('td').allInnerTexts()).map((c) => c.trim());
      assert.match(cells[0], /succeeded$/);
      // A run is its backup and follow-ups: with retention set, "backup + prune".
      assert.deepEqual([cells[1], cells[3]], ['Docs', 'scheduled'], `task #${t.id}`);
      assert.match(cells[2], /^backup\b/, `task #${t.id}`);
    }
    await shot(page, '3-task-log-after-restart');
  });

  it('the reverse command stops the agent and removes its files', async () => {
    assert.ok(session);
    const { page } = session;
    await runFromPalette(page, 'Backup Scheduler: Remove the Background Agent');
    await until('the agent to exit', () => !alive(agentPid), 60_000);
    await expectNotification(page, /the background agent is stopped and removed.*Files removed: /s);
    assert.deepEqual(readdirSync(join(storage, 'agent')).filter((n) => /^\d+\.\d+\.\d+/.test(n)), [], 'its program files are gone');
    // The window runs the schedules again.
    const count = archives().length;
    await until('a backup by the window after the removal', () => archives().length > count, 60_000);
  });
});
