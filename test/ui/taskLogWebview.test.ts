// The bundled Task Log webview (dist/webview.js) in real Chromium, under the panel's exact CSP,
// talking to the real TaskLogController over a stub acquireVsCodeApi (messages bridged to Node).
// Faster and more direct than the full workbench for the webview's own behaviour: it renders,
// nothing violates the policy, sort/filter/paging/selection/log/follow work by mouse and keyboard,
// and state survives a reload. Screenshots go to test-results/.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { TaskLogController } from '../../src/extension/ui/taskLogController';
import { makeNonce, taskLogHtml } from '../../src/extension/ui/taskLogHtml';
import { TASK_STATUSES } from '../../src/shared/model';
import { launchChromium } from '../host/chromium';
import { repoRoot } from '../host/paths';
import { screenshot } from '../host/workbench';
import { FakeTaskLogSource } from '../unit/ui/fakeTaskLogSource';

/** A few of the variables VS Code's dark theme defines in every webview. */
const THEME = `body { background: var(--vscode-editor-background); margin: 0; }
:root { --vscode-font-family: sans-serif; --vscode-font-size: 13px; --vscode-editor-font-family: monospace; --vscode-editor-font-size: 12px;
  --vscode-foreground: #cccccc; --vscode-editor-background: #1e1e1e; --vscode-descriptionForeground: #9d9d9d; --vscode-focusBorder: #007fd4;
  --vscode-list-hoverBackground: #2a2d2e; --vscode-list-activeSelectionBackground: #04395e; --vscode-list-activeSelectionForeground: #ffffff;
  --vscode-panel-border: #444444; --vscode-dropdown-background: #3c3c3c; --vscode-dropdown-foreground: #f0f0f0; --vscode-dropdown-border: #3c3c3c;
  --vscode-input-background: #3c3c3c; --vscode-input-foreground: #cccccc; --vscode-button-background: #0e639c; --vscode-button-foreground: #ffffff;
  --vscode-button-secondaryBackground: #3a3d41; --vscode-button-secondaryForeground: #ffffff; --vscode-testing-iconPassed: #73c991; --vscode-testing-iconFailed: #f14c4c;
  --vscode-editorWarning-foreground: #cca700; --vscode-errorForeground: #f48771; --vscode-progressBar-background: #0e70c0; --vscode-textCodeBlock-background: #0a0a0a; }`;

/** Installed before the bundle: what VS Code's webview host provides, with messages sent to Node. */
const STUB = `window.__violations = [];
document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));
window.acquireVsCodeApi = () => ({
  postMessage(m) { window.__bsHost(m).then((r) => { if (r) window.dispatchEvent(new MessageEvent('message', { data: JSON.parse(r) })); }); },
  getState() { return JSON.parse(sessionStorage.getItem('state') || 'null'); },
  setState(s) { sessionStorage.setItem('state', JSON.stringify(s)); },
});`;

// Wide (facts beside the log) and narrow (one scrolling column): each layout once.
for (const view of [{ name: 'wide', width: 1280, height: 900 }, { name: 'narrow', width: 640, height: 800 }]) describe(`Task Log webview in Chromium (${view.name})`, function () {
  this.timeout(120_000);
  let server: Server;
  let browser: Browser;
  let page: Page;
  const src = new FakeTaskLogSource();
  const warnings: string[] = [];
  const controller = new TaskLogController(src, { debug() {}, info() {}, warn: (m) => warnings.push(m), error: (m) => warnings.push(m) }, { pollMs: () => 250 });
  const pageErrors: string[] = [];
  let running = 0;

  before(async () => {
    for (let i = 0; i < 120; i++) {
      src.addTask({ envId: i % 3 ? 'docs' : 'db', status: TASK_STATUSES[i % TASK_STATUSES.length], kind: i % 5 ? 'backup' : 'verify', error: i % 7 === 3 ? 'disk full' : null });
    }
    running = src.addTask({ status: 'running', finishedAt: null, progress: { percent: 40, files: 12 } }).id;
    for (let i = 1; i <= 30; i++) src.appendLog(running, i % 10 === 0 ? 'warn' : 'info', `copied file-${i}.txt`);

    server = createServer((req, res) => {
      const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      if (req.url === '/dist/webview.js') return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(readFileSync(join(repoRoot, 'dist/webview.js')));
      if (req.url === '/theme.css') return void res.writeHead(200, { 'content-type': 'text/css' }).end(THEME);
      const nonce = makeNonce();
      const html = taskLogHtml({ cspSource: origin, scriptUri: `${origin}/dist/webview.js`, nonce })
        .replace('<body>', `<body>\n  <link rel="stylesheet" href="${origin}/theme.css"><script nonce="${nonce}">${STUB}</script>`);
      res.writeHead(200, { 'content-type': 'text/html' }).end(html);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: view.width, height: view.height } });
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    page.on('console', (m) => { if (m.type() === 'error') pageErrors.push(m.text()); });
    await page.exposeFunction('__bsHost', async (m: unknown) => JSON.stringify((await controller.handle(m)) ?? null));
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  });

  after(async () => {
    await browser?.close();
    server?.close();
  });

  const rows = () => page.locator('bs-task-table tbody tr');
  const header = (name: string) => page.locator('bs-task-table th', { hasText: name });

  it('renders the first page of history with its total, under the strict CSP', async () => {
    await rows().first().waitFor();
    assert.equal(await rows().count(), 50);
    await page.locator('bs-pager .pos', { hasText: 'of 121 runs' }).waitFor();
    console.log(`      screenshot: ${await screenshot(page, `task-log-webview-${view.name}-table`)}`);
    // (Page functions are strings: this project's Node tsconfig has no DOM types.)
    assert.deepEqual(await page.evaluate('window.__violations'), []);
    // The toolkit's FAST elements upgraded (a shadow root) rather than staying unknown tags.
    assert.ok(await page.locator('vscode-button').first().evaluate((e) => e.shadowRoot !== null));
  });

  it('sorts by a column header and says so with aria-sort', async () => {
    await header('Environment').locator('button').click();
    await page.locator('bs-task-table th[aria-sort="ascending"]', { hasText: 'Environment' }).waitFor();
    await rows().first().locator('td:nth-child(2)', { hasText: 'Database' }).waitFor();
    await header('Environment').locator('button').click();
    await page.locator('bs-task-table th[aria-sort="descending"]', { hasText: 'Environment' }).waitFor();
    assert.equal(await header('Status').getAttribute('aria-sort'), 'none');
  });

  it('filters by status and pages through the result', async () => {
    await page.locator('bs-task-filters select[aria-label="Status"]').selectOption('failed');
    const want = src.queryTasks({ statuses: ['failed'] }).total;
    await page.locator('bs-pager .pos', { hasText: `of ${want} runs` }).waitFor();
    const statuses = await rows().locator('td:first-child').allInnerTexts();
    assert.ok(statuses.length > 0 && statuses.every((s) => s.includes('failed')), statuses.join('|'));
    await page.locator('bs-task-filters select[aria-label="Status"]').selectOption('');
    await page.locator('bs-pager .pos', { hasText: '1–50 of 121' }).waitFor();
    await page.locator('bs-pager vscode-button[aria-label="Next page"]').click();
    await page.locator('bs-pager .pos', { hasText: '51–100 of 121' }).waitFor();
  });

  it('selects a row with the keyboard and shows its facts and live log, following new lines', async () => {
    await page.locator('bs-task-filters select[aria-label="Status"]').selectOption('running');
    await page.locator('bs-pager .pos', { hasText: 'of 18 runs' }).waitFor();
    // Where the running task sits under the current sort (Environment, descending): walk there by keyboard.
    const index = src.queryTasks({ statuses: ['running'], sort: 'envId', descending: true, limit: 50 }).rows.findIndex((t) => t.id === running);
    assert.ok(index >= 0);
    await rows().first().focus();
    await page.keyboard.press('End');
    await page.keyboard.press('Home');
    for (let i = 0; i < index; i++) await page.keyboard.press('ArrowDown');
    assert.equal(await rows().nth(index).evaluate((e) => e === (e.getRootNode() as unknown as { activeElement: unknown }).activeElement), true, 'focus moved with the arrows');
    await page.keyboard.press('Enter');
    assert.equal(await rows().nth(index).getAttribute('aria-selected'), 'true');
    await page.locator('bs-task-detail h2', { hasText: `Task #${running}` }).waitFor();
    await page.locator('bs-log-view .line', { hasText: 'copied file-30.txt' }).waitFor();
    src.appendLog(running, 'error', 'a line that arrived later');
    await page.locator('bs-log-view .line.error', { hasText: 'a line that arrived later' }).waitFor();
    // Log text is data, never markup: a command's output cannot inject elements into the webview.
    src.appendLog(running, 'info', '<img src=x onerror="window.__pwned=1"><b>bold?</b>');
    await page.locator('bs-log-view .line', { hasText: '<img src=x onerror="window.__pwned=1"><b>bold?</b>' }).waitFor();
    assert.equal(await page.locator('bs-log-view img, bs-log-view b').count(), 0);
    assert.equal(await page.evaluate('window.__pwned ?? null'), null);
    const atEnd = await page.locator('bs-log-view .log').evaluate((e) => e.scrollTop + e.clientHeight >= e.scrollHeight - 2);
    assert.ok(atEnd, 'follow keeps the newest line in view');
    await page.locator('bs-log-view select').selectOption('warn');
    assert.equal(await page.locator('bs-log-view .line').count(), 4, '3 warnings and 1 error');
    console.log(`      screenshot: ${await screenshot(page, `task-log-webview-${view.name}-detail`)}`);
  });

  it('shows a finished status without a reload', async () => {
    src.update(running, { status: 'succeeded', finishedAt: Date.now(), result: { size: 2048, archivePath: '/b/docs-1.tar.gz', fileCount: 30 } });
    await page.locator('bs-task-detail h2', { hasText: 'succeeded' }).waitFor();
    await page.locator('bs-task-detail vscode-button', { hasText: 'Reveal archive' }).click();
    await page.locator('bs-task-log .notice').waitFor({ state: 'detached' }).catch(() => undefined);
    for (let i = 0; i < 100 && src.actions.length === 0; i++) await page.waitForTimeout(50);
    assert.deepEqual(src.actions.at(-1), ['revealArchive', running]);
  });

  it('keeps filters and selection across a reload (getState/setState)', async () => {
    await page.reload();
    await page.locator('bs-task-detail h2', { hasText: `Task #${running}` }).waitFor();
    assert.equal(await page.locator('bs-task-filters select[aria-label="Status"]').inputValue(), 'running');
    const savedSelection = () => page.evaluate("JSON.parse(sessionStorage.getItem('state')).selectedId ?? null");
    assert.equal(await savedSelection(), running);
    await page.locator('bs-task-detail vscode-button', { hasText: 'Close' }).click();
    await page.locator('bs-task-detail').waitFor({ state: 'detached' });
    assert.equal(await savedSelection(), null, 'closing the details clears the kept selection');
    assert.deepEqual(pageErrors, []);
    assert.deepEqual(warnings, [], 'the webview sent no message the host rejected');
  });
});
