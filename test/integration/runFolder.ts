// What every extra suite's index.ts does (multi-root, two windows, workspace trust): run each
// *.test.js of its folder with mocha inside the extension host, after a banner the launcher reads.
import Mocha from 'mocha';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';

export async function runFolder(dir: string, suite: string): Promise<void> {
  console.log(`Extension host: VS Code ${vscode.version} (${vscode.env.appName}), Node ${process.version}, ${suite} suite`);
  const mocha = new Mocha({ ui: 'bdd', reporter: 'spec', color: false, timeout: 60_000, failZero: true });
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.test.js')).sort()) mocha.addFile(join(dir, file));
  await new Promise<void>((resolve, reject) => {
    mocha.run((failures) => (failures === 0 ? resolve() : reject(new Error(`${failures} test(s) failed`))));
  });
}
