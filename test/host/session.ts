// A VS Code server plus a Chromium page showing its workbench: what UI tests drive.
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './chromium';
import { HostDirs, makeHostDirs } from './tempDirs';
import { startServer, VsCodeServer } from './server';
import { waitForWorkbench, workbenchUrl, WorkbenchOptions } from './workbench';

export interface WorkbenchSession {
  server: VsCodeServer;
  browser: Browser;
  page: Page;
  dirs: HostDirs;
  close(): Promise<void>;
}

export interface SessionOptions extends WorkbenchOptions {
  /** Reuse prepared folders (e.g. with an extension already installed); made fresh otherwise. */
  dirs?: HostDirs;
  env?: Record<string, string>;
}

export async function openWorkbenchSession(o: SessionOptions): Promise<WorkbenchSession> {
  const dirs = o.dirs ?? makeHostDirs();
  const server = await startServer({ serverDataDir: dirs.serverData, extensionsDir: dirs.extensions, env: { ...dirs.xdgEnv, ...o.env } });
  let browser: Browser | undefined;
  try {
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    // Playwright's default of 30 s per wait is tight for a workbench starting on 2 busy cores.
    page.setDefaultTimeout(90_000);
    await page.goto(workbenchUrl(server, o));
    await waitForWorkbench(page);
    const b = browser;
    return {
      server, browser, page, dirs,
      async close() {
        await b.close().catch(() => undefined);
        await server.stop();
        dirs.dispose();
      },
    };
  } catch (e) {
    await browser?.close().catch(() => undefined);
    await server.stop();
    dirs.dispose();
    throw e;
  }
}
