// Restore: extracts an archive (or some of its paths) into a target folder. The work runs in a
// worker thread (restoreJob.ts): the extension host's main thread only relays its logs and
// progress. What may be written, replaced or refused is decided by restoreRules.ts, which the
// restic engine's restores follow too.
import { promises as fsp } from 'node:fs';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { TaskResult } from '../../../../shared/model';
import type { TaskContext } from '../../ports';
import { fsGuard, UnresponsiveError } from '../../fsguard';
import { CancelledError, errorText } from '../../util/errors';
import { formatBytes } from '../../util/format';
import { DUMP_EXT } from './naming';
import type { RecordedArchive } from './archiveIndex';
import { RestoreRefused, runRestoreJob, type RestoreFs, type RestoreJob, type RestoreOutcome } from './restoreJob';
import { pathSelector, WriteFailures, type RestoreLimits } from '../../restore/rules';

export { refusal } from '../../restore/rules';

export interface RestoreOptions {
  archivePath: string;
  target: string;
  /** Replace files that already exist in the target; otherwise they are kept and logged. */
  overwrite: boolean;
  /** Only these entries (and what is below them), relative as the archive holds them; all when absent. */
  paths?: string[];
  limits?: RestoreLimits;
  /** What the history recorded for the archive (its hash, its index's): only that index is used. */
  recorded?: RecordedArchive;
  /** Tests: run in this thread through this file-system layer (to inject write errors). */
  fsLayer?: RestoreFs;
}

/** Whether `entryPath` is one of `paths` or below one of them. */
export function selected(entryPath: string, paths: readonly string[] | undefined): boolean {
  return pathSelector(paths)?.(entryPath) ?? true;
}

/** Where the worker's script is: beside this module in tests, beside extension.js in the bundle. */
const WORKER_SCRIPT = join(__dirname, 'restoreWorker.js');

type WorkerMessage =
  | { kind: 'log'; level: 'info' | 'warn' | 'error' | 'debug'; text: string }
  | { kind: 'progress'; progress: Parameters<TaskContext['progress']>[0] }
  | { kind: 'done'; outcome: RestoreOutcome }
  | { kind: 'error'; message: string; refused: boolean }
  | { kind: 'beat' };

/** The worker says it is alive this often while its event loop turns (see restoreWorker.ts). */
export const WORKER_BEAT_MS = 1000;

function inWorker(ctx: TaskContext, job: RestoreJob): Promise<RestoreOutcome> {
  const cancel = new SharedArrayBuffer(4);
  const flag = new Int32Array(cancel);
  const callTimeoutMs = fsGuard.timeoutMs;
  const worker = new Worker(WORKER_SCRIPT, { workerData: { job, cancel, callTimeoutMs, beatMs: WORKER_BEAT_MS } });
  let killTimer: NodeJS.Timeout | undefined;
  // The worker's synchronous calls cannot go through the host's guard; a call stuck in the kernel
  // (a hung share: the archive's folder or the target) stops its event loop and so its beats.
  // Silence as long as the guard's bound fails the restore the way a guarded call would.
  let lastSign = performance.now();
  let silence: NodeJS.Timeout | undefined;
  const onAbort = () => {
    Atomics.store(flag, 0, 1);
    // A write stuck in the kernel (a hung network share) must not keep the task alive forever.
    killTimer = setTimeout(() => void worker.terminate(), 10_000);
  };
  return new Promise<RestoreOutcome>((resolve, reject) => {
    if (ctx.signal.aborted) onAbort();
    else ctx.signal.addEventListener('abort', onAbort, { once: true });
    silence = setInterval(() => {
      if (performance.now() - lastSign <= callTimeoutMs) return;
      void worker.terminate();
      reject(new UnresponsiveError(job.root, 'target', `The restore did not respond: a file-system call on the archive's folder ${dirname(job.archivePath)} or the target ${job.root} has not returned for ${Math.round(callTimeoutMs / 1000)} s.`));
    }, Math.min(WORKER_BEAT_MS, callTimeoutMs));
    worker.on('message', (m: WorkerMessage) => {
      lastSign = performance.now();
      if (m.kind === 'beat') return;
      if (m.kind === 'log') ctx.log(m.level, m.text);
      else if (m.kind === 'progress') ctx.progress(m.progress);
      else if (m.kind === 'done') resolve(m.outcome);
      else reject(m.refused ? new RestoreRefused(m.message) : new Error(m.message));
    });
    worker.on('error', reject);
    worker.on('exit', (code) => reject(new Error(`the restore worker stopped (exit code ${code})`)));
  }).finally(() => {
    ctx.signal.removeEventListener('abort', onAbort);
    if (killTimer) clearTimeout(killTimer);
    if (silence) clearInterval(silence);
  });
}

export async function restoreArchive(ctx: TaskContext, opts: RestoreOptions): Promise<TaskResult> {
  const what = 'Restore';
  if (opts.archivePath.endsWith(DUMP_EXT)) {
    throw new Error(`${opts.archivePath} is a command dump: restore it with the tool that wrote it (for example psql or mongorestore)`);
  }
  // The archive's folder and the target through the stuck-path guard: one that hangs fails the
  // restore with "did not respond" before the worker starts (a known one at once).
  const onArchive = <T>(fn: () => Promise<T>) => fsGuard.run(dirname(opts.archivePath), 'destination', fn, ctx.signal);
  const onTarget = <T>(fn: () => Promise<T>) => fsGuard.run(opts.target, 'target', fn, ctx.signal);
  const rethrow = (e: unknown) => e instanceof UnresponsiveError || e instanceof CancelledError;
  try {
    // Opening it and reading its first bytes: a stat alone answers for a file that cannot be read.
    const fh = await onArchive(() => fsp.open(opts.archivePath, 'r'));
    try {
      await onArchive(() => fh.read(Buffer.alloc(1), 0, 1, 0));
    } finally {
      await onArchive(() => fh.close()).catch(() => undefined);
    }
  } catch (e) {
    if (rethrow(e)) throw e;
    throw new Error(`Cannot read archive ${opts.archivePath}: ${errorText(e)}`);
  }
  pathSelector(opts.paths); // a bad path is refused before the target is touched
  try {
    await onTarget(() => fsp.mkdir(opts.target, { recursive: true }));
  } catch (e) {
    if (rethrow(e)) throw e;
    throw new Error(`Cannot create target folder ${opts.target}: ${errorText(e)}`);
  }
  const root = await onTarget(() => fsp.realpath(opts.target));
  const only = opts.paths?.length ? ` (only ${opts.paths.join(', ')})` : '';
  ctx.log('info', `Restoring ${opts.archivePath}${only} into ${root}${opts.overwrite ? ' (overwriting existing files)' : ''}`);

  const job: RestoreJob = { archivePath: opts.archivePath, root, overwrite: opts.overwrite, paths: opts.paths, limits: opts.limits, recorded: opts.recorded };
  let o: RestoreOutcome;
  try {
    o = opts.fsLayer
      ? await runRestoreJob(job, { log: (l, t) => ctx.log(l, t), progress: (p) => ctx.progress(p), cancelled: () => ctx.signal.aborted }, opts.fsLayer)
      : await inWorker(ctx, job);
  } catch (e) {
    if (ctx.signal.aborted) throw new CancelledError(what);
    if (e instanceof RestoreRefused) throw new Error(e.message);
    if (e instanceof UnresponsiveError) throw e;
    throw new Error(`Restore of ${opts.archivePath} failed: ${errorText(e)}`);
  }
  const entries = o.files + o.links;
  const written = `${entries} ${entries === 1 ? 'entry' : 'entries'} (${formatBytes(o.bytes)}) written into ${root}`;
  if (o.cancelled) {
    ctx.log('warn', `Restore cancelled: ${written} stay there`);
    throw new CancelledError(what);
  }
  if (o.failures.length || o.stopped) {
    const failures = new WriteFailures();
    failures.items.push(...o.failures);
    const parts = [o.failures.length ? failures.describe() : '', o.stopped && !o.failures.length ? `stopped: ${o.stopped}` : ''].filter(Boolean);
    throw new Error(`Restore failed: ${parts.join('; ')}. Only ${written}.`);
  }
  const extra = [
    o.refused && `${o.refused} refused`,
    o.kept && `${o.kept} kept`,
    o.conflicts && `${o.conflicts} conflict${o.conflicts === 1 ? '' : 's'}${o.blocked ? ` (${o.blocked} entries below not restored)` : ''}`,
  ].filter(Boolean).join(', ');
  const summary = `${entries} ${entries === 1 ? 'entry' : 'entries'} restored (${formatBytes(o.bytes)}) into ${root}${extra ? `; ${extra}` : ''}`;
  ctx.log('info', summary);
  ctx.progress({ files: o.files, bytes: o.bytes, percent: 100 });
  return { archivePath: opts.archivePath, fileCount: o.files, summary };
}
