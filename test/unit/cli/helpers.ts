// The command line as a user runs it: a real `node` process on the transpiled entry point, against
// real leaders (a Coordinator "window" in its own process, as the multi-window tests use) on a
// temporary storage folder.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export const CLI = join(__dirname, '..', '..', '..', 'src', 'cli', 'main.js');
const WINDOW = join(__dirname, '..', 'multiwindow', 'fixtures', 'window.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function cli(args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; script?: string } = {}): Promise<CliResult> & { proc: ChildProcess } {
  const proc = spawn(process.execPath, [opts.script ?? CLI, ...args], { cwd: opts.cwd, env: { ...process.env, BACKUP_SCHEDULER_STORAGE: '', NO_COLOR: '1', ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliResult>((resolve) => proc.on('close', (code) => resolve({ code, stdout, stderr })));
  return Object.assign(done, { proc });
}

export async function until<T>(what: string, f: () => T | undefined | false | Promise<T | undefined | false>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A leading "VS Code window": a Coordinator in its own process with these environments. */
export class Window {
  readonly proc: ChildProcess;
  private out = '';
  exited = false;
  constructor(storage: string, envs: unknown[]) {
    this.proc = spawn(process.execPath, [WINDOW], { env: { ...process.env, BS_STORAGE: storage, BS_ENVS: JSON.stringify(envs) }, stdio: ['pipe', 'pipe', 'inherit'] });
    this.proc.stdout!.on('data', (d: Buffer) => (this.out += d.toString()));
    this.proc.on('exit', () => (this.exited = true));
  }
  get leads(): boolean {
    const roles = this.out.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { role?: string }).role).filter(Boolean);
    return roles[roles.length - 1] === 'leader';
  }
  async stop(): Promise<void> {
    if (this.exited) return;
    const done = new Promise((r) => this.proc.once('exit', r));
    this.proc.kill('SIGTERM');
    await done;
  }
}

/** Environments every CLI test uses: a folder, a command that warns, one that fails, one that takes long, a folder verified after each backup. */
export function testEnvironments(root: string): unknown[] {
  const dest = join(root, 'dest');
  return [
    { id: 'notes', name: 'Notes', type: 'folder', source: join(root, 'src'), destination: dest, schedule: '0 3 * * *' },
    { id: 'warny', type: 'command', command: 'echo dumping; echo "disk almost full" >&2; echo data > "$BACKUP_FILE"', destination: dest, schedule: '0 3 * * *' },
    { id: 'broken', type: 'command', command: 'echo "no such database" >&2; exit 4', destination: dest, schedule: '0 3 * * *' },
    { id: 'slow', type: 'command', command: 'echo started; sleep 120; echo data > "$BACKUP_FILE"', destination: dest, schedule: '0 3 * * *' },
    { id: 'checked', type: 'folder', source: join(root, 'src'), destination: join(root, 'checked'), schedule: '0 3 * * *', verify: true },
  ];
}
