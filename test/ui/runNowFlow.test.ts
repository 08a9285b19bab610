// The Run Now flow as a user drives it in the real workbench (VS Code server + Chromium): a
// workspace whose settings define one folder environment "Docs"; open the Backups container (the
// Environments view lists Docs), "Backup Scheduler: Run Backup Now…" from the palette (one
// environment: no picker), the task finishes in the Tasks view with the archive's size, "Open Task
// Log" from the palette, and inside the webview: the row succeeded, the status filter keeps it or
// hides it, and selecting it shows the facts and the log the engine wrote for that very archive.
// Every expectation is checked against the archive on disk. Screenshots: test-results/ui-runnow-*.png.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FrameLocator, Page } from 'playwright-core';
import { formatBytes } from '../../src/shared/format';
import { repoRoot } from '../host/paths';
import { openWorkbenchSession, type WorkbenchSession } from '../host/session';
import { extensionWebview, openBackupsContainer, runFromPalette, screenshot, sidebarPane } from '../host/workbench';

const EXTENSION_ID = 'backup-scheduler.backup-scheduler';
const SOURCE_FILES: Record<string, string> = {
  'README.md': '# Docs\n\nWhat this project is about.\n',
  'guide/install.md': 'Install it.\n'.repeat(40),
  'guide/usage.md': 'Use it every day.\n'.repeat(25),
};
/** Generous: the first activation in a fresh server compiles sql.js and scans the workspace. */
const SLOW = 60_000;

interface Archive { path: string; name: string; size: number; sha256: string }

describe('workbench: Run Backup Now, from the palette to the Task Log', function () {
  this.timeout(240_000);
  let session: WorkbenchSession;
  let root: string;
  let destination: string;
  let archive: Archive | undefined;

  const shot = async (page: Page, name: string) => console.log(`      screenshot: ${await screenshot(page, `ui-runnow-${name}`)}`);
  const taskLog = (page: Page): FrameLocator => extensionWebview(page, EXTENSION_ID);
  /** The one archive the run wrote (every test after the run needs it, so it is read once). */
  const theArchive = (): Archive => {
    if (archive) return archive;
    const all = readdirSync(destination);
    // Beside the archive: its index (<archive>.idx), which random reads and restore use.
    const names = all.filter((n) => !n.endsWith('.idx'));
    assert.equal(names.length, 1, `one archive in the destination, found: ${all.join(', ')}`);
    assert.match(names[0], /^docs-\d{8}-\d{6}\.tar\.gz$/);
    assert.deepEqual(all.sort(), [names[0], `${names[0]}.idx`]);
    const path = join(destination, names[0]);
    archive = { path, name: names[0], size: statSync(path).size, sha256: createHash('sha256').update(readFileSync(path)).digest('hex') };
    return archive;
  };

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'backup-scheduler-runnow-ui-'));
    const workspace = join(root, 'workspace');
    const source = join(root, 'docs');
    destination = join(root, 'backups');
    for (const [rel, text] of Object.entries(SOURCE_FILES)) {
      mkdirSync(join(source, rel, '..'), { recursive: true });
      writeFileSync(join(source, rel), text);
    }
    mkdirSync(join(workspace, '.vscode'), { recursive: true });
    mkdirSync(destination);
    writeFileSync(join(workspace, '.vscode', 'settings.json'), JSON.stringify({
      'backupScheduler.environments': [{ id: 'docs', name: 'Docs', type: 'folder', source, destination, schedule: '0 3 * * *' }],
    }, null, 2));
    session = await openWorkbenchSession({ folder: workspace, extensionDevelopmentPath: repoRoot });
  });

  after(async () => {
    if (session) await screenshot(session.page, 'ui-runnow-last').catch(() => undefined);
    await session?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('opens the Backups container, whose Environments view lists Docs with its next run', async () => {
    const { page } = session;
    // The extension's contributions appear once the development extension is loaded.
    await page.locator('.activitybar a.action-label[aria-label^="Backups"]').waitFor({ timeout: SLOW });
    await openBackupsContainer(page);
    const docs = sidebarPane(page, /environments/i).locator('.monaco-list-row', { hasText: 'Docs' });
    await docs.waitFor({ timeout: SLOW });
    // An enabled environment with a daily schedule says when it runs next ("next in 9 h 20 min").
    await docs.locator('.label-description', { hasText: /^next in \d/ }).waitFor();
    await sidebarPane(page, /tasks/i).locator('.welcome-view-content', { hasText: 'No tasks yet' }).waitFor();
    assert.deepEqual(readdirSync(destination), [], 'nothing has run yet');
    await shot(page, '1-environments');
  });

  it('runs "Run Backup Now…" from the palette: no picker for the only environment, and the task finishes in the Tasks view', async () => {
    const { page } = session;
    await runFromPalette(page, 'Backup Scheduler: Run Backup Now');
    // With one environment the command runs it at once: the quick input closes instead of asking.
    await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
    // Running and queued tasks sit at the top level; a finished one moves into its day ("Today"),
    // one level down: that is the final state, whatever the outcome.
    const row = sidebarPane(page, /tasks/i).locator('.monaco-list-row[aria-level="2"]', { hasText: 'Docs — backup' });
    await row.waitFor({ timeout: SLOW });
    await sidebarPane(page, /tasks/i).locator('.monaco-list-row[aria-level="1"]', { hasText: 'Today' }).waitFor();
    const a = theArchive();
    // A finished backup's description is "HH:MM · <size> · <duration>".
    const description = await row.locator('.label-description').innerText();
    assert.ok(description.includes(formatBytes(a.size)), `"${description}" shows the archive's size ${formatBytes(a.size)}`);
    assert.doesNotMatch(description, /failed|cancelled|interrupted|skipped/);
    assert.match((await row.locator('.custom-view-tree-node-item-icon').getAttribute('class')) ?? '', /codicon-pass\b/, 'the succeeded icon');
    assert.equal(await sidebarPane(page, /tasks/i).locator('.monaco-list-row', { hasText: 'Docs — backup' }).count(), 1, 'one task, one row');
    // The archive is a real tar.gz with the source's files.
    const listed = execFileSync('tar', ['-tzf', a.path], { encoding: 'utf8' }).split('\n').filter((l) => l && !l.endsWith('/'));
    assert.deepEqual(listed.map((l) => l.replace(/^\.\//, '')).sort(), Object.keys(SOURCE_FILES).sort());
    await shot(page, '2-tasks-view');
  });

  it('opens the Task Log from the palette; inside the webview the task is a succeeded row with the archive\'s size', async () => {
    const { page } = session;
    await runFromPalette(page, 'Backup Scheduler: Open Task Log');
    await page.locator('.editor-group-container .tab', { hasText: 'Task Log' }).waitFor({ timeout: SLOW });
    const frame = taskLog(page);
    const row = frame.locator('bs-task-table tbody tr', { hasText: 'Docs' });
    await row.locator('td', { hasText: 'succeeded' }).first().waitFor({ timeout: SLOW });
    assert.equal(await frame.locator('bs-task-table tbody tr').count(), 1);
    const cells = (await row.locator('td').allInnerTexts()).map((c) => c.trim());
    // Status, Environment, Kind, Trigger, Started, Duration, Size, Result.
    assert.match(cells[0], /succeeded$/);
    assert.deepEqual(cells.slice(1, 4), ['Docs', 'backup', 'manual']);
    assert.equal(cells[6], formatBytes(theArchive().size));
    assert.ok(cells[7].length > 0, 'a result');
    await shot(page, '3-task-log');
  });

  it('filters by status: "failed" hides the row, "succeeded" shows it again', async () => {
    const { page } = session;
    const frame = taskLog(page);
    const status = frame.locator('bs-task-filters select[aria-label="Status"]');
    const rows = frame.locator('bs-task-table tbody tr');
    await status.selectOption('failed');
    await frame.locator('bs-task-table .empty', { hasText: 'No tasks match the filters.' }).waitFor();
    assert.equal(await rows.count(), 0);
    await shot(page, '4-filter-failed');
    await status.selectOption('succeeded');
    await rows.filter({ hasText: 'Docs' }).waitFor();
    assert.equal(await rows.count(), 1);
    assert.equal(await status.inputValue(), 'succeeded');
    await frame.locator('bs-task-table .empty').waitFor({ state: 'detached' });
    await shot(page, '5-filter-succeeded');
  });

  it('selects the row and shows the task\'s facts and the log the engine wrote for this archive', async () => {
    const { page } = session;
    const frame = taskLog(page);
    const a = theArchive();
    const row = frame.locator('bs-task-table tbody tr', { hasText: 'Docs' });
    await row.click();
    assert.equal(await row.getAttribute('aria-selected'), 'true');
    const detail = frame.locator('bs-task-detail');
    await detail.locator('h2', { hasText: /Task #\d+: backup of Docs — succeeded/ }).waitFor({ timeout: SLOW });
    const facts = await detail.locator('dl').innerText();
    assert.ok(facts.includes(a.path), 'the archive path');
    assert.ok(facts.includes(a.sha256), 'the archive\'s SHA-256');
    // The engine's own lines: the source scan, then the archive it published with its checksum.
    const lines = detail.locator('bs-log-view .line');
    await lines.filter({ hasText: `Archive ${a.path}: 3 files` }).waitFor({ timeout: SLOW });
    const text = await lines.allInnerTexts();
    const archiveLine = text.find((l) => l.includes(`Archive ${a.path}`)) ?? '';
    assert.ok(archiveLine.includes(`sha256 ${a.sha256}`), archiveLine);
    assert.ok(text.some((l) => /Source .*: 3 files/.test(l)), text.join('\n'));
    assert.ok(text.findIndex((l) => /Source /.test(l)) < text.findIndex((l) => l.includes('Archive ')), 'in the order they were written');
    // Where the pane is narrow the log stacks below the facts, under the fold: bring it into view,
    // as a user would by scrolling, so the screenshot shows it.
    await lines.last().scrollIntoViewIfNeeded();
    await shot(page, '6-task-detail');
  });
});
