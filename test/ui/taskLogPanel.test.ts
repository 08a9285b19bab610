// The Task Log panel across a window reload in the real workbench (VS Code server + Chromium):
// the serializer brings the panel back and the webview's getState gives it back its filters.
// (The run-to-Task-Log flow itself is runNowFlow.test.ts; selection kept across a webview reload
// is taskLogWebview.test.ts.) Screenshot in test-results/.
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../host/paths';
import { openWorkbenchSession, type WorkbenchSession } from '../host/session';
import { extensionWebview, runFromPalette, screenshot, waitForWorkbench } from '../host/workbench';

const EXTENSION_ID = 'backup-scheduler.backup-scheduler';

describe('workbench: Task Log panel across a window reload', function () {
  this.timeout(240_000);
  let session: WorkbenchSession;
  let root: string;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'backup-scheduler-tasklog-ui-'));
    const workspace = join(root, 'ws');
    mkdirSync(join(workspace, '.vscode'), { recursive: true });
    writeFileSync(join(workspace, '.vscode', 'settings.json'), JSON.stringify({
      'backupScheduler.environments': [{ id: 'uitest', name: 'UI test', type: 'folder', source: root, destination: join(root, 'dest'), schedule: '0 3 * * *' }],
    }));
    session = await openWorkbenchSession({ folder: workspace, extensionDevelopmentPath: repoRoot });
  });

  after(async () => {
    if (session) await screenshot(session.page, 'ui-task-log-reload-last').catch(() => undefined);
    await session?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('comes back after "Reload Window" with the filters it had', async () => {
    const { page } = session;
    // The extension's contributions appear once the development extension is loaded.
    await page.locator('.activitybar a.action-label[aria-label^="Backups"]').waitFor({ timeout: 60_000 });
    await runFromPalette(page, 'Backup Scheduler: Open Task Log');
    const before = extensionWebview(page, EXTENSION_ID);
    await before.locator('bs-task-table .empty', { hasText: 'No tasks match' }).waitFor({ timeout: 60_000 });
    await before.locator('bs-task-filters select[aria-label="Status"]').selectOption('failed');
    await before.locator('bs-task-filters select[aria-label="Kind"]').selectOption('verify');

    // As a user reloads: through the workbench's shutdown, which saves the editors and their webview state.
    const reloaded = page.waitForEvent('framenavigated', { predicate: (f) => f === page.mainFrame() });
    await runFromPalette(page, 'Developer: Reload Window');
    await reloaded;
    await waitForWorkbench(page);
    await page.locator('.editor-group-container .tab', { hasText: 'Task Log' }).waitFor({ timeout: 60_000 });
    const after = extensionWebview(page, EXTENSION_ID);
    await after.locator('bs-task-table .empty', { hasText: 'No tasks match' }).waitFor({ timeout: 60_000 });
    assert.equal(await after.locator('bs-task-filters select[aria-label="Status"]').inputValue(), 'failed');
    assert.equal(await after.locator('bs-task-filters select[aria-label="Kind"]').inputValue(), 'verify');
    console.log(`      screenshot: ${await screenshot(page, 'ui-task-log-restored')}`);
  });
});
