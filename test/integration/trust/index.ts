// The workspace-trust suite: the only run with workspace trust on. The window starts untrusted;
// the launcher grants trust through the workbench when asked. See test/host/runIntegration.ts.
import Mocha from 'mocha';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';

export async function run(): Promise<void> {
  console.log(`Extension host: VS Code ${vscode.version} (${vscode.env.appName}), Node ${process.version}, workspace-trust suite`);
  const mocha = new Mocha({ ui: 'bdd', reporter: 'spec', color: false, timeout: 60_000, failZero: true });
  for (const file of readdirSync(__dirname).filter((f) => f.endsWith('.test.js')).sort()) mocha.addFile(join(__dirname, file));
  await new Promise<void>((resolve, reject) => {
    mocha.run((failures) => (failures === 0 ? resolve() : reject(new Error(`${failures} test(s) failed`))));
  });
}
