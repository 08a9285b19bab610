// The walk's decisions without its lstat: which entries the exclude globs and .gitignore files
// leave out, from folder listings alone (a listing's entry types are what the rules look at).
// For an engine that reads the files itself (restic), the full walk's lstat of every file is a
// second stat pass that only a manifest needs; on a busy machine it is most of the walk's CPU.
import { promises as fsp, type Dirent } from 'node:fs';
import { resolve } from 'node:path';
import { errCode, errorText } from '../util/errors';
import { ignoreCaseOnce } from './gitConfig';
import { child, excludeMatcher, fatal, gitignoreLayer, keptEntries, type GitignoreLayer, type WalkOptions } from './walk';

export interface NameCounts {
  files: number;
  dirs: number;
  symlinks: number;
}

/** Subfolders listed ahead while one is walked (the walk waits on thread-pool round trips, not CPU). */
const PREFETCH_DIRS = 8;

/**
 * Applies the same rules as walkTree, in the same order, calling onExcluded for each entry left
 * out, and counts what is kept. Links are never followed; an unreadable folder is skipped with
 * a warning (the source itself: an error).
 */
export async function walkNames(source: string, opts: WalkOptions & { signal?: AbortSignal }): Promise<NameCounts> {
  const excluded = excludeMatcher(opts.exclude);
  const skip = new Set(opts.skipAbs ?? []);
  const run = opts.run ?? (<T>(fn: () => Promise<T>) => fn());
  const ignorecase = ignoreCaseOnce(source, opts.ignoreCase, run);
  const counts: NameCounts = { files: 0, dirs: 0, symlinks: 0 };

  const list = (abs: string): Promise<Dirent[] | Error> =>
    run(() => fsp.readdir(abs, { withFileTypes: true })).then(
      (d) => d.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
      (e: Error) => e,
    );

  async function dir(abs: string, rel: string, parentLayer: GitignoreLayer | undefined, listing: Promise<Dirent[] | Error>): Promise<void> {
    const dirents = await listing;
    if (dirents instanceof Error) {
      if (rel === '' || fatal(dirents)) throw dirents;
      if (errCode(dirents) === 'ENOENT') return; // gone since its parent was listed: walkTree's lstat skips it silently too
      opts.warn(`Cannot read folder ${rel}: ${errorText(dirents)} (skipped)`);
      return;
    }
    const layer = await gitignoreLayer(abs, rel, dirents, parentLayer, opts, ignorecase, run);
    const kept = keptEntries(abs, rel, dirents, layer, excluded, skip, opts);
    const subdirs: number[] = [];
    for (const i of kept) {
      const d = dirents[i];
      if (d.isDirectory()) subdirs.push(i);
      else if (d.isFile()) counts.files++;
      else if (d.isSymbolicLink()) counts.symlinks++;
    }
    counts.dirs += subdirs.length;
    const ahead: Promise<Dirent[] | Error>[] = [];
    for (let k = 0; k < subdirs.length; k++) {
      if (opts.signal?.aborted) return;
      while (ahead.length < Math.min(PREFETCH_DIRS, subdirs.length - k)) ahead.push(list(child(abs, dirents[subdirs[k + ahead.length]].name)));
      const name = dirents[subdirs[k]].name;
      await dir(child(abs, name), rel ? `${rel}/${name}` : name, layer, ahead.shift()!);
    }
  }

  const root = resolve(source);
  await dir(root, '', undefined, list(root));
  return counts;
}
