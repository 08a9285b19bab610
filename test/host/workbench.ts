// The workbench URL of the VS Code server, and helpers to wait for it and take screenshots.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FrameLocator, Locator, Page } from 'playwright-core';
import { resultsDir } from './paths';
import type { VsCodeServer } from './server';

export interface WorkbenchOptions {
  /** Folder to open (a path on this machine). */
  folder?: string;
  /** A .code-workspace file to open instead (a multi-root window). */
  workspaceFile?: string;
  extensionDevelopmentPath?: string;
  /** JS file exporting run(): the extension host runs it as its test suite. */
  extensionTestsPath?: string;
}

export function workbenchUrl(server: Pick<VsCodeServer, 'origin' | 'authority'>, o: WorkbenchOptions): string {
  const remote = (p: string) => `vscode-remote://${server.authority}${p}`;
  const payload: [string, string][] = [['skipWelcome', 'true'], ['skipReleaseNotes', 'true']];
  if (o.extensionDevelopmentPath) payload.push(['extensionDevelopmentPath', remote(o.extensionDevelopmentPath)]);
  if (o.extensionTestsPath) payload.push(['extensionTestsPath', remote(o.extensionTestsPath)]);
  const query = [`payload=${encodeURIComponent(JSON.stringify(payload))}`];
  if (o.workspaceFile) query.unshift(`workspace=${encodeURIComponent(remote(o.workspaceFile))}`);
  else if (o.folder) query.unshift(`folder=${encodeURIComponent(remote(o.folder))}`);
  return `${server.origin}/?${query.join('&')}`;
}

/** Waits until the workbench has rendered its activity bar. */
export async function waitForWorkbench(page: Page, timeoutMs = 60_000): Promise<void> {
  await page.locator('.monaco-workbench .activitybar').waitFor({ state: 'visible', timeout: timeoutMs });
}

/** Saves a full-page PNG in test-results/ and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(resultsDir, { recursive: true });
  const path = join(resultsDir, `${name}.png`);
  await page.screenshot({ path });
  return path;
}

/** Runs a command through the command palette (F1), by the label it shows there. */
export async function runFromPalette(page: Page, label: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(`>${label}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: label }).first().waitFor({ state: 'visible' });
  await page.keyboard.press('Enter');
}

/** Opens the Backups container from the activity bar, as a user would. */
export async function openBackupsContainer(page: Page): Promise<void> {
  await page.locator('.activitybar a.action-label[aria-label^="Backups"]').click();
  await page.locator('.sidebar .composite.title', { hasText: /backups/i }).waitFor({ state: 'visible' });
}

/** The content of an extension's webview (panel or view): VS Code puts each webview in an iframe
 * (marked with the owning extension's id, not the view type) that holds the real document in
 * another iframe, `#active-frame`. */
export function extensionWebview(page: Page, extensionId: string): FrameLocator {
  return page.frameLocator(`iframe.webview.ready[src*="extensionId=${extensionId}"]`).frameLocator('iframe#active-frame');
}

/** A view pane of the side bar, by its header title (e.g. "Tasks"). */
export function sidebarPane(page: Page, title: string | RegExp): Locator {
  return page.locator('.sidebar .pane', { has: page.locator('.pane-header', { hasText: title }) });
}
