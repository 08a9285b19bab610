// Killing a shell command means killing what it started too: on POSIX the command runs as the
// leader of its own process group (spawn `detached`) and the whole group is signalled; on
// Windows `taskkill /T` walks the tree.
import { spawn } from 'node:child_process';

/** A ChildProcess, or a child started by offThreadSpawn.ts. */
export interface ChildLike {
  readonly pid?: number;
  readonly exitCode: number | null;
  readonly signalCode: NodeJS.Signals | null;
}

export function killTree(child: ChildLike, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  if (process.platform === 'win32') {
    spawn('taskkill', ['/pid', String(child.pid), '/T', '/F'], { stdio: 'ignore', windowsHide: true }).on('error', () => undefined);
    return;
  }
  try {
    process.kill(-child.pid, signal);
  } catch {
    /* group already gone */
  }
}

function groupAlive(child: ChildLike): boolean {
  if (child.pid === undefined) return false;
  if (process.platform === 'win32') return child.exitCode === null && child.signalCode === null;
  try {
    process.kill(-child.pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM to the tree; SIGKILL after `graceMs` to whatever of it is still alive.  */
export async function terminateTree(child: ChildLike, graceMs: number): Promise<void> {
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  killTree(child, 'SIGTERM');
  for (let waited = 0; waited < graceMs && groupAlive(child); waited += 25) await sleep(25);
  if (!groupAlive(child)) return;
  killTree(child, 'SIGKILL'); // cannot be ignored; no need to wait for it
}
