// The `backup-scheduler` command as a file on PATH: a tiny script that runs the command line's
// bundle with a Node runtime and defaults the storage folder to the one it was written for.
// It names every copy of the bundle it knows, each with its runtime, and runs the first that is
// still there: a window's copy lives in the extension's folder (run by VS Code's own runtime),
// which VS Code deletes on update; the agent's installed copy (run by the agent's Node) outlives
// it. A window rewrites the launcher at every start, `agent install` when it installs; the folder
// is prepended to PATH in integrated terminals, and `--link` links it from ~/.local/bin.
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { agentLayout } from '../agentService/layout';

export const LAUNCHER_NAME = 'backup-scheduler';

/** One copy of cli.js and the runtime that runs it (VS Code's Electron binary is Node with ELECTRON_RUN_AS_NODE=1). */
export interface CliCopy {
  node: string;
  cliJs: string;
}

const sh = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
const GONE = 'backup-scheduler: its program is gone (VS Code or the extension was updated or removed); open VS Code once to put it back';

export function shellLauncher(copies: readonly CliCopy[], storageDir: string): string {
  return [
    '#!/bin/sh',
    '# Written by Backup Scheduler (VS Code extension): its command line, `backup-scheduler --help`.',
    `: "\${BACKUP_SCHEDULER_STORAGE:=${storageDir.replace(/(["\\$`}])/g, '\\$1')}}"`,
    'export BACKUP_SCHEDULER_STORAGE',
    ...copies.map((c) => `if [ -f ${sh(c.cliJs)} ] && [ -x ${sh(c.node)} ]; then ELECTRON_RUN_AS_NODE=1 exec ${sh(c.node)} ${sh(c.cliJs)} "$@"; fi`),
    `echo ${sh(GONE)} >&2`,
    'exit 1',
    '',
  ].join('\n');
}

/** cmd.exe (Windows); `%` is doubled so a path keeps it. */
export function cmdLauncher(copies: readonly CliCopy[], storageDir: string): string {
  const q = (s: string) => `"${s.replace(/%/g, '%%')}"`;
  return [
    '@echo off',
    'rem Written by Backup Scheduler (VS Code extension): its command line, `backup-scheduler --help`.',
    'setlocal',
    `if not defined BACKUP_SCHEDULER_STORAGE set ${q(`BACKUP_SCHEDULER_STORAGE=${storageDir}`)}`,
    'set "ELECTRON_RUN_AS_NODE=1"',
    ...copies.map((c) => `if exist ${q(c.cliJs)} if exist ${q(c.node)} (${q(c.node)} ${q(c.cliJs)} %*& exit /b)`),
    `echo ${GONE} 1>&2`,
    'exit /b 1',
    '',
  ].join('\r\n');
}

/** Writes the launcher into `binDir` (temp + rename: a terminal never runs half a script); returns its path. */
export function writeLauncher(binDir: string, copies: readonly CliCopy[], storageDir: string, platform: NodeJS.Platform = process.platform): string {
  mkdirSync(binDir, { recursive: true, mode: 0o700 });
  const [name, text] = platform === 'win32' ? [`${LAUNCHER_NAME}.cmd`, cmdLauncher(copies, storageDir)] : [LAUNCHER_NAME, shellLauncher(copies, storageDir)];
  const path = join(binDir, name);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o700 });
  chmodSync(tmp, 0o700);
  renameSync(tmp, path);
  return path;
}

/** The copy the installed background agent carries (`<storage>/agent/<version>/cli.js`, run by the agent's Node), if any. */
export function installedAgentCopy(storageDir: string): CliCopy | undefined {
  try {
    const s = JSON.parse(readFileSync(agentLayout(storageDir).stateFile, 'utf8')) as { version?: unknown; node?: { path?: unknown } };
    if (typeof s.version !== 'string' || typeof s.node?.path !== 'string') return undefined;
    return { node: s.node.path, cliJs: join(agentLayout(storageDir).versionDir(s.version), 'cli.js') };
  } catch {
    return undefined;
  }
}
