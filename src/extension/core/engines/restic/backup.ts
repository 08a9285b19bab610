// `restic backup` of a folder (the walk's exclusions handed over as an exclude list in a private
// file) or of a command's dump (read from a private temporary folder and
// stored under one stable name, so that consecutive dumps deduplicate).
import { promises as fsp } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { TaskProgress, TaskResult } from '../../../../shared/model';
import { runCommandBackup } from '../archive/commandBackup';
import { CancelledError, errCode, errorText } from '../../util/errors';
import { formatBytes } from '../../util/format';
import { FirstOf, moreWarnings } from '../../util/firstOf';
import type { Environment } from '../../environments/types';
import type { TaskContext } from '../../ports';
import type { BackupRequest } from '../types';
import type { ResticCli } from './cli';
import { redactUrl } from './credentials';
import { dumpStagingRoot, withDumpFolder } from './dumpStaging';
import { withExcludeFile } from './excludeFile';
import { scanSource } from './excludes';
import { fullIdFromFiles } from './fullId';
import { errorMessage, parseBackupLine, parseSnapshots, type BackupSummary } from './json';
import { ourTags } from './tags';

const PROGRESS_EVERY_MS = 250;

/** A local repository's folder (to keep it out of a backup of its parent), or undefined for a remote one. */
export function localRepositoryPath(repository: string): string | undefined {
  if (repository.startsWith('local:')) return resolve(repository.slice(6));
  if (/^[a-z0-9]{2,}:/i.test(repository)) return undefined; // sftp:, rest:, s3:, rclone:, ...
  return resolve(repository);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Runs `restic backup` and turns its JSON lines into progress, warnings and a summary. */
async function runBackup(ctx: TaskContext, cli: ResticCli, args: string[], opts: { cwd?: string; stdinFile?: string; extraEnv?: Record<string, string> }): Promise<{ summary?: BackupSummary; unreadable: number; exitCode: number }> {
  let summary: BackupSummary | undefined;
  // The first unreadable items are logged, the rest only counted (memory and log stay bounded).
  const unreadable = new FirstOf<true>();
  let lastProgress = -Infinity;
  const onLine = (line: string, stream: 'stdout' | 'stderr') => {
    const m = parseBackupLine(line);
    if (m.message_type === 'text') {
      if (m.text.trim()) ctx.log(stream === 'stderr' ? 'warn' : 'info', `restic: ${cli.redact(m.text.trim())}`);
      return;
    }
    if (m.message_type === 'status') {
      const now = ctx.clock.monotonic();
      if (now - lastProgress < PROGRESS_EVERY_MS) return;
      lastProgress = now;
      const p: TaskProgress = {
        files: m.files_done,
        bytes: m.bytes_done,
        percent: m.percent_done !== undefined ? Math.min(99, m.percent_done * 100) : undefined,
        current: m.current_files?.[0]?.replace(/^\.?\/?/, ''),
      };
      if (m.seconds_remaining !== undefined && m.seconds_remaining > 0) p.etaSeconds = m.seconds_remaining;
      ctx.progress(p);
    } else if (m.message_type === 'error') {
      const text = errorMessage(m);
      if (unreadable.add(true)) ctx.log('warn', `Cannot read ${cli.redact(text)}${m.during ? ` (during ${m.during})` : ''}`);
    } else if (m.message_type === 'summary') {
      summary = m as BackupSummary;
    }
  };
  ctx.log('debug', `restic ${args.join(' ')}${opts.cwd ? ` (in ${opts.cwd})` : ''}`);
  const r = await cli.run('Backup', args, {
    cwd: opts.cwd,
    stdinFile: opts.stdinFile,
    extraEnv: opts.extraEnv,
    signal: ctx.signal,
    okCodes: [3],
    retryOnLock: true,
    onStdoutLine: (l) => onLine(l, 'stdout'),
    onStderrLine: (l) => onLine(l, 'stderr'),
  });
  const more = moreWarnings(unreadable.dropped);
  if (more) ctx.log('warn', more);
  return { summary, unreadable: unreadable.total, exitCode: r.code ?? 1 };
}

async function fullSnapshotId(cli: ResticCli, id: string, signal: AbortSignal): Promise<string> {
  if (/^[0-9a-f]{64}$/.test(id)) return id;
  const local = localRepositoryPath(cli.repository);
  const vars = { RESTIC_CACHE_DIR: cli.variable('RESTIC_CACHE_DIR'), XDG_CACHE_HOME: cli.variable('XDG_CACHE_HOME'), LOCALAPPDATA: cli.variable('LOCALAPPDATA') };
  const fromFiles = await fullIdFromFiles(id, local, vars);
  if (fromFiles) return fromFiles;
  const r = await cli.run('Backup', ['snapshots', '--json', '--no-lock', id], { signal });
  return parseSnapshots(r.stdout.toString('utf8'))[0]?.id ?? id;
}

/**
 * Whether the snapshot the last good backup made is still in the repository (retention or a
 * hand-made forget may have removed it). In a local repository its file says so: a snapshot is
 * `snapshots/<full id>`, and restic removes that file when it forgets one. That spares an
 * unchanged run a restic process (its key derivation is most of a small run).
 */
async function snapshotExists(cli: ResticCli, env: Environment, id: string, signal: AbortSignal): Promise<boolean> {
  const local = localRepositoryPath(cli.repository);
  if (local && /^[0-9a-f]{64}$/.test(id)) {
    const st = await fsp.stat(join(local, 'snapshots', id)).catch(() => undefined);
    // A repository folder that does not answer as one (no snapshots/ at all) is left to restic.
    if (st?.isFile()) return true;
    if (await fsp.stat(join(local, 'snapshots')).then((d) => d.isDirectory(), () => false)) return false;
  }
  const r = await cli.run('Backup', ['snapshots', '--json', '--no-lock', ...ourTags(env.id)], { signal });
  return parseSnapshots(r.stdout.toString('utf8')).some((s) => s.id === id);
}

async function unchanged(ctx: TaskContext, cli: ResticCli, env: Environment, req: BackupRequest, manifestHash: string | undefined): Promise<TaskResult | undefined> {
  const prev = req.previous;
  if (!env.skipIfUnchanged || !manifestHash || !prev?.snapshotId || prev.manifestHash !== manifestHash) return undefined;
  if (!(await snapshotExists(cli, env, prev.snapshotId, ctx.signal))) {
    ctx.log('info', `The last good backup's snapshot ${prev.snapshotId.slice(0, 8)} is gone from the repository: making a new one`);
    return undefined;
  }
  const since = new Date(prev.finishedAt).toISOString();
  ctx.log('info', `No changes since the last good backup (${since}): no snapshot made`);
  return { unchangedSince: prev.finishedAt, summary: `no changes since ${since}`, manifestHash, snapshotId: prev.snapshotId };
}

async function resultOf(ctx: TaskContext, cli: ResticCli, env: Environment, req: BackupRequest, run: Awaited<ReturnType<typeof runBackup>>, manifestHash: string | undefined): Promise<TaskResult> {
  const s = run.summary;
  if (!s) throw new Error(`Backup failed: restic exited with code ${run.exitCode} without a summary (no snapshot was made)`);
  if (!s.snapshot_id) {
    // 0.17's --skip-if-unchanged: restic found the same tree and wrote nothing.
    const since = req.previous?.finishedAt ?? ctx.clock.now();
    ctx.log('info', 'restic found no changes since the last snapshot: no snapshot made');
    return { unchangedSince: since, summary: `no changes since ${new Date(since).toISOString()}`, manifestHash, snapshotId: req.previous?.snapshotId };
  }
  const snapshotId = await fullSnapshotId(cli, s.snapshot_id, ctx.signal);
  const warn = run.unreadable ? `; ${plural(run.unreadable, 'item')} could not be read` : '';
  const summary = `snapshot ${snapshotId.slice(0, 8)}: ${s.files_new} new, ${s.files_changed} changed, ${s.files_unmodified} unmodified; ${formatBytes(s.data_added)} added (${formatBytes(s.total_bytes_processed)} in ${plural(s.total_files_processed, 'file')})${warn}`;
  ctx.log(run.unreadable ? 'warn' : 'info', `Snapshot ${snapshotId} of ${redactUrl(cli.repository)}: ${summary}`);
  ctx.progress({ files: s.total_files_processed, bytes: s.total_bytes_processed, percent: 100 });
  return { snapshotId, size: s.data_added, fileCount: s.total_files_processed, manifestHash, summary };
}

function backupArgs(cli: ResticCli, env: Environment, extra: string[]): string[] {
  const args = ['backup', '--json', ...ourTags(env.id), ...extra];
  if (env.skipIfUnchanged && cli.bin.features.skipIfUnchanged) args.push('--skip-if-unchanged');
  return args;
}

export async function backupFolder(ctx: TaskContext, cli: ResticCli, env: Environment, req: BackupRequest, lock: <T>(fn: () => Promise<T>) => Promise<T>): Promise<TaskResult> {
  if (!env.source) throw new Error(`Environment "${env.id}" has no source folder`);
  let root: string;
  try {
    root = await fsp.realpath(env.source);
    if (!(await fsp.stat(root)).isDirectory()) throw new Error(`Source ${env.source} is not a folder`);
  } catch (e) {
    if (errCode(e) === 'ENOENT') throw new Error(`Source folder ${env.source} does not exist`);
    throw e instanceof Error && !errCode(e) ? e : new Error(`Cannot read source folder ${env.source}: ${errorText(e)}`);
  }
  const repoPath = localRepositoryPath(env.repository ?? '');
  const skipAbs: string[] = [];
  if (repoPath) {
    const rel = relative(root, await fsp.realpath(repoPath).catch(() => repoPath));
    if (rel === '') throw new Error('The repository cannot be the source folder itself');
    if (!isAbsolute(rel) && rel !== '..' && !rel.startsWith(`..${sep}`)) skipAbs.push(join(root, rel));
  }

  // The manifest (an lstat of every entry) only matters to skipIfUnchanged; without it the walk
  // reads names only (restic stats every file itself).
  const walk = { exclude: env.exclude, useGitignore: env.useGitignore, skipAbs, manifest: env.skipIfUnchanged };
  ctx.progress({ current: 'scanning source' });
  const scan = await scanSource(root, { ...walk, signal: ctx.signal });
  if (ctx.signal.aborted) throw new CancelledError('Backup');
  ctx.log('info', `Source ${root}: ${plural(scan.files, 'file')}${scan.bytes !== undefined ? `, ${formatBytes(scan.bytes)}` : ''}${scan.excludeLines.length ? `; ${plural(scan.excludeLines.length, 'path')} left out by exclude rules` : ''}`);
  for (const w of scan.warnings.kept) ctx.log('debug', w); // restic reports the same files itself, as warnings
  // "." from inside the source: the snapshot holds the source's contents at its root, so
  // listing and restoring need no path prefix (restic 0.14 cannot restore a sub-tree).
  const where = { cwd: root, extraEnv: { PWD: root } };
  return lock(async () => {
    const skip = await unchanged(ctx, cli, env, req, scan.manifestHash);
    if (skip) return skip;
    return withExcludeFile(scan.excludeLines, async (excludeFile) => {
      const run = await runBackup(ctx, cli, backupArgs(cli, env, ['--exclude-file', excludeFile, '.']), where);
      return resultOf(ctx, cli, env, req, run, scan.manifestHash);
    });
  });
}

/** The name a command environment's dump has inside its snapshots. */
export function dumpName(envId: string): string {
  return `${envId}.dump`;
}

export async function backupCommand(
  ctx: TaskContext,
  cli: ResticCli,
  env: Environment,
  req: BackupRequest,
  opts: { cwd: string; lock: <T>(fn: () => Promise<T>) => Promise<T> },
): Promise<TaskResult> {
  if (!env.command) throw new Error(`Environment "${env.id}" has no command`);
  const command = env.command;
  // On disk beside restic's cache, not in the (often RAM-backed) temp folder: see dumpStaging.ts.
  return withDumpFolder(dumpStagingRoot((n) => cli.variable(n)), env.id, (l, t) => ctx.log(l, t), async (tmp) => {
    const dump = await runCommandBackup(ctx, { envId: env.id, command, destination: tmp, cwd: opts.cwd, inheritEnv: env.inheritEnv });
    const manifestHash = `sha256:${dump.sha256}`;
    return opts.lock(async () => {
      const skip = await unchanged(ctx, cli, env, req, manifestHash);
      if (skip) return skip;
      const run = await runBackup(ctx, cli, backupArgs(cli, env, ['--stdin', '--stdin-filename', dumpName(env.id)]), { stdinFile: dump.archivePath });
      return resultOf(ctx, cli, env, req, run, manifestHash);
    });
  });
}
