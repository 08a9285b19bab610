// Command backup: runs a user's shell command that writes a dump to $BACKUP_FILE (a temporary
// name in the destination), then publishes the dump under its final name in one step.
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { join, resolve } from 'node:path';
import type { TaskResult } from '../../../../shared/model';
import type { TaskContext } from '../../ports';
import { fsGuard } from '../../fsguard';
import { maskSecrets } from '../../util/maskSecrets';
import { AtomicFile, ensureDestination, removeStalePartials } from './atomicFile';
import { abortedByTimeout, CancelledError, errorText } from '../../util/errors';
import { commandEnvironment, shellInvocation } from './commandLine';
import { formatBytes } from '../../util/format';
import { LineLog } from './lineLog';
import { archiveName, assertEnvId, tempName, utcStamp } from './naming';
import { terminateTree, killTree } from '../../util/processTree';
import { spawnOffThread, type ThreadChild } from '../../util/offThreadSpawn';

export interface CommandBackupOptions {
  envId: string;
  command: string;
  destination: string;
  cwd: string;
  timeoutMs?: number;
  env?: Record<string, string>;
  /** Pass the whole extension-host environment (default: only what a command needs). */
  inheritEnv?: boolean;
  /** Tests build other platforms' command lines; default: this one. */
  platform?: NodeJS.Platform;
  /** Output caps (lines per task, characters per line); defaults 2000 and 2000. */
  maxLogLines?: number;
  maxLineLength?: number;
  /** Time between SIGTERM and SIGKILL on timeout or cancel. */
  killGraceMs?: number;
}

/** Reads the dump in 1 MB steps, each under the destination's guard (it may be a stuck mount). */
async function sha256Of(path: string, destination: string, signal: AbortSignal): Promise<string> {
  const run = <T>(fn: () => Promise<T>) => fsGuard.run(destination, 'destination', fn, signal);
  const h = createHash('sha256');
  const fh = await run(() => fsp.open(path, 'r'));
  try {
    const buf = Buffer.allocUnsafe(1024 * 1024);
    for (;;) {
      const { bytesRead } = await run(() => fh.read(buf, 0, buf.length, null));
      if (bytesRead === 0) break;
      h.update(buf.subarray(0, bytesRead));
    }
  } finally {
    await run(() => fh.close()).catch(() => undefined);
  }
  return h.digest('hex');
}

export async function runCommandBackup(ctx: TaskContext, opts: CommandBackupOptions): Promise<TaskResult> {
  assertEnvId(opts.envId);
  const destination = resolve(opts.destination);
  const cwd = resolve(opts.cwd);
  const cwdIsDir = await fsGuard.run(cwd, 'source', () => fsp.stat(cwd), ctx.signal).then((s) => s.isDirectory(), (e: unknown) => {
    if (!(e as NodeJS.ErrnoException).code) throw e; // the guard's verdict: no answer, or cancelled
    return false;
  });
  if (!cwdIsDir) throw new Error(`Working folder ${cwd} does not exist`);
  await ensureDestination(destination, ctx.signal);
  await removeStalePartials(destination, opts.envId, (t) => ctx.log('info', t));
  if (ctx.signal.aborted) throw new CancelledError('Backup');

  const startedAt = ctx.clock.now();
  const nameFor = (bump: number) => archiveName(opts.envId, 'command', startedAt + bump * 1000);
  const tempPath = join(destination, tempName(nameFor(0)));
  const dump = AtomicFile.adopt(destination, tempPath);
  ctx.onAbandon?.(() => dump.discard());
  const platform = opts.platform ?? process.platform;
  const env = commandEnvironment({
    platform,
    host: process.env,
    inherit: opts.inheritEnv === true,
    extra: opts.env,
    backup: { BACKUP_FILE: tempPath, BACKUP_DIR: destination, BACKUP_ENV_ID: opts.envId, BACKUP_TIMESTAMP: utcStamp(startedAt) },
  });
  const shell = shellInvocation(opts.command, platform, env.ComSpec ?? env.COMSPEC);
  // The log ends up in tasks.db, exports and screenshots: no password from the command line or its output.
  const log = (level: Parameters<TaskContext['log']>[0], text: string) => ctx.log(level, maskSecrets(text));
  log('info', `Running: ${opts.command}`);
  log('debug', `cwd ${cwd}, BACKUP_FILE=${tempPath}${opts.inheritEnv ? ', with the whole host environment (inheritEnv)' : ''}`);

  const out = new LineLog(log, opts.maxLogLines, opts.maxLineLength);
  const stdout = out.stream('info');
  const stderr = out.stream('warn');
  let child: ThreadChild;
  try {
    child = await spawnOffThread({ file: shell.file, args: shell.args, cwd, env, detached: shell.detached, windowsVerbatimArguments: shell.windowsVerbatimArguments });
  } catch (e) {
    await dump.discard();
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`Cannot start the shell: ${errorText(e)}`);
    throw e;
  }
  const closed = new Promise((r) => child.once('close', r));
  child.stdout.setEncoding('utf8').on('data', (c: string) => stdout.write(c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => stderr.write(c));

  let stopping: 'timeout' | 'cancel' | undefined;
  let killed: Promise<void> | undefined;
  const stop = (why: 'timeout' | 'cancel') => {
    if (stopping) return;
    stopping = why;
    ctx.log('warn', why === 'timeout' ? `${capital(timeoutText())}: stopping the command and its children` : 'Cancelled: stopping the command and its children');
    killed = terminateTree(child, opts.killGraceMs ?? 3000);
  };
  // The task's time limit aborts the same signal as a cancel; the log must say which it was.
  const timeoutText = () => abortedByTimeout(ctx.signal)?.message ?? `timed out after ${Math.round((opts.timeoutMs ?? 0) / 1000)} s`;
  const onAbort = () => stop(abortedByTimeout(ctx.signal) ? 'timeout' : 'cancel');
  ctx.signal.addEventListener('abort', onAbort);
  if (ctx.signal.aborted) onAbort();
  const timer = opts.timeoutMs ? setTimeout(() => stop('timeout'), opts.timeoutMs) : undefined;

  try {
    const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done, fail) => {
      child.once('error', fail);
      child.once('exit', (code, signal) => done({ code, signal }));
    });
    if (timer) clearTimeout(timer);
    // The shell is gone; anything it left running in its group goes too, so the pipes close.
    if (stopping) await killed;
    else killTree(child, 'SIGKILL');
    await Promise.race([closed, new Promise((r) => setTimeout(r, 2000).unref())]);
    stdout.end();
    stderr.end();
    out.finish();

    if (stopping === 'cancel') throw new CancelledError('Backup');
    if (stopping === 'timeout') throw new Error(`Command ${timeoutText()}; it and its child processes were killed`);
    const lastErr = maskSecrets(stderr.last() ?? '');
    if (exit.signal) throw new Error(`Command was killed by ${exit.signal}${lastErr ? `: ${lastErr}` : ''}`);
    if (exit.code !== 0) throw new Error(`Command failed with exit code ${exit.code}${lastErr ? `: ${lastErr}` : ''}`);

    const st = await fsGuard.run(destination, 'destination', () => fsp.stat(tempPath), ctx.signal).catch((e: unknown) => {
      if (!(e as NodeJS.ErrnoException).code) throw e;
      return undefined;
    });
    if (!st) throw new Error('Command exited with code 0 but wrote no dump to $BACKUP_FILE');
    if (!st.isFile()) throw new Error('Command exited with code 0 but $BACKUP_FILE is not a regular file');
    if (st.size === 0) throw new Error('Command exited with code 0 but the dump in $BACKUP_FILE is empty');
    // Covers a dump the command moved into place (umask does not apply to a rename).
    if (platform !== 'win32') await fsGuard.run(destination, 'destination', () => fsp.chmod(tempPath, 0o600), ctx.signal);
    const sha256 = await sha256Of(tempPath, destination, ctx.signal);
    if (ctx.signal.aborted) throw new CancelledError('Backup');
    const archivePath = await dump.commit(nameFor);
    const summary = `dump of ${formatBytes(st.size)}`;
    log('info', `Dump ${archivePath}: ${formatBytes(st.size)}, sha256 ${sha256}`);
    return { archivePath, size: st.size, sha256, summary };
  } catch (e) {
    await dump.discard();
    throw e;
  } finally {
    if (timer) clearTimeout(timer);
    ctx.signal.removeEventListener('abort', onAbort);
  }
}

function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
