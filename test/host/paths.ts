// Where things are: the repository, the installed test host, the results folder. Compiled to
// out/test/host/, so the repository is three levels up.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export const repoRoot = resolve(__dirname, '../../..');
export const resultsDir = join(repoRoot, 'test-results');

/** Version of code-server whose bundled VS Code server is the test host (see scripts/install-test-host.sh). */
export const CODE_SERVER_VERSION = '4.100.3';

export function testHostVsCodeDir(): string {
  const base = process.env.BACKUP_SCHEDULER_TEST_HOST_DIR ?? join(homedir(), '.cache/backup-scheduler/test-host');
  return join(base, `code-server-${CODE_SERVER_VERSION}`, 'node_modules/code-server/lib/vscode');
}

export function serverMainPath(): string {
  const p = join(testHostVsCodeDir(), 'out/server-main.js');
  if (!existsSync(p)) throw new Error(`The VS Code test host is not installed (${p} is missing): run scripts/install-test-host.sh`);
  return p;
}

/** The VS Code version the test host carries, read from its own package.json. */
export function testHostVsCodeVersion(): string {
  return JSON.parse(readFileSync(join(testHostVsCodeDir(), 'package.json'), 'utf8')).version;
}

export function chromiumPath(): string {
  return process.env.BACKUP_SCHEDULER_CHROMIUM ?? '/usr/bin/chromium';
}
