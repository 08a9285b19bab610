// The two-window suite: the launcher opened another window of the same server first (it leads);
// this suite runs in the second window, a follower. See test/host/serverTests.ts.
import Mocha from 'mocha';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';

export async function run(): Promise<void> {
  console.log(`Extension host: VS Code ${vscode.version} (${vscode.env.appName}), Node ${process.version}, two-window suite`);
  const mocha = new Mocha({ ui: 'bdd', reporter: 'spec', color: false, timeout: 60_000, failZero: true });
  for (const file of readdirSync(__dirname).filter((f) => f.endsWith('.test.js')).sort()) mocha.addFile(join(__dirname, file));
  await new Promise<void>((resolve, reject) => {
    mocha.run((failures) => (failures === 0 ? resolve() : reject(new Error(`${failures} test(s) failed`))));
  });
}
