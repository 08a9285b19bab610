// Walks a source tree in a fixed order (names sorted), applying the user's exclude globs and the
// .gitignore files found at every level. Yields one entry at a time, so memory stays flat
// whatever the tree size. Symlinks are reported as links and never followed.
import { createHash, type Hash } from 'node:crypto';
import * as fs from 'node:fs';
import { promises as fsp, type Dirent, type Stats } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import ignore, { type Ignore } from 'ignore';
import picomatch from 'picomatch';
import { SyncSlices, UnresponsiveError } from '../fsguard';
import { CancelledError, errCode, errorText } from '../util/errors';
import { ignoreCaseOnce } from './gitConfig';
import { isRestoreStaging } from '../restore/staging';

export type EntryType = 'file' | 'dir' | 'symlink';

/** What a backup uses of an entry's lstat: a Stats object, or a small copy of it kept for later. */
export type EntryStat = Pick<Stats, 'size' | 'mtimeMs' | 'mode' | 'uid' | 'gid' | 'dev' | 'ino'>;

export interface TreeEntry {
  /** Path relative to the source, `/`-separated, no trailing slash. */
  rel: string;
  abs: string;
  type: EntryType;
  stat: EntryStat;
  linkTarget?: string;
}

export interface WalkOptions {
  exclude: string[];
  useGitignore: boolean;
  /** Absolute paths never to enter (the destination, when it lies inside the source). */
  skipAbs?: string[];
  /** Compare names in .gitignore rules without regard to case; default: as git would for this source (gitConfig.ts). */
  ignoreCase?: boolean;
  warn(text: string): void;
  /** Told of every entry the rules leave out (a folder once, not what is below it): the restic engine hands these to restic. */
  onExcluded?(rel: string, isDir: boolean): void;
  /**
   * Runs each file-system step (a folder's listing, a link, a .gitignore) under the caller's
   * bound (the FsGuard); a step that does not answer ends the walk with that error.
   */
  run?: <T>(fn: () => Promise<T>) => Promise<T>;
  /** Start with the asynchronous lstat at once (network and FUSE sources, where a synchronous call could hold the host). */
  asyncOnly?: boolean;
}

/** Errors that end the walk instead of skipping one entry with a warning. */
export function fatal(e: unknown): boolean {
  return e instanceof UnresponsiveError || e instanceof CancelledError;
}

export interface GitignoreLayer {
  base: string; // rel path of the folder holding the .gitignore, '' for the source itself
  ig: Ignore;
  parent?: GitignoreLayer;
}

/** Exclude globs: patterns with a `/` match the relative path, the others any path component's name. */
export function excludeMatcher(patterns: string[]): (rel: string, isDir: boolean) => boolean {
  const clean = patterns.map((p) => p.trim().replace(/^\.\//, '').replace(/\/+$/, '')).filter((p) => p && !p.startsWith('#'));
  const withSlash = clean.filter((p) => p.includes('/'));
  const bare = clean.filter((p) => !p.includes('/'));
  const full = withSlash.length ? picomatch(withSlash, { dot: true }) : () => false;
  const base = bare.length ? picomatch(bare, { dot: true }) : () => false;
  return (rel, isDir) => {
    const name = rel.slice(rel.lastIndexOf('/') + 1);
    return base(name) || full(rel) || (isDir && full(`${rel}/`));
  };
}

function ignoredByGitignore(layer: GitignoreLayer | undefined, rel: string, isDir: boolean): boolean {
  // The deepest .gitignore that has an opinion wins, as in git; within one file the last rule wins.
  for (let l = layer; l; l = l.parent) {
    const sub = l.base ? rel.slice(l.base.length + 1) : rel;
    const r = l.ig.test(isDir ? `${sub}/` : sub);
    if (r.ignored) return true;
    if (r.unignored) return false;
  }
  return false;
}

/** A folder's .gitignore on top of its parent's rules (the parent's alone when it has none or it cannot be read). */
export async function gitignoreLayer(
  abs: string,
  rel: string,
  dirents: Dirent[],
  parentLayer: GitignoreLayer | undefined,
  opts: Pick<WalkOptions, 'useGitignore' | 'warn'>,
  ignorecase: () => Promise<boolean>,
  run: <T>(fn: () => Promise<T>) => Promise<T>,
): Promise<GitignoreLayer | undefined> {
  if (!opts.useGitignore || !dirents.some((d) => d.name === '.gitignore' && d.isFile())) return parentLayer;
  try {
    const text = await run(() => fsp.readFile(join(abs, '.gitignore'), 'utf8'));
    return { base: rel, ig: ignore({ allowRelativePaths: true, ignorecase: await ignorecase() }).add(text), parent: parentLayer };
  } catch (e) {
    if (fatal(e)) throw e;
    opts.warn(`Cannot read ${rel ? `${rel}/` : ''}.gitignore: ${errorText(e)} (its rules are not applied)`);
    return parentLayer;
  }
}

/** Indexes of the entries the rules keep; each one left out goes to onExcluded. The one decision every walk shares. */
export function keptEntries(
  abs: string,
  rel: string,
  dirents: Dirent[],
  layer: GitignoreLayer | undefined,
  excluded: (rel: string, isDir: boolean) => boolean,
  skip: Set<string>,
  opts: Pick<WalkOptions, 'onExcluded'>,
): number[] {
  const kept: number[] = [];
  dirents.forEach((d, i) => {
    const childRel = rel ? `${rel}/${d.name}` : d.name;
    const isDir = d.isDirectory();
    if (!excluded(childRel, isDir) && !ignoredByGitignore(layer, childRel, isDir) && !(skip.size && skip.has(child(abs, d.name))) && !isRestoreStaging(d.name)) kept.push(i);
    else opts.onExcluded?.(childRel, isDir);
  });
  return kept;
}

/** `join` for a normalized folder and a plain name, without re-normalizing (a tenth of a walk's CPU). */
export function child(dir: string, name: string): string {
  return dir.endsWith(sep) ? dir + name : dir + sep + name;
}

const LSTAT_BATCH = 128;
const PREFETCH_DIRS = 8;
/** Folders up to this size are listed with their entries' lstat in one go. */
const PRESTAT_MAX = 1024;

/** A folder's entries sorted by name, with their lstat results when the folder is small. */
type Listing = { dirents: Dirent[]; stats?: (Stats | Error)[] } | Error;

/** lstat runs synchronously in slices (SyncSlices: most of an unchanged re-run is lstat), through the thread pool after a few slow calls. */
export class Lstatter {
  private readonly slices: SyncSlices;

  constructor(slowCallMs?: number, asyncOnly = false) {
    this.slices = new SyncSlices(slowCallMs, asyncOnly);
  }

  /** True once slow calls moved this walk to the thread pool. */
  get isAsync(): boolean {
    return this.slices.isAsync;
  }

  async many(paths: string[]): Promise<(Stats | Error)[]> {
    const out = await this.slices.each<Stats | Error>(paths.length, (i) => {
      try {
        return fs.lstatSync(paths[i]);
      } catch (e) {
        return e as Error;
      }
    });
    return out.length === paths.length ? out : out.concat(await lstatAll(paths.slice(out.length)));
  }
}

/** lstat of many paths through the thread pool, with one promise (callbacks inside) rather than one per path. */
function lstatAll(paths: string[]): Promise<(Stats | Error)[]> {
  return new Promise((done) => {
    const out = new Array<Stats | Error>(paths.length);
    let left = paths.length;
    if (left === 0) return done(out);
    paths.forEach((p, i) =>
      fs.lstat(p, (err, st) => {
        out[i] = err ?? st;
        if (--left === 0) done(out);
      }),
    );
  });
}

export async function* walkTree(source: string, opts: WalkOptions): AsyncGenerator<TreeEntry> {
  const excluded = excludeMatcher(opts.exclude);
  const skip = new Set(opts.skipAbs ?? []);
  const lstat = new Lstatter(undefined, opts.asyncOnly);
  const run = opts.run ?? (<T>(fn: () => Promise<T>) => fn());
  // The `ignore` package compares without case by default; git on Linux does not (UPPER.LOG is kept with *.log).
  const ignorecase = ignoreCaseOnce(source, opts.ignoreCase, run);

  function list(abs: string): Promise<Listing> {
    return run(() => fsp.readdir(abs, { withFileTypes: true })).then(
      async (dirents) => {
        dirents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
        if (dirents.length > PRESTAT_MAX) return { dirents };
        return { dirents, stats: await run(() => lstat.many(dirents.map((d) => child(abs, d.name)))) };
      },
    ).catch((e: Error) => e);
  }

  async function* dir(abs: string, rel: string, parentLayer: GitignoreLayer | undefined, prefetched?: Promise<Listing>, listed?: Stats): AsyncGenerator<TreeEntry> {
    const listing = await (prefetched ?? list(abs));
    if (listing instanceof Error) {
      if (rel === '' || fatal(listing)) throw listing;
      opts.warn(`Cannot read folder ${rel}: ${errorText(listing)} (skipped)`);
      return;
    }
    // readdir follows a link: a folder swapped for one since its parent was listed would have
    // been listed through it, and its files (private keys) opened through it too.
    if (listed) {
      const [now] = await run(() => lstat.many([abs]));
      if (now instanceof Error || !now.isDirectory() || now.ino !== listed.ino || now.dev !== listed.dev) {
        opts.warn(`Folder ${rel} was replaced after it was listed, or swapped for a link; links are not followed (skipped)`);
        return;
      }
    }
    const { dirents } = listing;

    const layer = await gitignoreLayer(abs, rel, dirents, parentLayer, opts, ignorecase, run);
    const kept = keptEntries(abs, rel, dirents, layer, excluded, skip, opts);

    // The next few subfolders are listed while this one is walked: the walk is bound by
    // thread-pool round trips, not by the syscalls.
    const subdirs = kept.filter((i) => dirents[i].isDirectory());
    const ahead = new Map<number, Promise<Listing>>();
    let nextAhead = 0;
    const prefetch = () => {
      while (nextAhead < subdirs.length && ahead.size < PREFETCH_DIRS) {
        const i = subdirs[nextAhead++];
        ahead.set(i, list(child(abs, dirents[i].name)));
      }
    };
    prefetch();

    for (let b = 0; b < kept.length; b += LSTAT_BATCH) {
      const batch = kept.slice(b, b + LSTAT_BATCH);
      const stats = listing.stats ? batch.map((i) => listing.stats![i]) : await run(() => lstat.many(batch.map((i) => child(abs, dirents[i].name))));
      for (let j = 0; j < batch.length; j++) {
        const name = dirents[batch[j]].name;
        const childAbs = child(abs, name);
        const childRel = rel ? `${rel}/${name}` : name;
        const st = stats[j];
        const early = ahead.get(batch[j]);
        ahead.delete(batch[j]);
        if (st instanceof Error) {
          if (errCode(st) !== 'ENOENT') opts.warn(`Cannot read ${childRel}: ${errorText(st)} (skipped)`);
          continue;
        }
        if (st.isDirectory()) {
          yield { rel: childRel, abs: childAbs, type: 'dir', stat: st };
          prefetch();
          yield* dir(childAbs, childRel, layer, early, st);
        } else if (st.isFile()) {
          yield { rel: childRel, abs: childAbs, type: 'file', stat: st };
        } else if (st.isSymbolicLink()) {
          try {
            const linkTarget = await run(() => fsp.readlink(childAbs));
            yield { rel: childRel, abs: childAbs, type: 'symlink', stat: st, linkTarget };
          } catch (e) {
            if (fatal(e)) throw e;
            opts.warn(`Cannot read link ${childRel}: ${errorText(e)} (skipped)`);
          }
        } else {
          opts.warn(`Skipped ${childRel}: not a regular file, folder or link (FIFO, socket or device)`);
        }
      }
    }
  }

  yield* dir(resolve(source), '', undefined);
}

/**
 * Hash of what a backup holds: path, type, size, mtime, mode and link target of every entry, in
 * walk order. Two equal hashes mean the same tree as far as a backup can tell without reading contents.
 */
export class ManifestHasher {
  private readonly h: Hash = createHash('sha256');
  /** Lines not hashed yet: one update per ~16 KB, not per entry (the digest is the same). */
  private pending = '';
  /** `size`: bytes actually stored, when a file changed size between stat and read. */
  add(e: TreeEntry, size = e.type === 'file' ? e.stat.size : 0): void {
    this.pending += `${e.type}\0${e.rel}\0${size}\0${e.stat.mtimeMs}\0${e.stat.mode}\0${e.linkTarget ?? ''}\n`;
    if (this.pending.length >= 16384) this.flush();
  }
  digest(): string {
    this.flush();
    return this.h.digest('hex');
  }
  private flush(): void {
    if (this.pending) this.h.update(this.pending);
    this.pending = '';
  }
}
