// Compare with Backup and Restore This Version as a user drives them in the real workbench
// (VS Code server + Chromium): a workspace whose own folder is backed up by the environment
// "Notes"; one backup is made, then notes.md is changed on disk; "Compare with Backup…" from the
// file's context menu in the Explorer lists the backup marked "different", picking it opens the diff
// (backup left, file right: screenshot test-results/ui-compare-2-diff.png); "Restore This
// Version" in the diff's title bar asks, then puts the backed-up text back on disk; Undo in the
// editor brings the change back, and saving writes it to disk again. Then "Browse Backup…" from
// the palette shows the backup's files in the Browse Backup view; a file opens read-only, and its
// "Restore…" puts it back in its place after asking.
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { repoRoot } from '../host/paths';
import { openWorkbenchSession, type WorkbenchSession } from '../host/session';
import { runFromPalette, screenshot, sidebarPane } from '../host/workbench';

const ORIGINAL = '# Notes\n\nThe plan, as it was written.\nStep one: back up.\nStep two: sleep well.\n';
const CHANGED = '# Notes\n\nThe plan, as it was written.\nStep one: delete everything by mistake.\n';
/** Generous: the first activation in a fresh server compiles sql.js and scans the workspace. */
const SLOW = 60_000;

/** Resolves once `read()` returns `want`, checking every 200 ms (the test's timeout bounds it). */
async function eventually<T>(read: () => T, want: T, what: string): Promise<void> {
  const deadline = Date.now() + SLOW;
  let got = read();
  while (got !== want) {
    if (Date.now() > deadline) assert.equal(got, want, what);
    await new Promise((r) => setTimeout(r, 200));
    got = read();
  }
}

/** The text an editor side shows (Monaco renders spaces as U+00A0). */
async function shownText(side: Locator): Promise<string> {
  return (await side.locator('.view-lines').innerText()).replace(/\u00a0/g, ' ');
}

describe('workbench: Compare with Backup, then Restore This Version and Undo', function () {
  this.timeout(240_000);
  let session: WorkbenchSession;
  let root: string;
  let file: string;
  let destination: string;

  const shot = async (page: Page, name: string) => console.log(`      screenshot: ${await screenshot(page, `ui-compare-${name}`)}`);
  const onDisk = () => readFileSync(file, 'utf8');
  const diff = (page: Page) => page.locator('.editor-group-container .monaco-diff-editor');

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'backup-scheduler-compare-ui-'));
    const workspace = join(root, 'workspace');
    destination = join(root, 'backups');
    file = join(workspace, 'notes.md');
    mkdirSync(join(workspace, '.vscode'), { recursive: true });
    mkdirSync(destination);
    writeFileSync(file, ORIGINAL);
    writeFileSync(join(workspace, '.vscode', 'settings.json'), JSON.stringify({
      'backupScheduler.environments': [{ id: 'notes', name: 'Notes', type: 'folder', source: workspace, destination, schedule: '0 3 * * *' }],
    }, null, 2));
    session = await openWorkbenchSession({ folder: workspace, extensionDevelopmentPath: repoRoot });
  });

  after(async () => {
    if (session) await screenshot(session.page, 'ui-compare-last').catch(() => undefined);
    await session?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('backs the workspace up once, then notes.md changes on disk', async () => {
    const { page } = session;
    await page.locator('.activitybar a.action-label[aria-label^="Backups"]').waitFor({ timeout: SLOW });
    await runFromPalette(page, 'Backup Scheduler: Run Backup Now');
    await eventually(() => readdirSync(destination).filter((n) => /^notes-\d{8}-\d{6}\.tar\.gz$/.test(n)).length, 1, 'one archive in the destination');
    // The archive is in place before its task ends (index, history): as a user would, wait for
    // the status bar to say the backup is done, not still running, before changing the file.
    await page.locator('.statusbar-item', { has: page.locator('.codicon-history') }).filter({ hasText: /Backup / }).waitFor({ timeout: SLOW });
    writeFileSync(file, CHANGED);
  });

  it('lists the backup in "Compare with Backup…" (Explorer context menu), marked "different", and opens the diff: backup left, file right', async () => {
    const { page } = session;
    const entry = page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'notes.md' });
    await entry.click();
    await page.locator('.editor-group-container .view-lines', { hasText: 'delete everything' }).waitFor();
    await entry.click({ button: 'right' });
    await page.locator('.monaco-menu .action-item .action-label', { hasText: 'Compare with Backup…' }).click();
    const rows = page.locator('.quick-input-list .monaco-list-row');
    const row = rows.filter({ hasText: 'different' });
    try {
      await row.waitFor({ timeout: SLOW });
    } catch (e) {
      // Say what the picker showed instead (its rows, or that it is gone), with a screenshot of that moment.
      await shot(page, '1-pick-failed');
      const shown = await page.locator('.quick-input-widget').isVisible() ? JSON.stringify(await rows.allInnerTexts()) : 'no quick pick';
      throw new Error(`no backup marked "different" in the picker; it shows: ${shown}`, { cause: e });
    }
    assert.equal(await rows.count(), 1, 'one backup holds notes.md');
    const text = await row.innerText();
    assert.match(text, /\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/, 'labelled with the backup time');
    assert.match(text, /notes-\d{8}-\d{6}\.tar\.gz/, 'and the archive');
    await shot(page, '1-pick');
    await row.click();

    await diff(page).waitFor({ timeout: SLOW });
    await page.locator('.editor-group-container .tab.active', { hasText: '↔' }).waitFor();
    const original = diff(page).locator('.editor.original');
    const modified = diff(page).locator('.editor.modified');
    await original.locator('.view-lines', { hasText: 'sleep well' }).waitFor();
    assert.ok((await shownText(original)).includes('Step one: back up.'), 'the backup on the left');
    assert.ok((await shownText(modified)).includes('Step one: delete everything by mistake.'), 'the file now on the right');
    await shot(page, '2-diff');
  });

  it('"Restore This Version" in the diff\'s title bar asks, then writes the backed-up text to disk', async () => {
    const { page } = session;
    const action = page.locator('.editor-group-container .editor-actions .action-label[aria-label="Restore This Version"]');
    await action.waitFor();
    await action.click();
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor();
    assert.match(await dialog.innerText(), /Restore notes\.md to its version of \d{4}-\d{2}-\d{2}/);
    await shot(page, '3-confirm');
    assert.equal(onDisk(), CHANGED, 'nothing written before the answer');
    await dialog.locator('.dialog-buttons a.monaco-button', { hasText: /^Restore$/ }).click();
    await eventually(onDisk, ORIGINAL, 'notes.md on disk holds the backed-up text');
    // Both sides of the diff now show the same text.
    await diff(page).locator('.editor.modified .view-lines', { hasText: 'sleep well' }).waitFor();
    await shot(page, '4-restored');
  });

  it('Undo in the editor brings the change back; saving writes it to disk again', async () => {
    const { page } = session;
    const modified = diff(page).locator('.editor.modified');
    await modified.locator('.view-lines').click();
    await page.keyboard.press('Control+Z');
    await modified.locator('.view-lines', { hasText: 'delete everything' }).waitFor();
    assert.ok(!(await shownText(modified)).includes('sleep well'));
    assert.equal(onDisk(), ORIGINAL, 'undo alone does not save');
    await page.keyboard.press('Control+S');
    await eventually(onDisk, CHANGED, 'notes.md on disk holds the change again');
    await shot(page, '5-undone');
  });

  it('"Browse Backup…" shows the backup\'s files in the Browse Backup view; a file opens from there, read-only', async () => {
    const { page } = session;
    await runFromPalette(page, 'Backup Scheduler: Browse Backup');
    // One environment: straight to its backups (one).
    const pick = page.locator('.quick-input-list .monaco-list-row', { hasText: /notes-\d{8}-\d{6}\.tar\.gz/ });
    await pick.waitFor();
    await pick.click();
    const pane = sidebarPane(page, /browse backup/i);
    const rootRow = pane.locator('.monaco-list-row[aria-level="1"]', { hasText: /^Notes: \d{4}-/ });
    await rootRow.waitFor({ timeout: SLOW });
    const children = pane.locator('.monaco-list-row[aria-level="2"]');
    await children.filter({ hasText: 'notes.md' }).waitFor();
    assert.deepEqual((await children.locator('.label-name').allInnerTexts()).map((t) => t.trim()), ['.vscode', 'notes.md']);
    await children.filter({ hasText: 'notes.md' }).click();
    const tab = page.locator('.editor-group-container .tab.active', { hasText: 'notes.md' });
    await tab.waitFor();
    await page.locator('.editor-group-container .editor-instance .view-lines', { hasText: 'sleep well' }).waitFor();
    // Typing into it changes nothing: VS Code shows why, in the words the file system gave.
    const lines = page.locator('.editor-group-container .editor-instance .view-lines');
    await lines.click();
    await page.keyboard.type('x');
    await page.locator('.monaco-editor-overlaymessage', { hasText: 'A backup is read-only' }).waitFor();
    assert.ok(!(await shownText(page.locator('.editor-group-container .editor-instance'))).includes('x'), 'nothing typed');
    await shot(page, '6-browse');
  });

  it('"Restore…" on the file in the Browse Backup view, to its place: asks before replacing, then the restore task writes it', async () => {
    const { page } = session;
    assert.equal(onDisk(), CHANGED);
    const row = sidebarPane(page, /browse backup/i).locator('.monaco-list-row[aria-level="2"]', { hasText: 'notes.md' });
    await row.hover();
    await row.locator('.actions .action-label[aria-label="Restore…"]').click();
    const place = page.locator('.quick-input-list .monaco-list-row', { hasText: 'To its place' });
    await place.waitFor();
    assert.ok((await place.innerText()).includes(file), 'names where the file goes');
    await place.click();
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor();
    assert.match(await dialog.innerText(), /notes\.md exists\. Replace what the backup also has\?/);
    assert.equal(onDisk(), CHANGED, 'nothing written before the answer');
    await dialog.locator('.dialog-buttons a.monaco-button', { hasText: /^Overwrite$/ }).click();
    await eventually(onDisk, ORIGINAL, 'notes.md restored to its place by the restore task');
    await shot(page, '7-restored-from-browse');
  });
});
