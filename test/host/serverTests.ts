// Runs an extension test suite (a JS file exporting run()) inside the real Node extension host of
// the VS Code server, with Chromium as the workbench client. The workbench hands the suite's
// console output to codeAutomationLog and its outcome to codeAutomationExit.
import { format } from 'node:util';
import { launchChromium } from './chromium';
import { makeHostDirs } from './tempDirs';
import { startServer } from './server';
import { screenshot, waitForWorkbench, workbenchUrl } from './workbench';

export interface SuiteRunOptions {
  extensionDevelopmentPath: string;
  extensionTestsPath: string;
  workspace: string;
  env?: Record<string, string>;
  timeoutMs: number;
  /** Each line the suite prints. */
  onLine(line: string): void;
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
  try {
    server = await startServer({ serverDataDir: dirs.serverData, extensionsDir: dirs.extensions, env });
    browser = await launchChromium();
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
    await page.goto(workbenchUrl(server, { folder: o.workspace, extensionDevelopmentPath: o.extensionDevelopmentPath, extensionTestsPath: o.extensionTestsPath }));
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
    await browser?.close().catch(() => undefined);
    await server?.stop();
    dirs.dispose();
  }
}
