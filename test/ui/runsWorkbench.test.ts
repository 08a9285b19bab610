// Runs in the real workbench (VS Code server + Chromium, the extension as installed for
// development): an environment that verifies and prunes after each backup, run twice from the
// palette. The Tasks view shows each run as one item, its verify and prune under it; the Task Log
// panel opens on the overview (through the extension's own wiring: taskLogWiring.ts and the
// overview cache) with one strip cell per run and the health line. Screenshots:
// test-results/ui-runs-*.png.
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { repoRoot } from '../host/paths';
import { openWorkbenchSession, type WorkbenchSession } from '../host/session';
import { extensionWebview, openBackupsContainer, runFromPalette, screenshot, sidebarPane } from '../host/workbench';

const EXTENSION_ID = 'backup-scheduler.backup-scheduler';
const SLOW = 60_000;

describe('workbench: one item per run in the Tasks view, and the Task Log overview', function () {
  this.timeout(240_000);
  let session: WorkbenchSession;
  let root: string;
  let destination: string;
  const shot = async (page: Page, name: string) => console.log(`      screenshot: ${await screenshot(page, `ui-runs-${name}`)}`);

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'backup-scheduler-runs-ui-'));
    const workspace = join(root, 'workspace');
    const source = join(root, 'notes');
    destination = join(root, 'backups');
    mkdirSync(source, { recursive: true });
    writeFileSync(join(source, 'todo.md'), '- back up\n'.repeat(50));
    mkdirSync(join(workspace, '.vscode'), { recursive: true });
    mkdirSync(destination);
    writeFileSync(join(workspace, '.vscode', 'settings.json'), JSON.stringify({
      'backupScheduler.environments': [{ id: 'notes', name: 'Notes', type: 'folder', source, destination, schedule: '0 3 * * *', verify: true, retention: { keepLast: 5 } }],
    }, null, 2));
    session = await openWorkbenchSession({ folder: workspace, extensionDevelopmentPath: repoRoot });
  });

  after(async () => {
    if (session) await screenshot(session.page, 'ui-runs-last').catch(() => undefined);
    await session?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('shows a finished run as one Tasks item, backup + verify + prune, its steps under it', async () => {
    const { page } = session;
    await page.locator('.activitybar a.action-label[aria-label^="Backups"]').waitFor({ timeout: SLOW });
    await openBackupsContainer(page);
    await sidebarPane(page, /environments/i).locator('.monaco-list-row', { hasText: 'Notes' }).waitFor({ timeout: SLOW });
    const tasks = sidebarPane(page, /tasks/i);
    const runs = tasks.locator('.monaco-list-row[aria-level="2"]', { hasText: 'Notes — backup + verify + prune' });
    for (let n = 1; n <= 2; n++) {
      await runFromPalette(page, 'Backup Scheduler: Run Backup Now');
      await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
      // A run joins the history once its prune has finished.
      await runs.nth(n - 1).waitFor({ timeout: SLOW });
    }
    assert.equal(await runs.count(), 2, 'two runs, two items');
    assert.equal(readdirSync(destination).filter((f) => f.endsWith('.tar.gz')).length, 2);
    await tasks.locator('.monaco-list-row[aria-level="1"]', { hasText: 'Today' }).locator('.label-description', { hasText: '2 runs' }).waitFor();
    const first = runs.first();
    assert.equal(await first.getAttribute('aria-expanded'), 'false');
    assert.match((await first.locator('.custom-view-tree-node-item-icon').getAttribute('class')) ?? '', /codicon-pass\b/);
    // The twistie expands (a click on the label runs the item's command: Show Log).
    await first.locator('.monaco-tl-twistie').click();
    const steps = tasks.locator('.monaco-list-row[aria-level="3"]');
    await steps.nth(1).waitFor();
    assert.deepEqual((await steps.locator('.label-name').allInnerTexts()).map((s) => s.trim()), ['Notes — verify', 'Notes — prune']);
    await shot(page, '1-tasks-view');
  });

  it('opens the Task Log on the overview: one strip cell per run, the health line, the runs in the table', async () => {
    const { page } = session;
    await runFromPalette(page, 'Backup Scheduler: Open Task Log');
    const frame = extensionWebview(page, EXTENSION_ID);
    const section = frame.locator('bs-overview section[data-env="notes"]');
    await section.locator('.cell').nth(1).waitFor({ timeout: SLOW });
    assert.deepEqual(await section.locator('.cell').evaluateAll((els) => els.map((e) => e.getAttribute('data-status'))), ['succeeded', 'succeeded']);
    assert.match(await section.locator('.health').innerText(), /^last good backup \d+ (s|min) ago$/);
    assert.match(await section.locator('.sched').innerText(), /^At 03:00 · next run in /);
    await frame.locator('bs-pager .pos', { hasText: '1–2 of 2 runs' }).waitFor();
    await shot(page, '2-task-log-overview');
  });
});
