// The Getting Started walkthrough in the real workbench: it opens from "Welcome: Open
// Walkthrough...", lists its six steps unchecked in a fresh profile, and a step turns checked
// when its real event happens: the "Run Backup Now" button of the Run step runs a backup (an
// archive appears), the Task Log step completes when the Task Log is opened from the palette.
// Screenshot: test-results/walkthrough-getting-started.png (the README's, via npm run screenshots).
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { repoRoot } from '../host/paths';
import { openWorkbenchSession, type WorkbenchSession } from '../host/session';
import { runFromPalette, screenshot } from '../host/workbench';

const TITLE = 'Get Started with Backup Scheduler';
const STEPS = ['Add your first environment', 'Run it now', 'See it in the Task Log', 'Compare with a backup, or restore', 'Pick an engine: archive or restic', 'Keep backups running when VS Code is closed'];

describe('workbench: Getting Started walkthrough', function () {
  this.timeout(240_000);
  let session: WorkbenchSession;
  let root: string;
  let destination: string;

  const step = (page: Page, title: string): Locator => page.locator('button.getting-started-step', { hasText: title });
  const checked = async (page: Page, title: string) => (await step(page, title).getAttribute('aria-checked')) === 'true';
  const openWalkthrough = async (page: Page) => {
    await runFromPalette(page, 'Welcome: Open Walkthrough');
    const input = page.locator('.quick-input-widget input');
    await input.fill(TITLE);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: TITLE }).first().waitFor();
    await page.keyboard.press('Enter');
    await page.locator('.gettingStartedContainer', { hasText: TITLE }).waitFor();
  };

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'backup-scheduler-walkthrough-ui-'));
    const workspace = join(root, 'workspace');
    const source = join(root, 'notes');
    destination = join(root, 'backups');
    mkdirSync(source);
    mkdirSync(destination);
    writeFileSync(join(source, 'todo.md'), '- back up the notes\n');
    mkdirSync(join(workspace, '.vscode'), { recursive: true });
    writeFileSync(join(workspace, '.vscode', 'settings.json'), JSON.stringify({
      'backupScheduler.environments': [{ id: 'notes', name: 'Notes', type: 'folder', source, destination, schedule: '0 3 * * *' }],
    }, null, 2));
    session = await openWorkbenchSession({ folder: workspace, extensionDevelopmentPath: repoRoot });
  });

  after(async () => {
    if (session) await screenshot(session.page, 'walkthrough-last').catch(() => undefined);
    await session?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('opens from "Welcome: Open Walkthrough..." with its six steps, none done yet', async () => {
    const { page } = session;
    // The extension's contributions are there once the development extension is loaded.
    await page.locator('.activitybar a.action-label[aria-label^="Backups"]').waitFor();
    await openWalkthrough(page);
    const titles = (await page.locator('button.getting-started-step .step-title').allInnerTexts()).map((t) => t.trim());
    assert.deepEqual(titles, STEPS);
    for (const t of STEPS) assert.equal(await checked(page, t), false, `${t} starts unchecked`);
  });

  it('checks "Run it now" when its button runs a backup, which writes an archive', async () => {
    const { page } = session;
    await step(page, 'Run it now').click();
    await step(page, 'Run it now').locator('.monaco-button', { hasText: 'Run Backup Now' }).click();
    await page.locator('button.getting-started-step[aria-checked="true"]', { hasText: 'Run it now' }).waitFor();
    // The real command ran: one environment, no picker, an archive in the destination.
    const deadline = Date.now() + 60_000;
    while (readdirSync(destination).filter((n) => n.endsWith('.tar.gz')).length === 0) {
      assert.ok(Date.now() < deadline, 'the backup wrote no archive');
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(await checked(page, 'See it in the Task Log'), false, 'other steps stay unchecked');
    // Wide enough for the Welcome page's side-by-side layout (steps left, the step's page right).
    await page.setViewportSize({ width: 1600, height: 900 });
    // The step's markdown page renders in a webview (an iframe holding another).
    await page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame').getByText('You do not have to wait for the schedule').waitFor();
    console.log(`      screenshot: ${await screenshot(page, 'walkthrough-getting-started')}`);
  });

  it('checks "See it in the Task Log" when the Task Log is opened from the palette', async () => {
    const { page } = session;
    await runFromPalette(page, 'Backup Scheduler: Open Task Log');
    await page.locator('.editor-group-container .tab', { hasText: 'Task Log' }).waitFor();
    await page.locator('.editor-group-container .tab', { hasText: 'Walkthrough' }).first().click();
    await page.locator('button.getting-started-step[aria-checked="true"]', { hasText: 'See it in the Task Log' }).waitFor();
    assert.equal(await checked(page, 'Compare with a backup, or restore'), false);
  });
});
