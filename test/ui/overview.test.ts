// The Task Log's overview and its one-row-per-run table in real Chromium, under the panel's CSP,
// over a real tasks.db: the demo's environment (demo/.vscode/settings.json: a folder backed up,
// verified and pruned) and a command environment whose dump fails, each run for real by the
// BackupService (real archive engine, real tar). The strip's cells and the health line are checked
// against tasks.db as the sqlite3 CLI reads it; the colours against the theme's variables; dark and
// light themes are screenshot into test-results/ (overview-*.png; README uses overview-dark.png).
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { EngineRegistry } from '../../src/extension/core/engines/registry';
import { parseEnvironments } from '../../src/extension/core/environments/parse';
import { environmentOverview } from '../../src/extension/core/health/overview';
import { silentLogger, systemClock } from '../../src/extension/core/ports';
import { nextRuns } from '../../src/extension/core/scheduler/cron';
import { BackupService, isStarted } from '../../src/extension/core/service';
import { openTaskStore } from '../../src/extension/core/store/openTaskStore';
import type { SqlTaskStore } from '../../src/extension/core/store/sqlStore';
import { TaskLogController, type TaskLogDataSource } from '../../src/extension/ui/taskLogController';
import { makeNonce, taskLogHtml } from '../../src/extension/ui/taskLogHtml';
import { launchChromium } from '../host/chromium';
import { repoRoot } from '../host/paths';
import { screenshot } from '../host/workbench';

/** The variables VS Code's Dark Modern and Light Modern themes give a webview, as far as the Task Log uses them. */
const THEMES = {
  dark: {
    'editor-background': '#1f1f1f', foreground: '#cccccc', descriptionForeground: '#9d9d9d', focusBorder: '#0078d4', 'panel-border': '#2b2b2b',
    'editorWidget-background': '#202020', 'list-hoverBackground': '#2a2d2e', 'list-activeSelectionBackground': '#04395e', 'list-activeSelectionForeground': '#ffffff',
    'dropdown-background': '#313131', 'dropdown-foreground': '#cccccc', 'dropdown-border': '#3c3c3c', 'input-background': '#313131', 'input-foreground': '#cccccc',
    'button-background': '#0078d4', 'button-foreground': '#ffffff', 'button-secondaryBackground': '#313131', 'button-secondaryForeground': '#cccccc',
    'testing-iconPassed': '#73c991', 'testing-iconFailed': '#f14c4c', 'editorWarning-foreground': '#cca700', errorForeground: '#f85149', 'progressBar-background': '#0078d4',
    'charts-green': '#89d185', 'charts-red': '#f14c4c', 'charts-blue': '#3794ff', 'charts-yellow': '#cca700', 'charts-purple': '#b180d7', disabledForeground: '#cccccc80',
    'textCodeBlock-background': '#2b2b2b',
  },
  light: {
    'editor-background': '#ffffff', foreground: '#3b3b3b', descriptionForeground: '#3b3b3b', focusBorder: '#005fb8', 'panel-border': '#e5e5e5',
    'editorWidget-background': '#f8f8f8', 'list-hoverBackground': '#f2f2f2', 'list-activeSelectionBackground': '#e8e8e8', 'list-activeSelectionForeground': '#000000',
    'dropdown-background': '#ffffff', 'dropdown-foreground': '#3b3b3b', 'dropdown-border': '#cecece', 'input-background': '#ffffff', 'input-foreground': '#3b3b3b',
    'button-background': '#005fb8', 'button-foreground': '#ffffff', 'button-secondaryBackground': '#e5e5e5', 'button-secondaryForeground': '#3b3b3b',
    'testing-iconPassed': '#388a34', 'testing-iconFailed': '#f14c4c', 'editorWarning-foreground': '#bf8803', errorForeground: '#f85149', 'progressBar-background': '#005fb8',
    'charts-green': '#388a34', 'charts-red': '#e51400', 'charts-blue': '#1a85ff', 'charts-yellow': '#bf8803', 'charts-purple': '#652d90', disabledForeground: '#61616180',
    'textCodeBlock-background': '#f2f2f2',
  },
} as const;
type Theme = keyof typeof THEMES;

function themeCss(theme: Theme): string {
  const vars = Object.entries(THEMES[theme]).map(([k, v]) => `--vscode-${k}: ${v};`).join(' ');
  return `body { background: var(--vscode-editor-background); margin: 0; } :root { --vscode-font-family: sans-serif; --vscode-font-size: 13px;
    --vscode-editor-font-family: monospace; --vscode-editor-font-size: 12px; ${vars} }`;
}

const rgb = (hex: string) => `rgb(${[1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(', ')})`;
/** The colour a strip cell of each outcome must have (bs-overview.ts maps outcome -> theme variable). */
const CELL_VAR: Record<string, keyof (typeof THEMES)['dark']> = { succeeded: 'testing-iconPassed', failed: 'testing-iconFailed', interrupted: 'charts-yellow' };

const STUB = `window.__violations = [];
document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));
window.acquireVsCodeApi = () => ({
  postMessage(m) { window.__bsHost(m).then((r) => { if (r) window.dispatchEvent(new MessageEvent('message', { data: JSON.parse(r) })); }); },
  getState() { return JSON.parse(sessionStorage.getItem('state') || 'null'); },
  setState(s) { sessionStorage.setItem('state', JSON.stringify(s)); },
});`;

describe('Task Log overview in Chromium (real tasks.db, demo and a failing environment)', function () {
  this.timeout(240_000);
  let dir: string;
  let store: SqlTaskStore;
  let service: BackupService;
  let server: Server;
  let browser: Browser;
  let page: Page;
  let origin = '';
  const pageErrors: string[] = [];
  const warnings: string[] = [];
  const flag = () => join(dir, 'db-down');

  /** Runs an environment now and waits for its whole chain (backup, verify, prune). */
  async function runOnce(envId: string): Promise<void> {
    const out = service.runNow(envId);
    assert.ok(isStarted(out), `${envId}: ${out.kind}`);
    await out.done;
    for (let i = 0; i < 1200 && service.tasks.isBusy(envId); i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(service.tasks.isBusy(envId), false, `${envId}'s run ended`);
  }

  /** tasks.db as the sqlite3 CLI reads it: each backup run of an environment, oldest first, with its outcome. */
  async function runsInDb(envId: string): Promise<{ id: number; status: string }[]> {
    await store.flush();
    const out = execFileSync('sqlite3', [join(dir, 'storage', 'tasks.db'), `SELECT id, run_status FROM tasks WHERE env_id = '${envId}' AND kind = 'backup' ORDER BY queued_at, id`], { encoding: 'utf8' });
    return out.trim().split('\n').filter(Boolean).map((l) => ({ id: Number(l.split('|')[0]), status: l.split('|')[1] }));
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bs-overview-ui-'));
    ({ store } = await openTaskStore({ dir: join(dir, 'storage'), clock: systemClock, logger: silentLogger, bounds: { maxAgeDays: 90, maxTasks: 5000, maxLinesPerTask: 2000 } }));
    const engines = new EngineRegistry({ clock: systemClock, logger: silentLogger, secrets: { get: async () => undefined }, defaultCwd: dir, settings: {} });
    service = new BackupService({ store, engines, clock: systemClock, logger: silentLogger, defaultCwd: dir, trusted: true });
    // The demo's environment as `npm start` opens it (JSONC: its comment line dropped), backing up into this test's folder.
    const settings = readFileSync(join(repoRoot, 'demo', '.vscode', 'settings.json'), 'utf8').split('\n').filter((l) => !l.trim().startsWith('//')).join('\n');
    const demo = (JSON.parse(settings) as Record<string, Record<string, unknown>[]>)['backupScheduler.environments'][0];
    const envs = [
      { ...demo, source: join(repoRoot, 'demo', 'project'), destination: join(dir, 'demo-backups') },
      { id: 'db', name: 'Orders database', type: 'command', schedule: '0 * * * *', destination: join(dir, 'db-backups'), verify: true, retention: { keepLast: 3 },
        command: `if [ -e '${flag()}' ]; then echo 'pg_dump: could not connect to server: Connection refused' >&2; exit 2; fi; head -c 200000 /dev/urandom > "$BACKUP_FILE"` },
    ];
    service.setEnvironments(parseEnvironments(envs, { workspaceFolder: join(repoRoot, 'demo'), home: dir, env: {}, workspaceIds: new Set() }));
    // No service.start(): the schedules stay unarmed, so only these runs are in the history.
    for (let i = 0; i < 6; i++) await runOnce('demo');
    for (const down of [false, false, true, false, true, true]) {
      if (down) writeFileSync(flag(), '');
      else rmSync(flag(), { force: true });
      await runOnce('db');
    }

    const source: TaskLogDataSource = {
      searchTasks: (q) => store.searchTasks(q),
      logAfter: (id, after, limit) => store.logAfter(id, after, limit),
      changesSince: (r) => store.changesSince(r),
      getTask: (id) => store.getTask(id),
      environments: () => service.environments().flatMap((e) => (e.valid ? [{ id: e.environment.id, name: e.environment.name }] : [])),
      overview: () => service.environments().flatMap((e) => {
        if (!e.valid) return [];
        const env = e.environment;
        return [environmentOverview(store, { ...env, nextRun: nextRuns(env.schedule, env.timezone, Date.now(), 1)[0] }, Date.now())];
      }),
      onDidChange: (listener) => service.tasks.onDidChangeTask(() => listener()),
      runAction: async () => undefined,
    };
    const controller = new TaskLogController(source, { debug() {}, info() {}, warn: (m) => warnings.push(m), error: (m) => warnings.push(m) }, { pollMs: () => 500 });
    server = createServer((req, res) => {
      if (req.url === '/dist/webview.js') return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(readFileSync(join(repoRoot, 'dist/webview.js')));
      if (req.url?.startsWith('/theme.css')) return void res.writeHead(200, { 'content-type': 'text/css' }).end(themeCss(req.url.endsWith('light') ? 'light' : 'dark'));
      const theme = req.url?.includes('light') ? 'light' : 'dark';
      const nonce = makeNonce();
      const html = taskLogHtml({ cspSource: origin, scriptUri: `${origin}/dist/webview.js`, nonce })
        .replace('<body>', `<body>\n  <link rel="stylesheet" href="${origin}/theme.css?${theme}"><script nonce="${nonce}">${STUB}</script>`);
      res.writeHead(200, { 'content-type': 'text/html' }).end(html);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    page.on('console', (m) => { if (m.type() === 'error') pageErrors.push(m.text()); });
    await page.exposeFunction('__bsHost', async (m: unknown) => JSON.stringify((await controller.handle(m)) ?? null));
  });

  after(async () => {
    await browser?.close();
    server?.close();
    await service?.dispose();
    await store?.dispose();
    rmSync(flag(), { force: true });
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const section = (envId: string) => page.locator(`bs-overview section[data-env="${envId}"]`);

  for (const theme of ['dark', 'light'] as const) {
    it(`${theme} theme: each environment's strip matches tasks.db run by run, in the theme's colours; the health line says what tasks.db says`, async () => {
      await page.goto(`${origin}/?${theme}`);
      for (const envId of ['demo', 'db']) {
        const want = await runsInDb(envId);
        assert.equal(want.length, 6);
        const cells = section(envId).locator('.cell');
        await cells.nth(want.length - 1).waitFor();
        assert.equal(await cells.count(), want.length);
        const shown = await cells.evaluateAll((els) => els.map((e) => ({ id: Number(e.getAttribute('data-run')), status: e.getAttribute('data-status'), colour: getComputedStyle(e).backgroundColor, label: e.getAttribute('aria-label') })));
        assert.deepEqual(shown.map(({ id, status }) => ({ id, status })), want, `${envId}: the strip is tasks.db's runs, oldest first`);
        for (const c of shown) {
          assert.equal(c.colour, rgb(THEMES[theme][CELL_VAR[c.status!]]), `${envId} run #${c.id} (${c.status}) in --vscode-${CELL_VAR[c.status!]}`);
          assert.match(c.label ?? '', new RegExp(`\\d\\d:\\d\\d:\\d\\d · .* · ${c.status}`), 'time, duration and result in words');
        }
      }
      // The demo: every run good (backup, verify, prune). The database: down for the last two runs.
      const demoRuns = await runsInDb('demo');
      assert.ok(demoRuns.every((r) => r.status === 'succeeded'));
      const demoHealth = section('demo').locator('.health');
      assert.match(await demoHealth.innerText(), /^last good backup \d+ (s|min) ago$/);
      assert.equal(await demoHealth.getAttribute('data-tone'), 'ok');
      const dbRuns = await runsInDb('db');
      let inRow = 0;
      for (const r of [...dbRuns].reverse()) {
        if (r.status !== 'failed') break;
        inRow++;
      }
      assert.equal(inRow, 2);
      const dbHealth = section('db').locator('.health');
      assert.equal(await dbHealth.getAttribute('data-failures'), String(inRow));
      assert.match(await dbHealth.innerText(), new RegExp(`^last good backup \\d+ (s|min) ago · ${inRow} failures in a row$`));
      assert.equal(await dbHealth.getAttribute('data-tone'), 'error');
      assert.match(await section('db').locator('.sched').innerText(), /^Every hour · next run in .* \(\d\d:00\)$/);
      // Text alternatives for the charts.
      const alts = await section('demo').locator('svg[role="img"] title').allTextContents();
      assert.ok(alts.some((a) => a.startsWith('Duration of the good runs:')) && alts.some((a) => a.startsWith('Archives stored over the last 6 runs')), alts.join(' | '));
      console.log(`      screenshot: ${await screenshot(page, `overview-${theme}`)}`);
      await section('demo').screenshot({ path: join(repoRoot, 'test-results', `overview-demo-${theme}.png`) });
      await section('db').screenshot({ path: join(repoRoot, 'test-results', `overview-failing-${theme}.png`) });
      assert.deepEqual(await page.evaluate('window.__violations'), [], 'nothing violates the panel\'s CSP');
    });
  }

  it('one row per run: the failed runs are found by the status filter; a run opens to its steps by keyboard; the flat view lists every task', async () => {
    const table = page.locator('bs-task-table');
    const rows = table.locator('tbody tr');
    const allRuns = [...(await runsInDb('demo')), ...(await runsInDb('db'))];
    await page.locator('bs-pager .pos', { hasText: `of ${allRuns.length} runs` }).waitFor();
    assert.equal(await rows.count(), allRuns.length, 'one row per run');
    await page.locator('bs-task-filters select[aria-label="Status"]').selectOption('failed');
    await page.locator('bs-pager .pos', { hasText: 'of 3 runs' }).waitFor();
    assert.deepEqual((await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-status')))), ['failed', 'failed', 'failed']);
    await page.locator('bs-task-filters select[aria-label="Status"]').selectOption('');
    // The newest demo run: backup, verify and prune under one row.
    const demoRow = rows.filter({ hasText: 'Demo project' }).first();
    await demoRow.waitFor();
    assert.match(await demoRow.locator('td').nth(2).innerText(), /^backup \+ verify \+ prune$/);
    assert.equal(await demoRow.getAttribute('aria-expanded'), 'false');
    await demoRow.focus();
    await page.keyboard.press('ArrowRight');
    await table.locator('tbody tr[aria-level="2"]').nth(1).waitFor();
    assert.equal(await demoRow.getAttribute('aria-expanded'), 'true');
    assert.deepEqual(await table.locator('tbody tr[aria-level="2"] td:nth-child(3)').allInnerTexts(), ['verify', 'prune']);
    console.log(`      screenshot: ${await screenshot(page, 'overview-runs-expanded')}`);
    await page.keyboard.press('ArrowLeft');
    await table.locator('tbody tr[aria-level="2"]').first().waitFor({ state: 'detached' });
    await page.locator('bs-task-log .top label', { hasText: 'One row per run' }).locator('input').uncheck();
    const flat = Number(execFileSync('sqlite3', [join(dir, 'storage', 'tasks.db'), 'SELECT count(*) FROM tasks'], { encoding: 'utf8' }).trim());
    await page.locator('bs-pager .pos', { hasText: `of ${flat} tasks` }).waitFor();
    await page.locator('bs-task-log .top label', { hasText: 'One row per run' }).locator('input').check();
  });

  it('clicking a strip cell opens that run; a new run appears live, without a reload', async () => {
    const failed = (await runsInDb('db')).at(-1)!;
    await section('db').locator(`.cell[data-run="${failed.id}"]`).click();
    await page.locator('bs-task-detail h2', { hasText: `Task #${failed.id}` }).waitFor();
    assert.equal(await section('db').locator(`.cell[data-run="${failed.id}"]`).getAttribute('aria-pressed'), 'true');
    rmSync(flag(), { force: true });
    await runOnce('db');
    const now = await runsInDb('db');
    await section('db').locator(`.cell[data-run="${now.at(-1)!.id}"][data-status="succeeded"]`).waitFor({ timeout: 30_000 });
    await section('db').locator('.health[data-tone="ok"]').waitFor();
    assert.deepEqual(pageErrors, []);
    assert.deepEqual(warnings, [], 'the webview sent no message the host rejected');
  });
});
