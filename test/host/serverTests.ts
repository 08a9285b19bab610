// Runs an extension test suite (a JS file exporting run()) inside the real Node extension host of
// the VS Code server, with Chromium as the workbench client. The workbench hands the suite's
// console output to codeAutomationLog and its outcome to codeAutomationExit.
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { format } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './chromium';
import { makeHostDirs } from './tempDirs';
import { startServer } from './server';
import { runFromPalette, screenshot, waitForWorkbench, workbenchUrl } from './workbench';

export interface SuiteRunOptions {
  extensionDevelopmentPath: string;
  extensionTestsPath: string;
  workspace: string;
  /** Open this .code-workspace file (a multi-root window) instead of the `workspace` folder. */
  workspaceFile?: string;
  env?: Record<string, string>;
  timeoutMs: number;
  /**
   * Opens another window of the same server (so both share global storage) before the test
   * window, and closes it when the suite creates `<controlDir>/close-second-window`.
   */
  secondWindow?: { folder: string; controlDir: string };
  /**
   * Keep workspace trust on (the server is otherwise started with --disable-workspace-trust), and
   * grant trust the way a user does, clicking "Yes, I trust the authors" (or Manage Workspace
   * Trust's "Trust"), when the suite creates `<controlDir>/grant-trust`; then writes
   * `<controlDir>/trust-granted`.
   */
  workspaceTrust?: { controlDir: string };
  /** Each line the suite prints. */
  onLine(line: string): void;
  /**
   * Runs before the server starts, with its data folder (the background agent suite starts the
   * agent there first); what it returns runs after the server stopped. Its env goes to the suite.
   */
  beforeServer?: (serverDataDir: string) => Promise<{ env?: Record<string, string>; after(): Promise<void> }>;
}

export interface SuiteRunResult {
  /** 0 when run() resolved. */
  exitCode: number;
  /** Set when the run did not finish by itself (host failed to start, timeout, crash). */
  failure?: string;
}

export async function runSuiteInServer(o: SuiteRunOptions): Promise<SuiteRunResult> {
  const dirs = makeHostDirs();
  const env = { ...dirs.xdgEnv, ...o.env };
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
  let timer: NodeJS.Timeout | undefined;
  const watchers: NodeJS.Timeout[] = [];
  let after: (() => Promise<void>) | undefined;
  try {
    if (o.beforeServer) {
      const b = await o.beforeServer(dirs.serverData);
      after = b.after;
      Object.assign(env, b.env ?? {});
    }
    server = await startServer({ serverDataDir: dirs.serverData, extensionsDir: dirs.extensions, env, workspaceTrust: !!o.workspaceTrust });
    browser = await launchChromium();
    if (o.secondWindow) watchers.push(await openSecondWindow(browser, server, dirs.serverData, o));
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const exit = new Promise<SuiteRunResult>((resolve) => {
      void page.exposeFunction('codeAutomationExit', (code: number) => resolve({ exitCode: code }));
      timer = setTimeout(() => resolve({ exitCode: 1, failure: `time limit of ${o.timeoutMs / 1000} s reached` }), o.timeoutMs);
      void server!.exited.then((how) => resolve({ exitCode: 1, failure: `VS Code server exited (${how})` }));
      page.on('crash', () => resolve({ exitCode: 1, failure: 'the workbench page crashed' }));
    });
    // Console output of the workbench and the extension host, printf-style (mocha's reporter uses %s, %d).
    await page.exposeFunction('codeAutomationLog', (_type: string, args: unknown[]) => {
      for (const line of format(...args).split('\n')) o.onLine(line);
    });
    if (o.workspaceTrust) watchers.push(watchTrustRequests(page, o.workspaceTrust.controlDir, o.onLine));
    await page.goto(workbenchUrl(server, { folder: o.workspace, workspaceFile: o.workspaceFile, extensionDevelopmentPath: o.extensionDevelopmentPath, extensionTestsPath: o.extensionTestsPath }));
    const result = await exit;
    if (result.failure) {
      await screenshot(page, 'integration-failure').then((p) => o.onLine(`screenshot: ${p}`), () => undefined);
      await waitForWorkbench(page, 1).catch(() => o.onLine(`the workbench never rendered; server output:\n${server!.output()}`));
    }
    return result;
  } catch (e) {
    return { exitCode: 1, failure: `${(e as Error).message}` };
  } finally {
    clearTimeout(timer);
    watchers.forEach(clearInterval);
    await browser?.close().catch(() => undefined);
    await server?.stop();
    await after?.().catch((e: Error) => o.onLine(`after the server: ${e.message}`));
    dirs.dispose();
  }
}

/**
 * The first window to activate the extension leads; the suite's window then follows. Ready once
 * the extension's leader folder in the server's global storage holds a claimed term.
 */
async function openSecondWindow(browser: Browser, server: Awaited<ReturnType<typeof startServer>>, serverData: string, o: SuiteRunOptions): Promise<NodeJS.Timeout> {
  const { folder, controlDir } = o.secondWindow!;
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(workbenchUrl(server, { folder, extensionDevelopmentPath: o.extensionDevelopmentPath }));
  const deadline = Date.now() + 60_000;
  while (!findTerm(serverData)) {
    if (Date.now() > deadline) throw new Error('the second window never activated the extension');
    await new Promise((r) => setTimeout(r, 250));
  }
  o.onLine(`second window: open on ${folder}, its extension host leads`);
  return setInterval(() => {
    if (!existsSync(join(controlDir, 'close-second-window')) || page.isClosed()) return;
    void page.close().then(() => writeFileSync(join(controlDir, 'second-window-closed'), String(Date.now())));
  }, 100);
}

/** Grants workspace trust through the workbench's own UI when the suite asks for it. */
function watchTrustRequests(page: Page, controlDir: string, onLine: (line: string) => void): NodeJS.Timeout {
  let busy = false;
  return setInterval(() => {
    if (busy || !existsSync(join(controlDir, 'grant-trust')) || existsSync(join(controlDir, 'trust-granted'))) return;
    busy = true;
    void grantTrust(page)
      .then(
        () => writeFileSync(join(controlDir, 'trust-granted'), String(Date.now())),
        (e: Error) => onLine(`launcher: could not grant workspace trust: ${e.message}`),
      )
      .finally(() => (busy = false));
  }, 200);
}

async function grantTrust(page: Page): Promise<void> {
  // The start-up prompt, when it is still open; otherwise the Manage Workspace Trust editor.
  const startup = page.locator('.monaco-dialog-box .monaco-button', { hasText: 'Yes, I trust the authors' });
  if (await startup.count()) return startup.first().click();
  await runFromPalette(page, 'Manage Workspace Trust');
  await page.locator('.workspace-trust-editor .monaco-button', { hasText: /^Trust/ }).first().click({ timeout: 30_000 });
}

function findTerm(dir: string, depth = 0): boolean {
  if (depth > 8) return false;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return false;
  }
  if (dir.endsWith('/leader') && names.some((n) => n.startsWith('term-'))) return true;
  return names.some((n) => !n.includes('.') && findTerm(join(dir, n), depth + 1)) || names.includes('backup-scheduler.backup-scheduler') && findTerm(join(dir, 'backup-scheduler.backup-scheduler'), depth + 1);
}
