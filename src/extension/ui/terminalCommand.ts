// Puts the `backup-scheduler` command line on PATH in this window's integrated terminals, and
// records which global-storage folder this window uses, so the command line finds it from any
// terminal. The launcher lives in `<storage>/bin` (rewritten at every start: it names this
// VS Code's runtime and this version's cli.js, which move on update) and the folder is prepended
// to PATH through the extension's environmentVariableCollection: new terminals get it.
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import * as vscode from 'vscode';
import { writeLauncher } from '../core/client/launcher';
import { recordStorage } from '../core/client/storageRecord';
import type { Logger } from '../core/ports';

export interface TerminalCommand {
  /** The launcher script, or undefined when it could not be written. */
  launcher: string | undefined;
  storageDir: string;
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
    const launcher = writeLauncher(join(storageDir, 'bin'), process.execPath, cliJs, storageDir);
    const env = context.environmentVariableCollection;
    env.description = vscode.l10n.t('Puts the backup-scheduler command on PATH.');
    env.prepend('PATH', `${join(storageDir, 'bin')}${delimiter}`);
    return { launcher, storageDir };
  } catch (e) {
    logger.warn(`could not put backup-scheduler on PATH: ${(e as Error).message}`);
    return { launcher: undefined, storageDir };
  }
}
