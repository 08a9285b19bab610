// Restore: extracts an archive into a target folder. node-tar's Unpack does the writing (and
// already refuses to write through symlinks); in front of it, a filter refuses every entry
// that could land outside the target and logs why.
import { createReadStream, lstatSync, promises as fsp } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { Unpack, type ReadEntry } from 'tar';
import type { TaskResult } from '../../../shared/model';
import type { TaskContext } from '../ports';
import { CancelledError, errCode, errorText } from './cancel';
import { formatBytes } from './format';
import { DUMP_EXT } from './naming';
import { pumpTarGz } from './tarInput';

export interface RestoreOptions {
  archivePath: string;
  target: string;
  /** Replace files that already exist in the target; otherwise they are kept and logged. */
  overwrite: boolean;
  /** Only these entries (and what is below them), relative as the archive holds them; all when absent. */
  paths?: string[];
}

/** Whether `entryPath` is one of `paths` or below one of them. */
export function selected(entryPath: string, paths: readonly string[] | undefined): boolean {
  if (!paths || paths.length === 0) return true;
  const p = segments(entryPath).join('/');
  return paths.some((want) => {
    const w = segments(want).join('/');
    return w === '' || p === w || p.startsWith(`${w}/`);
  });
}

const ALLOWED = new Set(['File', 'OldFile', 'ContiguousFile', 'Directory', 'SymbolicLink', 'Link']);

function inside(root: string, p: string): boolean {
  const rel = relative(root, p);
  return rel === '' || (!isAbsolute(rel) && rel !== '..' && !rel.startsWith(`..${sep}`));
}

function looksAbsolute(p: string): boolean {
  return p.startsWith('/') || p.startsWith('\\') || /^[a-zA-Z]:/.test(p);
}

function segments(p: string): string[] {
  return p.split(/[\\/]+/).filter((s) => s !== '' && s !== '.');
}

/**
 * Why an entry must not be extracted, or undefined when it is safe.
 * `links` holds the symlinks this archive already created (they may not be on disk yet: node-tar
 * writes asynchronously), so nothing is ever written through them.
 */
export function refusal(root: string, entry: { path: string; type: string; linkpath?: string }, links: Set<string>, checkedDirs = new Set<string>()): string | undefined {
  const p = entry.path;
  if (looksAbsolute(p)) return 'absolute path';
  const parts = segments(p);
  if (parts.includes('..')) return 'path contains ".."';
  if (!ALLOWED.has(entry.type)) return `unsupported entry type ${entry.type}`;
  for (let i = 1; i < parts.length; i++) {
    if (links.has(parts.slice(0, i).join('/'))) return `parent ${parts.slice(0, i).join('/')} is a symbolic link`;
  }
  // Links already in the target (not from this archive). A parent checked once stays checked:
  // only this archive's own links (in `links`) could turn it into a link during the restore.
  for (let i = 1; i < parts.length; i++) {
    const prefix = parts.slice(0, i).join('/');
    if (checkedDirs.has(prefix)) continue;
    if (lstatOrUndefined(resolve(root, prefix))?.isSymbolicLink()) return `parent ${prefix} is a symbolic link in the target`;
    checkedDirs.add(prefix);
  }
  if (entry.type === 'SymbolicLink') {
    const lp = entry.linkpath ?? '';
    if (lp === '' || looksAbsolute(lp)) return `symbolic link to absolute path ${lp}`;
    // Leading ".." only: a ".." after a name could climb out of whatever that name links to.
    const lparts = segments(lp);
    const firstName = lparts.findIndex((s) => s !== '..');
    if (firstName >= 0 && lparts.slice(firstName).includes('..')) return `symbolic link target ${lp} has ".." after a name`;
    if (!inside(root, resolve(root, dirname(parts.join('/')), lp))) return `symbolic link pointing outside the target (${lp})`;
  }
  if (entry.type === 'Link') {
    const lp = entry.linkpath ?? '';
    const lparts = segments(lp);
    if (lp === '' || looksAbsolute(lp) || lparts.includes('..')) return `hard link to ${lp} outside the target`;
    for (let i = 1; i <= lparts.length; i++) {
      const prefix = lparts.slice(0, i).join('/');
      if (links.has(prefix) || lstatOrUndefined(resolve(root, prefix))?.isSymbolicLink()) return `hard link through symbolic link ${prefix}`;
    }
  }
  return undefined;
}

function lstatOrUndefined(p: string) {
  try {
    return lstatSync(p);
  } catch {
    return undefined;
  }
}

export async function restoreArchive(ctx: TaskContext, opts: RestoreOptions): Promise<TaskResult> {
  const what = 'Restore';
  if (opts.archivePath.endsWith(DUMP_EXT)) {
    throw new Error(`${opts.archivePath} is a command dump: restore it with the tool that wrote it (for example psql or mongorestore)`);
  }
  let size: number;
  try {
    size = (await fsp.stat(opts.archivePath)).size;
  } catch (e) {
    throw new Error(`Cannot read archive ${opts.archivePath}: ${errorText(e)}`);
  }
  try {
    await fsp.mkdir(opts.target, { recursive: true });
  } catch (e) {
    throw new Error(`Cannot create target folder ${opts.target}: ${errorText(e)}`);
  }
  const root = await fsp.realpath(opts.target);
  ctx.log('info', `Restoring ${opts.archivePath} into ${root}${opts.overwrite ? ' (overwriting existing files)' : ''}`);

  const links = new Set<string>();
  const checkedDirs = new Set<string>();
  let refused = 0;
  let kept = 0;
  let files = 0;
  let bytes = 0;
  let read = 0;
  const warnings: string[] = [];

  const unpack = new Unpack({
    cwd: root,
    strict: false,
    unlink: true, // replace, never write into, whatever is there (a hard link's other name, a symlink's target)
    preserveOwner: false,
    filter: (path: string, entry: ReadEntry | import('node:fs').Stats) => {
      const e = entry as ReadEntry;
      if (!selected(e.path ?? path, opts.paths)) return false;
      const why = refusal(root, { path: e.path ?? path, type: e.type, linkpath: e.linkpath }, links, checkedDirs);
      if (why) {
        refused++;
        // Whatever comes below a refused link is refused too, rather than made a real folder.
        if (e.type === 'SymbolicLink') links.add(segments(e.path).join('/'));
        ctx.log('warn', `Refused ${e.path}: ${why}`);
        return false;
      }
      const norm = segments(e.path).join('/');
      const existing = lstatOrUndefined(resolve(root, norm));
      if (existing && !(existing.isDirectory() && e.type === 'Directory') && !opts.overwrite) {
        kept++;
        ctx.log('warn', `Kept existing ${norm} (not overwritten)`);
        return false;
      }
      if (e.type === 'SymbolicLink') links.add(norm);
      if (e.type !== 'Directory') {
        files++;
        bytes += e.size ?? 0;
        ctx.progress({ files, bytes, current: norm, percent: size ? Math.min(99, (100 * read) / size) : undefined });
      }
      return true;
    },
    onwarn: (code: string, message: string | Error) => {
      warnings.push(`${code}: ${errorText(message)}`);
      ctx.log('warn', `${errorText(message)} (${code})`);
    },
  });
  const input = createReadStream(opts.archivePath, { highWaterMark: 1024 * 1024, signal: ctx.signal });
  input.on('data', (c) => (read += c.length));
  try {
    await pumpTarGz(input, unpack, 'close');
  } catch (e) {
    if (ctx.signal.aborted || errCode(e) === 'ABORT_ERR') {
      ctx.log('warn', `Restore cancelled after ${files} files; files already written stay in ${root}`);
      throw new CancelledError(what);
    }
    throw new Error(`Restore of ${opts.archivePath} failed: ${errorText(e)}`);
  }
  const extra = [refused && `${refused} refused`, kept && `${kept} kept`].filter(Boolean).join(', ');
  const summary = `${files} entries restored (${formatBytes(bytes)}) into ${root}${extra ? `; ${extra}` : ''}`;
  ctx.log('info', summary);
  ctx.progress({ files, bytes, percent: 100 });
  return { archivePath: opts.archivePath, fileCount: files, summary };
}
