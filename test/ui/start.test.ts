// `npm start` in its server form: prints a workbench URL that shows the demo workspace with the
// Backups container, and stops on Ctrl-C (SIGINT).
import * as assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../host/chromium';
import { repoRoot } from '../host/paths';
import { openBackupsContainer, screenshot, waitForWorkbench } from '../host/workbench';

describe('npm start (VS Code server form)', () => {
  let child: ChildProcess | undefined;
  let browser: Browser | undefined;
  let output = '';
  const dataDir = mkdtempSync(join(tmpdir(), 'backup-scheduler-start-'));

  after(async () => {
    await browser?.close();
    if (child && child.exitCode === null) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints a URL whose workbench shows the demo environment in the Backups views, and stops on Ctrl-C', async () => {
    // The script only; `npm run test:ui` has built dist/ and out/ already.
    child = spawn(process.execPath, [join(repoRoot, 'out/test/host/start.js')], { env: { ...process.env, BACKUP_SCHEDULER_START_HOST: 'server', BACKUP_SCHEDULER_START_DATA_DIR: dataDir }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setInterval(() => {
        const m = /^\s*(http:\/\/127\.0\.0\.1:\d+\/\?\S+)$/m.exec(output);
        if (m) resolve(m[1]);
        else if (child!.exitCode !== null) reject(new Error(`npm start exited:\n${output}`));
        else return;
        clearInterval(timer);
      }, 100);
    });
    assert.match(decodeURIComponent(url), new RegExp(`folder=vscode-remote://127\\.0\\.0\\.1:\\d+${join(repoRoot, 'demo')}&`));

    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(90_000);
    await page.goto(url);
    await waitForWorkbench(page);
    await page.locator('.window-title', { hasText: 'demo' }).waitFor({ state: 'attached' });
    await openBackupsContainer(page);
    // The demo's workspace settings define the environment "Demo project": the view lists it.
    const envPane = page.locator('.sidebar .pane', { has: page.locator('.pane-header', { hasText: /environments/i }) });
    await envPane.locator('.monaco-list-row', { hasText: 'Demo project' }).waitFor({ state: 'visible' });
    console.log(`      screenshot: ${await screenshot(page, 'npm-start-demo')}`);
    await browser.close();
    browser = undefined;

    const exited = new Promise<number | null>((r) => child!.once('exit', (code) => r(code)));
    child.kill('SIGINT');
    assert.equal(await exited, 0);
  });
});
