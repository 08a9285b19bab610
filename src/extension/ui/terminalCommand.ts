// Puts the `backup-scheduler` command line on PATH in this window's integrated terminals, and
// records which global-storage folder this window uses, so the command line finds it from any
// terminal. The launcher lives in `<storage>/bin` (rewritten at every start: it names this
// VS Code's runtime and this version's cli.js, which move on update) and the folder is prepended
// to PATH through the extension's environmentVariableCollection: new terminals get it.
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import * as vscode from 'vscode';
import { installedAgentCopy, writeLauncher } from '../core/client/launcher';
import { linkLauncher } from '../core/client/localBinLink';
import { recordStorage } from '../core/client/storageRecord';
import type { Logger } from '../core/ports';

export interface TerminalCommand {
  /** The launcher script, or undefined when it could not be written. */
  launcher: string | undefined;
  storageDir: string;
}

/**
 * After "Keep Backups Running When VS Code Is Closed": the launcher also names the agent's copy of
 * the command line (it outlives this extension's folder), and is linked from ~/.local/bin where
 * that folder exists, so `backup-scheduler` works in any terminal. Returns the paths written.
 */
export function linkCommandLine(context: vscode.ExtensionContext, logger: Logger): string[] {
  const { launcher } = putCommandLineOnPath(context, logger);
  if (!launcher) return [];
  const r = linkLauncher(launcher);
  if ('skipped' in r) logger.info(`backup-scheduler not linked: ${r.skipped}`);
  return 'linked' in r ? [launcher, r.linked] : [launcher];
}

export function putCommandLineOnPath(context: vscode.ExtensionContext, logger: Logger): TerminalCommand {
  const storageDir = context.globalStorageUri.fsPath;
  try {
    recordStorage('window', storageDir);
  } catch (e) {
    logger.warn(`could not record the storage folder for the command line: ${(e as Error).message}`);
  }
  const cliJs = join(context.extensionPath, 'dist', 'cli.js');
  if (!existsSync(cliJs)) return { launcher: undefined, storageDir };
  try {
    const agentCopy = installedAgentCopy(storageDir);
    const launcher = writeLauncher(join(storageDir, 'bin'), [{ node: process.execPath, cliJs }, ...(agentCopy ? [agentCopy] : [])], storageDir);
    const env = context.environmentVariableCollection;
    env.description = vscode.l10n.t('Puts the backup-scheduler command on PATH.');
    env.prepend('PATH', `${join(storageDir, 'bin')}${delimiter}`);
    return { launcher, storageDir };
  } catch (e) {
    logger.warn(`could not put backup-scheduler on PATH: ${(e as Error).message}`);
    return { launcher: undefined, storageDir };
  }
}
