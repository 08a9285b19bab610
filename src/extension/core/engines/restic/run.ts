// Runs one restic process. Secrets come in through `env` only. A cancel or timeout sends SIGINT
// first (restic then stops cleanly: no snapshot, its lock removed), and kills the process group
// when it has not gone after a grace period. It starts from the spawner thread (offThreadSpawn.ts):
// a fork from the host's thread would stall every extension for as long as the fork takes.
import { StringDecoder } from 'node:string_decoder';
import { killTree } from '../../util/processTree';
import { spawnOffThread, type ThreadChild } from '../../util/offThreadSpawn';

export interface RunOptions {
  bin: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string;
  signal?: AbortSignal;
  /** A file piped to restic's stdin (`backup --stdin`). */
  stdinFile?: string;
  /** Called for every stdout line; when absent, stdout is collected and returned. */
  onStdoutLine?(line: string): void;
  onStderrLine?(line: string): void;
  /** Time between SIGINT and SIGKILL. */
  graceMs?: number;
  /** Collected stdout above this size fails the run (a `dump` of a huge file). */
  maxStdoutBytes?: number;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  /** The last stderr lines (for error messages). */
  stderr: string[];
  aborted: boolean;
}

const STDERR_KEEP = 60;
const MAX_LINE = 10 * 1024 * 1024;

function splitter(onLine: (line: string) => void): { write(chunk: string): void; end(): void } {
  let partial = '';
  return {
    write(chunk) {
      let start = 0;
      for (let nl = chunk.indexOf('\n'); nl >= 0; nl = chunk.indexOf('\n', start)) {
        onLine((partial + chunk.slice(start, nl)).replace(/\r$/, ''));
        partial = '';
        start = nl + 1;
      }
      partial += chunk.slice(start);
      if (partial.length > MAX_LINE) {
        onLine(partial);
        partial = '';
      }
    },
    end() {
      if (partial) onLine(partial.replace(/\r$/, ''));
      partial = '';
    },
  };
}

export async function runRestic(opts: RunOptions): Promise<RunResult> {
  let child: ThreadChild;
  try {
    child = await spawnOffThread({
      file: opts.bin,
      args: opts.args,
      cwd: opts.cwd,
      env: opts.env,
      detached: process.platform !== 'win32', // its own group: a backend helper (rclone, ssh) goes with it
      stdinFile: opts.stdinFile,
    });
  } catch (e) {
    throw new Error(`Cannot start restic (${opts.bin}): ${(e as Error).message}`);
  }
  return new Promise((done, fail) => {
    const stderr: string[] = [];
    const chunks: Buffer[] = [];
    let collected = 0;
    let tooBig = false;
    let aborted = false;
    let killTimer: ReturnType<typeof setTimeout> | undefined;

    const out = opts.onStdoutLine ? splitter(opts.onStdoutLine) : undefined;
    const err = splitter((l) => {
      stderr.push(l);
      if (stderr.length > STDERR_KEEP) stderr.shift();
      opts.onStderrLine?.(l);
    });
    const utf8 = new StringDecoder('utf8'); // a character split between two reads stays whole
    child.stdout.on('data', (c: Buffer) => {
      if (out) return out.write(utf8.write(c));
      collected += c.length;
      if (opts.maxStdoutBytes !== undefined && collected > opts.maxStdoutBytes) {
        if (!tooBig) child.kill('SIGKILL');
        tooBig = true;
        return;
      }
      chunks.push(c);
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => err.write(c));
    child.on('stdinError', (message) => {
      stderr.push(`cannot read ${opts.stdinFile}: ${message}`);
      child.kill('SIGKILL');
    });

    const onAbort = () => {
      if (aborted) return;
      aborted = true;
      child.kill('SIGINT');
      killTimer = setTimeout(() => killTree(child, 'SIGKILL'), opts.graceMs ?? 10_000);
    };
    opts.signal?.addEventListener('abort', onAbort);
    if (opts.signal?.aborted) onAbort();

    child.once('error', (e) => {
      opts.signal?.removeEventListener('abort', onAbort);
      if (killTimer) clearTimeout(killTimer);
      fail(new Error(`restic (${opts.bin}) failed: ${e.message}`));
    });
    child.once('close', (code, signal) => {
      opts.signal?.removeEventListener('abort', onAbort);
      if (killTimer) clearTimeout(killTimer);
      out?.write(utf8.end());
      out?.end();
      err.end();
      if (tooBig) return fail(new Error(`restic's output is larger than ${Math.round(opts.maxStdoutBytes! / 1048576)} MB`));
      done({ code, signal, stdout: Buffer.concat(chunks), stderr, aborted });
    });
  });
}
