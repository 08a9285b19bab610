// Drives the real workbench in Chromium: the Backups activity-bar entry opens both views.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../host/paths';
import { openWorkbenchSession, WorkbenchSession } from '../host/session';
import { openBackupsContainer, screenshot } from '../host/workbench';

describe('workbench: Backups container', () => {
  let session: WorkbenchSession;
  let workspace: string;

  before(async () => {
    workspace = mkdtempSync(join(tmpdir(), 'backup-scheduler-ui-'));
    session = await openWorkbenchSession({ folder: workspace, extensionDevelopmentPath: repoRoot });
  });

  after(async () => {
    if (session) await screenshot(session.page, 'ui-backups-last').catch(() => undefined);
    await session?.close();
    rmSync(workspace, { recursive: true, force: true });
  });

  it('has a Backups entry in the activity bar that shows the Environments and Tasks views', async () => {
    const { page } = session;
    await openBackupsContainer(page);
    const headers = page.locator('.sidebar .pane-header');
    await headers.filter({ hasText: /environments/i }).waitFor({ state: 'visible' });
    await headers.filter({ hasText: /tasks/i }).waitFor({ state: 'visible' });
    const titles = (await headers.allInnerTexts()).map((t) => t.split('\n')[0].trim().toLowerCase());
    assert.deepEqual(titles, ['environments', 'tasks']);
    console.log(`      screenshot: ${await screenshot(page, 'ui-backups-view')}`);
  });

  it('draws the Backups entry with the extension\'s own icon (media/backups.svg)', async () => {
    const entry = session.page.locator('.activitybar a.action-label[aria-label^="Backups"]');
    const mask = await entry.evaluate((el) => {
      const style = getComputedStyle(el);
      return style.webkitMaskImage || style.maskImage;
    });
    assert.match(decodeURIComponent(mask), /\/media\/backups\.svg/);
  });

  it('offers "Add Environment" in the Environments view of a workspace without environments', async () => {
    const { page } = session;
    const envPane = page.locator('.sidebar .pane', { has: page.locator('.pane-header', { hasText: /environments/i }) });
    await envPane.locator('.welcome-view-content a.monaco-button', { hasText: 'Add Environment' }).waitFor({ state: 'visible' });
    await envPane.locator('.pane-header .actions a[aria-label^="Add Environment"]').waitFor({ state: 'attached' });
  });
});
