// The `backup-scheduler` command as a file on PATH: a tiny script that runs the command line's
// bundle with a given Node runtime and defaults the storage folder to the one it was written for.
// A window writes one into `<storage>/bin/` at every start (its runtime is VS Code's own, which
// moves on each update, so it is rewritten rather than trusted), and prepends that folder to PATH
// in its integrated terminals. `agent install --link` links it from ~/.local/bin.
import { chmodSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const LAUNCHER_NAME = 'backup-scheduler';

const sh = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** POSIX sh: `node` may be VS Code's Electron binary, which is Node with ELECTRON_RUN_AS_NODE=1. */
export function shellLauncher(node: string, cliJs: string, storageDir: string): string {
  return [
    '#!/bin/sh',
    '# Written by Backup Scheduler (VS Code extension): its command line, `backup-scheduler --help`.',
    `: "\${BACKUP_SCHEDULER_STORAGE:=${storageDir.replace(/(["\\$`}])/g, '\\$1')}}"`,
    'export BACKUP_SCHEDULER_STORAGE',
    `ELECTRON_RUN_AS_NODE=1 exec ${sh(node)} ${sh(cliJs)} "$@"`,
    '',
  ].join('\n');
}

/** cmd.exe (Windows); `%` cannot appear in these paths' quoted form without doubling. */
export function cmdLauncher(node: string, cliJs: string, storageDir: string): string {
  const q = (s: string) => `"${s.replace(/%/g, '%%')}"`;
  return [
    '@echo off',
    'rem Written by Backup Scheduler (VS Code extension): its command line, `backup-scheduler --help`.',
    'setlocal',
    `if not defined BACKUP_SCHEDULER_STORAGE set ${q(`BACKUP_SCHEDULER_STORAGE=${storageDir}`)}`,
    'set "ELECTRON_RUN_AS_NODE=1"',
    `${q(node)} ${q(cliJs)} %*`,
    '',
  ].join('\r\n');
}

/** Writes the launcher(s) into `binDir` (temp + rename: a terminal never runs half a script); returns its path. */
export function writeLauncher(binDir: string, node: string, cliJs: string, storageDir: string, platform: NodeJS.Platform = process.platform): string {
  mkdirSync(binDir, { recursive: true, mode: 0o700 });
  const [name, text] = platform === 'win32' ? [`${LAUNCHER_NAME}.cmd`, cmdLauncher(node, cliJs, storageDir)] : [LAUNCHER_NAME, shellLauncher(node, cliJs, storageDir)];
  const path = join(binDir, name);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o700 });
  chmodSync(tmp, 0o700);
  renameSync(tmp, path);
  return path;
}
