// Keeps the machine from sleeping while the background agent runs a task. A helper process holds
// the OS's sleep block and waits on the agent's pid, so the block ends when the task ends (we kill
// the helper) and also when the agent itself dies (the helper's wait returns):
//   Linux: systemd-inhibit --what=sleep … tail --pid=<pid> -f /dev/null
//   macOS: caffeinate -i -w <pid>
//   Windows: PowerShell calling SetThreadExecutionState, then Wait-Process -Id <pid>
// Best effort: without logind (a container) the helper fails, which is logged once.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from '../ports';

export interface AwakeCommand {
  file: string;
  args: string[];
}

export function keepAwakeCommand(platform: NodeJS.Platform, pid: number, why: string): AwakeCommand | undefined {
  if (platform === 'linux') {
    return { file: 'systemd-inhibit', args: ['--what=sleep', '--who=Backup Scheduler', `--why=${why}`, '--mode=block', 'tail', `--pid=${pid}`, '-f', '/dev/null'] };
  }
  if (platform === 'darwin') return { file: 'caffeinate', args: ['-i', '-w', String(pid)] };
  if (platform === 'win32') {
    // ES_CONTINUOUS | ES_SYSTEM_REQUIRED: held by this thread until the process ends.
    const script = [
      'Add-Type -Namespace BackupScheduler -Name Power -MemberDefinition \'[DllImport("kernel32.dll")] public static extern uint SetThreadExecutionState(uint esFlags);\'',
      '[BackupScheduler.Power]::SetThreadExecutionState([uint32]2147483649) | Out-Null',
      `Wait-Process -Id ${pid} -ErrorAction SilentlyContinue`,
    ].join('\n');
    return { file: 'powershell.exe', args: ['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-EncodedCommand', Buffer.from(script, 'utf16le').toString('base64')] };
  }
  return undefined;
}

export class KeepAwake {
  private helper: ChildProcess | undefined;
  private warned = false;

  constructor(private readonly o: { logger: Logger; platform?: NodeJS.Platform; pid?: number }) {}

  get held(): boolean {
    return this.helper !== undefined;
  }

  /** Starts holding the block (idempotent). */
  hold(why: string): void {
    if (this.helper) return;
    const cmd = keepAwakeCommand(this.o.platform ?? process.platform, this.o.pid ?? process.pid, why);
    if (!cmd) return this.fail(`nothing keeps ${this.o.platform ?? process.platform} awake`);
    let stderr = '';
    // Its own process group: release() ends the helper and what it runs (systemd-inhibit's tail).
    const child = spawn(cmd.file, cmd.args, { stdio: ['ignore', 'ignore', 'pipe'], windowsHide: true, detached: process.platform !== 'win32' });
    child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()).length > 2000 && (stderr = stderr.slice(-2000)));
    child.once('error', (e) => this.fail(`${cmd.file}: ${e.message}`));
    child.once('close', (code, signal) => {
      if (this.helper === child) this.helper = undefined;
      // Killed by release(): expected. Anything else ended the block early.
      if (signal !== 'SIGTERM' && code !== 0) this.fail(`${cmd.file} exited with ${signal ?? `code ${code}`}${stderr.trim() ? `: ${stderr.trim().split('\n').pop()}` : ''}`);
    });
    child.unref();
    this.helper = child;
    this.o.logger.debug(`keeping the machine awake: ${why}`);
  }

  release(): void {
    const child = this.helper;
    this.helper = undefined;
    if (!child || child.exitCode !== null || child.pid === undefined) return;
    try {
      if (process.platform === 'win32') child.kill('SIGTERM');
      else process.kill(-child.pid, 'SIGTERM');
    } catch {
      /* already gone */
    }
  }

  private fail(why: string): void {
    if (this.warned) return this.o.logger.debug(`cannot keep the machine awake: ${why}`);
    this.warned = true;
    this.o.logger.warn(`cannot keep the machine awake while tasks run (later failures are logged as debug): ${why}`);
  }
}
