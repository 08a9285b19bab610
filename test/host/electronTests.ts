// The same suite under @vscode/test-electron: it downloads VS Code (where the internet is
// reachable) or runs the one named by VSCODE_EXECUTABLE_PATH.
import { runTests } from '@vscode/test-electron';
import { join } from 'node:path';
import { makeHostDirs } from './tempDirs';
import type { SuiteRunOptions, SuiteRunResult } from './serverTests';
import { repoRoot } from './paths';

export async function runSuiteInElectron(o: Omit<SuiteRunOptions, 'onLine'>): Promise<SuiteRunResult> {
  const dirs = makeHostDirs();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<SuiteRunResult>((resolve) => {
    timer = setTimeout(() => resolve({ exitCode: 1, failure: `time limit of ${o.timeoutMs / 1000} s reached` }), o.timeoutMs);
  });
  const run = runTests({
    vscodeExecutablePath: process.env.VSCODE_EXECUTABLE_PATH || undefined,
    version: process.env.VSCODE_TEST_VERSION || '1.100.3',
    cachePath: join(repoRoot, '.vscode-test'),
    extensionDevelopmentPath: o.extensionDevelopmentPath,
    extensionTestsPath: o.extensionTestsPath,
    extensionTestsEnv: { ...dirs.xdgEnv, ...o.env },
    launchArgs: [o.workspace, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes',
      `--user-data-dir=${join(dirs.root, 'user-data')}`, `--extensions-dir=${dirs.extensions}`],
  }).then(
    (code) => ({ exitCode: code }),
    (e: unknown) => ({ exitCode: 1, failure: `@vscode/test-electron failed: ${e instanceof Error ? e.message : String(e)}` }),
  );
  try {
    return await Promise.race([run, timeout]);
  } finally {
    clearTimeout(timer);
    dirs.dispose();
  }
}
