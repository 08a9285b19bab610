// The Task Log webview in another language: the page the panel builds with a translation bundle
// (what vscode.l10n.bundle holds when VS Code runs in German) shows the table, filters, pager and
// detail pane in the translation, in real Chromium under the panel's CSP, talking to the real
// controller. Messages missing from the bundle stay English.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { TaskLogController } from '../../src/extension/ui/taskLogController';
import { makeNonce, taskLogHtml } from '../../src/extension/ui/taskLogHtml';
import { launchChromium } from '../host/chromium';
import { repoRoot } from '../host/paths';
import { FakeTaskLogSource } from '../unit/ui/fakeTaskLogSource';

const GERMAN: Record<string, string> = {
  'Task Log': 'Aufgabenprotokoll',
  Status: 'Zustand',
  Environment: 'Umgebung',
  succeeded: 'erfolgreich',
  failed: 'fehlgeschlagen',
  backup: 'Sicherung',
  'Clear filters': 'Filter löschen',
  '{0}–{1} of {2} tasks · page {3} of {4}': '{0}–{1} von {2} Aufgaben · Seite {3} von {4}',
  '{0}–{1} of {2} runs · page {3} of {4}': '{0}–{1} von {2} Läufen · Seite {3} von {4}',
  'Task #{0}: {1} of {2} — {3}': 'Aufgabe #{0}: {1} von {2} — {3}',
  'Open log in editor': 'Protokoll im Editor öffnen',
};

const STUB = `window.__violations = [];
document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));
window.acquireVsCodeApi = () => ({
  postMessage(m) { window.__bsHost(m).then((r) => { if (r) window.dispatchEvent(new MessageEvent('message', { data: JSON.parse(r) })); }); },
  getState() { return null; },
  setState() {},
});`;

describe('Task Log webview in German (translation bundle from the host)', function () {
  this.timeout(120_000);
  let server: Server;
  let browser: Browser;
  let page: Page;
  const src = new FakeTaskLogSource();
  const controller = new TaskLogController(src, { debug() {}, info() {}, warn() {}, error() {} }, { pollMs: () => 250 });

  before(async () => {
    src.addTask({ envId: 'docs', status: 'succeeded', kind: 'backup' });
    src.addTask({ envId: 'docs', status: 'failed', kind: 'verify', error: 'disk full' });
    server = createServer((req, res) => {
      const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      if (req.url === '/dist/webview.js') return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(readFileSync(join(repoRoot, 'dist/webview.js')));
      const nonce = makeNonce();
      const html = taskLogHtml({ cspSource: origin, scriptUri: `${origin}/dist/webview.js`, nonce, language: 'de', l10nBundle: GERMAN })
        .replace('<body>', `<body>\n  <script nonce="${nonce}">${STUB}</script>`);
      res.writeHead(200, { 'content-type': 'text/html' }).end(html);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.exposeFunction('__bsHost', async (m: unknown) => JSON.stringify((await controller.handle(m)) ?? null));
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  });

  after(async () => {
    await browser?.close();
    server?.close();
  });

  it('shows the heading, column headers, values, buttons and pager in German', async () => {
    await page.locator('bs-task-table tbody tr').nth(1).waitFor();
    assert.equal(await page.getAttribute('html', 'lang'), 'de');
    assert.equal((await page.locator('bs-task-log h1').innerText()).trim(), 'Aufgabenprotokoll');
    const headers = (await page.locator('bs-task-table th').allInnerTexts()).map((h) => h.trim());
    assert.deepEqual(headers.slice(0, 3), ['Zustand', 'Umgebung', 'Kind'], 'Kind has no translation: English');
    const statuses = (await page.locator('bs-task-table tbody tr td:first-child').allInnerTexts()).map((s) => s.replace(/^\S+\s/, '').trim()).sort();
    assert.deepEqual(statuses, ['erfolgreich', 'fehlgeschlagen']);
    await page.locator('bs-task-filters vscode-button', { hasText: 'Filter löschen' }).waitFor();
    await page.locator('bs-pager .pos', { hasText: '1–2 von 2 Läufen · Seite 1 von 1' }).waitFor();
    assert.deepEqual(await page.evaluate('window.__violations'), []);
  });

  it('shows the selected task\'s title and actions in German', async () => {
    await page.locator('bs-task-table tbody tr', { hasText: 'erfolgreich' }).click();
    const title = page.locator('bs-task-detail h2', { hasText: 'Aufgabe #' });
    await title.waitFor();
    assert.match((await title.innerText()).trim(), /^\S+ Aufgabe #\d+: Sicherung von \w+ — erfolgreich$/);
    await page.locator('bs-task-detail vscode-button', { hasText: 'Protokoll im Editor öffnen' }).waitFor();
  });
});
