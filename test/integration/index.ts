// The extension host loads this file (extensionTestsPath) and calls run(): it runs every
// *.test.js beside it with mocha. Output goes through console.log, which the launcher reads.
// BACKUP_SCHEDULER_TEST_GREP narrows the run.
import Mocha from 'mocha';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';

export async function run(): Promise<void> {
  console.log(`Extension host: VS Code ${vscode.version} (${vscode.env.appName}${vscode.env.remoteName ? `, remote ${vscode.env.remoteName}` : ''}), Node ${process.version}`);
  const mocha = new Mocha({ ui: 'bdd', reporter: 'spec', color: false, timeout: 30_000, failZero: true, grep: process.env.BACKUP_SCHEDULER_TEST_GREP });
  for (const file of readdirSync(__dirname).filter((f) => f.endsWith('.test.js')).sort()) mocha.addFile(join(__dirname, file));
  await new Promise<void>((resolve, reject) => {
    const runner = mocha.run((failures) => {
      if (failures === 0) resolve();
      else reject(new Error(runner.stats?.tests === 0 ? 'no test ran' : `${failures} test(s) failed`));
    });
  });
}
