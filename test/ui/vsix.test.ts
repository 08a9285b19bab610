// The packaged extension: `vsce package` makes a lean .vsix that VS Code installs
// (--install-extension) and that activates in a fresh host without extensionDevelopmentPath,
// with a working Task Log webview.
// BACKUP_SCHEDULER_VSIX names a ready .vsix to test instead of packaging one (test/host/vsix.ts).
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../host/paths';
import { installExtension } from '../host/server';
import { openWorkbenchSession, WorkbenchSession } from '../host/session';
import { makeHostDirs } from '../host/tempDirs';
import { packagedVsix } from '../host/vsix';
import { openBackupsContainer, runFromPalette, screenshot } from '../host/workbench';

const EXTENSION_ID = 'backup-scheduler.backup-scheduler';
const MAX_BYTES = 3 * 1024 * 1024;

function findFiles(dir: string, name: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? findFiles(p, name) : e.name === name ? [p] : [];
  });
}

describe('packaged .vsix', () => {
  let tmp: string;
  let vsix: string;
  let session: WorkbenchSession | undefined;

  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'backup-scheduler-vsix-'));
    vsix = packagedVsix();
  });

  after(async () => {
    await session?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('is under 3 MB and holds the bundles, the wasm, media, icon, CHANGELOG, nls files and l10n bundle, but nothing else', () => {
    const size = statSync(vsix).size;
    console.log(`      ${vsix}: ${(size / 1024).toFixed(0)} KB`);
    assert.ok(size < MAX_BYTES, `${size} bytes`);
    const files = execFileSync('unzip', ['-Z1', vsix], { encoding: 'utf8' }).trim().split('\n');
    const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
    const required = [
      'extension/package.json', 'extension/package.nls.json', 'extension/l10n/bundle.l10n.json', 'extension/readme.md', 'extension/changelog.md', 'extension/LICENSE.txt',
      'extension/dist/extension.js', 'extension/dist/cli.js', 'extension/dist/restoreWorker.js', 'extension/dist/spawnWorker.js', 'extension/dist/storeWorker.js', 'extension/dist/sql-wasm.wasm', 'extension/dist/webview.js', 'extension/media/backups.svg',
      // the vscode:uninstall hook (package.json scripts) runs it
      'extension/dist/uninstall.js',
      `extension/${manifest.icon}`,
    ];
    for (const f of required) assert.ok(files.includes(f), `${f} is missing from the .vsix`);
    // Everything else must be one of these: no sources, tests, scripts, maps, screenshots or node_modules.
    const allowed = [
      /^\[Content_Types\]\.xml$/, /^extension\.vsixmanifest$/,
      /^extension\/package(\.nls(\.[a-z-]+)?)?\.json$/, /^extension\/l10n\/bundle\.l10n(\.[a-z-]+)?\.json$/, /^extension\/(readme|changelog)\.md$/, /^extension\/LICENSE\.txt$/,
      /^extension\/dist\/[^/]+\.(js|css|wasm|svg|png|ttf|woff2?)$/,
      /^extension\/media\/[^/]+\.(svg|png)$/, /^extension\/media\/walkthrough\/[^/]+\.(md|svg|png)$/,
    ];
    assert.deepEqual(files.filter((f) => !allowed.some((re) => re.test(f))), []);
    const icon = readFileSync(join(repoRoot, manifest.icon));
    assert.deepEqual([icon.readUInt32BE(16), icon.readUInt32BE(20)], [128, 128], 'a 128x128 PNG icon');
  });

  it('passes `vsce ls` with the same files (what a publish would upload)', () => {
    const listed = execFileSync(join(repoRoot, 'node_modules/.bin/vsce'), ['ls', '--no-dependencies'], { cwd: repoRoot, encoding: 'utf8' })
      .trim().split('\n').map((l) => l.trim()).filter(Boolean);
    const packed = execFileSync('unzip', ['-Z1', vsix], { encoding: 'utf8' }).trim().split('\n')
      .filter((f) => f.startsWith('extension/')).map((f) => f.slice('extension/'.length));
    const norm = (f: string) => f.toLowerCase().replace(/^license(\.txt)?$/, 'license');
    assert.deepEqual(listed.map(norm).sort(), packed.map(norm).sort());
  });

  it('installs into a fresh host and activates there, without extensionDevelopmentPath', async () => {
    const dirs = makeHostDirs();
    const out = installExtension({ serverDataDir: dirs.serverData, extensionsDir: dirs.extensions, env: dirs.xdgEnv }, vsix);
    assert.match(out, /successfully installed/i);
    const workspace = join(tmp, 'workspace');
    execFileSync('mkdir', ['-p', workspace]);
    session = await openWorkbenchSession({ dirs, folder: workspace });
    const { page } = session;

    // The manifest is loaded: the Backups container is in the activity bar and opens.
    await openBackupsContainer(page);
    // The extension host activated it: the Running Extensions editor shows its activation time
    // (a failed activation shows an error there instead).
    await runFromPalette(page, 'Developer: Show Running Extensions');
    const row = page.locator('.runtime-extensions-editor .monaco-list-row', { hasText: /Backup Scheduler|backup-scheduler/ });
    await row.filter({ hasText: /Activation: \d+ms/ }).waitFor({ state: 'visible' });
    console.log(`      screenshot: ${await screenshot(page, 'vsix-running-extensions')}`);

    const logs = findFiles(dirs.serverData, 'remoteexthost.log').map((f) => readFileSync(f, 'utf8')).join('\n');
    assert.match(logs, new RegExp(`_doActivateExtension ${EXTENSION_ID}\\b`));
    assert.doesNotMatch(logs, new RegExp(`Activating extension ${EXTENSION_ID} failed`));
    assert.ok(findFiles(dirs.extensions, 'package.json').some((f) => f.includes(`${EXTENSION_ID}-`)), 'installed into the temporary extensions folder');
  });

  it('loads the Task Log webview from the installed copy (the webview bundle and its assets are packaged)', async () => {
    assert.ok(session, 'the previous test opened the installed extension');
    const { page } = session;
    await runFromPalette(page, 'Backup Scheduler: Open Task Log');
    // Each webview is an iframe holding another (#active-frame); the app mounts <bs-task-log>.
    const frame = page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
    await frame.locator('bs-task-log bs-task-table').waitFor({ state: 'attached' });
    console.log(`      screenshot: ${await screenshot(page, 'vsix-task-log')}`);
  });
});
