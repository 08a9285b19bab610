// Starts the VS Code server bundled in code-server (the test host) on 127.0.0.1 and stops it with
// its whole process group (the extension host and its children go with it).
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { serverMainPath } from './paths';

export interface ServerOptions {
  serverDataDir: string;
  extensionsDir: string;
  /** Added to this process's environment; the extension host sees it. */
  env?: Record<string, string>;
  /** 0 (default) lets the OS choose. */
  port?: number;
  /** Keep workspace trust on (default: off, as tests and the demo want no trust prompt). */
  workspaceTrust?: boolean;
  startTimeoutMs?: number;
  /** Receives every line the server prints (default: kept, printed only on failure). */
  onOutput?: (line: string) => void;
}

export interface VsCodeServer {
  /** e.g. http://127.0.0.1:41234 */
  origin: string;
  /** host:port, the remote authority in vscode-remote:// URIs. */
  authority: string;
  /** Everything the server printed so far. */
  output(): string;
  /** Resolves when the server process has exited, with its exit code or signal. */
  readonly exited: Promise<string>;
  stop(): Promise<void>;
}

function commonArgs(o: Pick<ServerOptions, 'serverDataDir' | 'extensionsDir'>): string[] {
  return ['--accept-server-license-terms', '--disable-telemetry', '--server-data-dir', o.serverDataDir, '--extensions-dir', o.extensionsDir];
}

export async function startServer(o: ServerOptions): Promise<VsCodeServer> {
  const args = [serverMainPath(), '--host', '127.0.0.1', '--port', String(o.port ?? 0), '--without-connection-token', ...commonArgs(o)];
  if (!o.workspaceTrust) args.push('--disable-workspace-trust');
  const child = spawn(process.execPath, args, { env: { ...process.env, ...o.env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? `exit code ${code}`)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`VS Code server did not start within ${o.startTimeoutMs ?? 90_000} ms`)), o.startTimeoutMs ?? 90_000);
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      output += text;
      for (const line of text.split('\n')) if (line.trim()) o.onOutput?.(line);
      const m = /Web UI available at https?:\/\/[^:/\s]+:(\d+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((how) => {
      clearTimeout(timer);
      reject(new Error(`VS Code server exited before it was ready (${how})`));
    });
  }).catch(async (e: Error) => {
    await killGroup(child, exited);
    throw new Error(`${e.message}. Its output:\n${output}`);
  });
  const authority = `127.0.0.1:${port}`;
  return {
    origin: `http://${authority}`,
    authority,
    output: () => output,
    exited,
    stop: () => killGroup(child, exited),
  };
}

async function killGroup(child: ChildProcess, exited: Promise<string>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, s);
    } catch {
      /* already gone */
    }
  };
  signal('SIGTERM');
  const timer = setTimeout(() => signal('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
  signal('SIGKILL'); // whatever of the group outlived the server itself
}

/** Installs a .vsix into extensionsDir with the server's CLI (it exits when done). */
export function installExtension(o: Pick<ServerOptions, 'serverDataDir' | 'extensionsDir' | 'env'>, vsixPath: string): string {
  const r = spawnSync(process.execPath, [serverMainPath(), ...commonArgs(o), '--install-extension', vsixPath, '--force'], {
    env: { ...process.env, ...o.env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  if (r.status !== 0) throw new Error(`--install-extension failed (${r.error?.message ?? `exit code ${r.status}`}):\n${out}`);
  return out;
}
