// The agent as a process: is a pid alive, and is it really our agent (a pid is reused after the
// process ends), then stopping it: SIGTERM (the agent ends running tasks as interrupted and saves
// tasks.db), SIGKILL only when it has not exited after a grace period.
import { readFileSync } from 'node:fs';
import { pidAlive as alivePid } from '../util/pid';
import type { CommandRunner } from './commandRunner';

/** Alive and not a zombie (ended, not yet reaped by the process that started it: it still takes signals). */
export function pidAlive(pid: number): boolean {
  return alivePid(pid) && !zombie(pid);
}

function zombie(pid: number): boolean {
  if (process.platform !== 'linux') return false;
  try {
    // "pid (name) S ...": the state follows the last ')' (a name may hold parentheses).
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return false;
  }
}

/** The command line of a process: /proc on Linux, ps on macOS; undefined where neither answers. */
export async function processCommandLine(pid: number, platform: NodeJS.Platform, runner: CommandRunner): Promise<string[] | undefined> {
  if (platform === 'linux') {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((s, i, a) => s !== '' || i < a.length - 1);
    } catch {
      return undefined;
    }
  }
  if (platform === 'darwin') {
    const r = await runner.run('ps', ['-p', String(pid), '-o', 'command=']);
    return r.code === 0 && r.stdout.trim() ? [r.stdout.trim()] : undefined;
  }
  return undefined;
}

/**
 * True when `pid` runs the agent started from `agentJs` (the path is in its command line). Where
 * the command line cannot be read (Windows) a live pid counts.
 */
export async function isAgentProcess(pid: number, agentJs: string, platform: NodeJS.Platform, runner: CommandRunner): Promise<boolean> {
  if (!pidAlive(pid)) return false;
  const cmd = await processCommandLine(pid, platform, runner);
  if (cmd === undefined) return platform === 'win32';
  return cmd.some((a) => a.includes(agentJs));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export async function terminate(pid: number, graceMs = 30_000): Promise<'stopped' | 'killed' | 'gone'> {
  if (!pidAlive(pid)) return 'gone';
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return 'gone';
  }
  for (let waited = 0; waited < graceMs; waited += 100) {
    if (!pidAlive(pid)) return 'stopped';
    await sleep(100);
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return 'stopped';
  }
  for (let i = 0; i < 100 && pidAlive(pid); i++) await sleep(100);
  return 'killed';
}
