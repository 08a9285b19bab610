// The programs the installer runs (systemctl, launchctl, schtasks, node --version) go through one
// port, so the unit tests can check each call without a service manager, and the real runner is
// the only place that spawns. Never through a shell: paths with spaces or quotes are plain argv.
import { execFile } from 'node:child_process';

export interface CommandResult {
  /** Exit code; null when the program could not start (ENOENT) or was killed. */
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CommandRunner {
  run(file: string, args: string[], opts?: { env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<CommandResult>;
}

export const execRunner: CommandRunner = {
  run(file, args, opts) {
    return new Promise((resolve) => {
      execFile(file, args, { env: opts?.env ?? process.env, timeout: opts?.timeoutMs ?? 60_000, windowsHide: true, maxBuffer: 4 * 1024 * 1024 }, (err, stdout, stderr) => {
        const e = err as (NodeJS.ErrnoException & { code?: number | string }) | null;
        const code = e ? (typeof e.code === 'number' ? e.code : null) : 0;
        resolve({ code, stdout: String(stdout), stderr: e && code === null && !stderr ? e.message : String(stderr) });
      });
    });
  },
};

/** The first line a failed command printed, for an error message. */
export function failureText(r: CommandResult): string {
  const line = (r.stderr.trim() || r.stdout.trim()).split('\n').pop() ?? '';
  return line || (r.code === null ? 'could not run' : `exit code ${r.code}`);
}
