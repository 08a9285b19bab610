// execFile's shape (run to the end, collect the output) for programs the host starts during a
// task, started from the spawner thread (offThreadSpawn.ts) so the fork never holds the host's
// thread: `restic version` and a restic passwordCommand.
import { spawnOffThread } from './offThreadSpawn';
import { killTree } from './processTree';

export interface ExecResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  env: NodeJS.ProcessEnv;
  /** Killed (SIGKILL) after this long; the promise then rejects. */
  timeoutMs: number;
  /** Output beyond this many bytes (stdout and stderr each) kills the program; the promise then rejects. */
  maxBytes: number;
}

/** After a kill, how long the pipes may stay open (held by something that left the group) before we stop reading them. */
const GIVE_UP_MS = 2000;

/** Resolves with the exit however it ended (check `code`); rejects when it cannot start, times out or says too much. */
export async function execOffThread(file: string, args: string[], o: ExecOptions): Promise<ExecResult> {
  // Its own process group, so a stop ends what it started too (a wrapper script's keychain
  // prompt would otherwise keep the pipes, and this promise, open).
  const child = await spawnOffThread({ file, args, env: o.env, detached: process.platform !== 'win32' });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const sizes = [0, 0];
  let why: string | undefined;
  let giveUpTimer: NodeJS.Timeout | undefined;
  const stop = (reason: string) => {
    if (why || child.exitCode !== null || child.signalCode !== null) return;
    why = reason;
    killTree(child, 'SIGKILL');
    child.kill('SIGKILL');
    // Closing our ends lets 'close' come even then (the spawner closes the pipes).
    giveUpTimer = setTimeout(() => {
      child.stdout.destroy();
      child.stderr.destroy();
    }, GIVE_UP_MS);
  };
  const take = (into: Buffer[], i: 0 | 1) => (c: Buffer) => {
    sizes[i] += c.length;
    if (sizes[i] > o.maxBytes) return stop(`it wrote more than ${o.maxBytes} bytes`);
    into.push(c);
  };
  child.stdout.on('data', take(out, 0));
  child.stderr.on('data', take(err, 1));
  const timer = setTimeout(() => stop(`it did not finish within ${o.timeoutMs < 1000 ? `${o.timeoutMs} ms` : `${Math.round(o.timeoutMs / 1000)} s`}`), o.timeoutMs);
  try {
    const closed = new Promise<[number | null, NodeJS.Signals | null]>((done, fail) => {
      child.once('error', fail);
      child.once('close', (c, s) => done([c, s]));
    });
    const [code, signal] = await closed;
    if (why) throw new Error(`${file} was stopped: ${why}`);
    return { code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
  } finally {
    clearTimeout(timer);
    if (giveUpTimer) clearTimeout(giveUpTimer);
  }
}

/**
 * The exit and the last line the program wrote, for an error message. `stdoutToo` false for a
 * program whose output is a secret (a passwordCommand that printed the password and then failed).
 */
export function execFailure(r: ExecResult, stdoutToo = true): string {
  const said = (r.stderr.trim() || (stdoutToo ? r.stdout.trim() : '')).split('\n').pop()?.trim();
  const how = r.signal ? `killed by ${r.signal}` : `exit code ${r.code}`;
  return said ? `${how}: ${said}` : how;
}
