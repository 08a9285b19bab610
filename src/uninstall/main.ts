// The `vscode:uninstall` hook (package.json): VS Code runs `node ./dist/uninstall.js` once the
// extension is uninstalled, without the extension API. It stops and removes every background
// agent this extension installed whose VS Code no longer has the extension: the service (unit,
// LaunchAgent, task or detached process) and `<storage>/agent/` with the program and its log.
// Best effort: a failure is printed, never thrown (VS Code only logs it).
import { dirname } from 'node:path';
import { homedir } from 'node:os';
import { AgentInstaller, systemContext } from '../extension/core/agentService';
import { candidateStorageDirs, installedAgents, stillInstalled } from '../extension/core/agentService/findAgents';

async function main(): Promise<void> {
  const ownFolder = dirname(__dirname);
  const ctx = systemContext();
  for (const storageDir of installedAgents(candidateStorageDirs(process.platform, process.env, homedir()))) {
    const installer = new AgentInstaller({ storageDir, version: '0.0.0', bundleDir: __dirname, execPath: process.execPath, ctx });
    if (stillInstalled(installer.installed()?.extensionsDir, ownFolder)) {
      process.stdout.write(`backup-scheduler: the agent of ${storageDir} is kept: its VS Code still has the extension\n`);
      continue;
    }
    try {
      const removed = await installer.uninstall(true);
      process.stdout.write(`backup-scheduler: removed the background agent of ${storageDir}:\n  ${removed.join('\n  ')}\n`);
    } catch (e) {
      process.stderr.write(`backup-scheduler: could not remove the background agent of ${storageDir}: ${(e as Error).message}\n`);
    }
  }
}

void main();
