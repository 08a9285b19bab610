// Restore: restic writes the snapshot (or the chosen paths) into a fresh private folder inside
// the target, then its entries are moved into place under the archive engine's rules: nothing
// that could land outside the target, no writing through links, and an existing file is only
// replaced when the user asked to overwrite. A cancel or failure leaves the target untouched.
import { promises as fsp, type Stats } from 'node:fs';
import { join } from 'node:path';
import type { TaskResult } from '../../../../shared/model';
import { decideExisting, pathSelector, refusal, safeMode } from '../../restore/rules';
import { CancelledError, errorText } from '../../util/errors';
import type { TaskContext } from '../../ports';
import type { RestoreRequest } from '../types';
import type { ResticCli } from './cli';
import { includeArgs, snapshotArg } from './browse';

const STAGING_PREFIX = '.backup-scheduler-restore-';

function tarType(st: Stats): string {
  return st.isDirectory() ? 'Directory' : st.isSymbolicLink() ? 'SymbolicLink' : st.isFile() ? 'File' : 'Other';
}

async function lstatOrUndefined(p: string): Promise<Stats | undefined> {
  return fsp.lstat(p).catch(() => undefined);
}

/**
 * Counts the files of a subtree about to move into the target and clears setuid/setgid bits
 * on the way (a backup must not grant privileges; restic restores them).
 */
async function prepare(path: string, st: Stats): Promise<number> {
  if (!st.isSymbolicLink() && st.mode & 0o6000) await fsp.chmod(path, safeMode(st.mode, st.isDirectory()));
  if (!st.isDirectory()) return 1;
  let n = 0;
  for (const name of await fsp.readdir(path)) n += await prepare(join(path, name), await fsp.lstat(join(path, name)));
  return n;
}

interface MergeState {
  root: string;
  /** The entries the user chose (undefined: everything); restic's own matching is not trusted to be exact. */
  chosen?: (path: string) => boolean;
  /** Folders on the way to a chosen entry. */
  onTheWay?: (path: string) => boolean;
  overwrite: boolean;
  links: Set<string>;
  checked: Set<string>;
  restored: number;
  kept: number;
  refused: number;
  signal: AbortSignal;
  log: TaskContext['log'];
}

/** Moves everything below `from` (the staging folder) to the same place below s.root. */
async function merge(s: MergeState, from: string, rel: string): Promise<void> {
  for (const name of (await fsp.readdir(from)).sort()) {
    if (s.signal.aborted) throw new CancelledError('Restore');
    const path = rel ? `${rel}/${name}` : name;
    const src = join(from, name);
    const dst = join(s.root, path);
    const st = await fsp.lstat(src);
    if (s.chosen && !s.chosen(path)) {
      if (st.isDirectory() && s.onTheWay!(path)) await intoFolder(s, src, path, st);
      continue; // restic restored it, but nobody chose it
    }
    const type = tarType(st);
    const linkpath = st.isSymbolicLink() ? await fsp.readlink(src) : undefined;
    const why = type === 'Other' ? `unsupported entry type (FIFO, socket or device)` : refusal(s.root, { path, type, linkpath }, s.links, s.checked);
    if (why) {
      s.refused++;
      if (st.isSymbolicLink()) s.links.add(path);
      s.log('warn', `Refused ${path}: ${why}`);
      continue;
    }
    const existing = await lstatOrUndefined(dst);
    const decision = decideExisting(existing, st.isDirectory(), s.overwrite);
    if (decision.action === 'merge') {
      if (st.mode & 0o6000) await fsp.chmod(src, safeMode(st.mode, true));
      await merge(s, src, path);
      continue;
    }
    const files = await prepare(src, st);
    if (decision.action === 'keep' || decision.action === 'conflict') {
      s.kept += files;
      s.log('warn', decision.action === 'keep' ? `Kept existing ${path} (not overwritten)` : `Kept existing ${path}: ${decision.reason}`);
      continue;
    }
    if (decision.action === 'replace') await fsp.unlink(dst); // a file or a link itself, never what a link points to
    await fsp.rename(src, dst);
    if (st.isSymbolicLink()) s.links.add(path);
    s.restored += files;
  }
}

/** A folder on the way to a chosen entry: created (or merged into) without taking what else restic put in it. */
async function intoFolder(s: MergeState, src: string, path: string, st: Stats): Promise<void> {
  const dst = join(s.root, path);
  const why = refusal(s.root, { path, type: 'Directory' }, s.links, s.checked);
  if (why) {
    s.refused++;
    s.log('warn', `Refused ${path}: ${why}`);
    return;
  }
  const existing = await lstatOrUndefined(dst);
  if (existing && !existing.isDirectory()) {
    s.kept++;
    s.log('warn', `Kept existing ${path}: is a ${existing.isSymbolicLink() ? 'symbolic link' : 'file'} in the target, a folder in the backup`);
    return;
  }
  if (!existing) await fsp.mkdir(dst, { mode: safeMode(st.mode, true) });
  await merge(s, src, path);
}

export async function restoreSnapshot(ctx: TaskContext, cli: ResticCli, req: RestoreRequest): Promise<TaskResult> {
  try {
    await fsp.mkdir(req.target, { recursive: true });
  } catch (e) {
    throw new Error(`Cannot create target folder ${req.target}: ${errorText(e)}`);
  }
  const root = await fsp.realpath(req.target);
  const what = req.paths?.length ? req.paths.join(', ') : 'everything';
  ctx.log('info', `Restoring ${what} of snapshot ${req.backupId.slice(0, 8)} into ${root}${req.overwrite ? ' (overwriting existing files)' : ''}`);
  const staging = await fsp.mkdtemp(join(root, STAGING_PREFIX));
  try {
    ctx.progress({ current: 'restic restore' });
    await cli.run('Restore', ['restore', snapshotArg(req.backupId), '--target', staging, ...includeArgs(req.paths)], {
      signal: ctx.signal,
      retryOnLock: true,
      onStderrLine: (l) => l.trim() && ctx.log('warn', `restic: ${cli.redact(l.trim())}`),
    });
    const chosen = pathSelector(req.paths);
    const wanted = (req.paths ?? []).map((p) => p.split('/').filter((x) => x && x !== '.').join('/'));
    const onTheWay = (path: string) => wanted.some((w) => w.startsWith(`${path}/`));
    const s: MergeState = { root, chosen, onTheWay, overwrite: req.overwrite, links: new Set(), checked: new Set(), restored: 0, kept: 0, refused: 0, signal: ctx.signal, log: ctx.log.bind(ctx) };
    ctx.progress({ current: 'moving restored files into place' });
    await merge(s, staging, '');
    if (req.paths?.length && s.restored + s.kept + s.refused === 0) throw new Error(`${what}: not found in snapshot ${req.backupId.slice(0, 8)}`);
    const extra = [s.refused && `${s.refused} refused`, s.kept && `${s.kept} kept`].filter(Boolean).join(', ');
    const summary = `${s.restored} files restored into ${root}${extra ? `; ${extra}` : ''}`;
    ctx.log('info', summary);
    ctx.progress({ files: s.restored, percent: 100 });
    return { fileCount: s.restored, summary, snapshotId: req.backupId };
  } finally {
    await fsp.rm(staging, { recursive: true, force: true }).catch(() => undefined);
  }
}
