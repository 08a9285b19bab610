// Walks a source tree in a fixed order (names sorted), applying the user's exclude globs and the
// .gitignore files found at every level. Yields one entry at a time, so memory stays flat
// whatever the tree size. Symlinks are reported as links and never followed.
import { createHash, type Hash } from 'node:crypto';
import * as fs from 'node:fs';
import { promises as fsp, type Dirent, type Stats } from 'node:fs';
import { join } from 'node:path';
import ignore, { type Ignore } from 'ignore';
import picomatch from 'picomatch';
import { errCode, errorText } from './cancel';

export type EntryType = 'file' | 'dir' | 'symlink';

export interface TreeEntry {
  /** Path relative to the source, `/`-separated, no trailing slash. */
  rel: string;
  abs: string;
  type: EntryType;
  stat: Stats;
  linkTarget?: string;
}

export interface WalkOptions {
  exclude: string[];
  useGitignore: boolean;
  /** Absolute paths never to enter (the destination, when it lies inside the source). */
  skipAbs?: string[];
  warn(text: string): void;
}

interface GitignoreLayer {
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

const LSTAT_BATCH = 128;

/** lstat of many paths with one promise (callbacks inside): per-call promises cost more than the syscalls. */
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

  async function* dir(abs: string, rel: string, parentLayer: GitignoreLayer | undefined): AsyncGenerator<TreeEntry> {
    let dirents: Dirent[];
    try {
      dirents = await fsp.readdir(abs, { withFileTypes: true });
    } catch (e) {
      if (rel === '') throw e;
      opts.warn(`Cannot read folder ${rel}: ${errorText(e)} (skipped)`);
      return;
    }
    dirents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

    let layer = parentLayer;
    if (opts.useGitignore && dirents.some((d) => d.name === '.gitignore' && d.isFile())) {
      const gi = `${rel ? `${rel}/` : ''}.gitignore`;
      try {
        const text = await fsp.readFile(join(abs, '.gitignore'), 'utf8');
        layer = { base: rel, ig: ignore({ allowRelativePaths: true }).add(text), parent: parentLayer };
      } catch (e) {
        opts.warn(`Cannot read ${gi}: ${errorText(e)} (its rules are not applied)`);
      }
    }

    const kept = dirents.filter((d) => {
      const childRel = rel ? `${rel}/${d.name}` : d.name;
      const isDir = d.isDirectory();
      return !excluded(childRel, isDir) && !ignoredByGitignore(layer, childRel, isDir) && !skip.has(join(abs, d.name));
    });

    for (let i = 0; i < kept.length; i += LSTAT_BATCH) {
      const batch = kept.slice(i, i + LSTAT_BATCH);
      const stats = await lstatAll(batch.map((d) => join(abs, d.name)));
      for (let j = 0; j < batch.length; j++) {
        const name = batch[j].name;
        const childAbs = join(abs, name);
        const childRel = rel ? `${rel}/${name}` : name;
        const st = stats[j];
        if (st instanceof Error) {
          if (errCode(st) !== 'ENOENT') opts.warn(`Cannot read ${childRel}: ${errorText(st)} (skipped)`);
          continue;
        }
        if (st.isDirectory()) {
          yield { rel: childRel, abs: childAbs, type: 'dir', stat: st };
          yield* dir(childAbs, childRel, layer);
        } else if (st.isFile()) {
          yield { rel: childRel, abs: childAbs, type: 'file', stat: st };
        } else if (st.isSymbolicLink()) {
          try {
            const linkTarget = await fsp.readlink(childAbs);
            yield { rel: childRel, abs: childAbs, type: 'symlink', stat: st, linkTarget };
          } catch (e) {
            opts.warn(`Cannot read link ${childRel}: ${errorText(e)} (skipped)`);
          }
        } else {
          opts.warn(`Skipped ${childRel}: not a regular file, folder or link (FIFO, socket or device)`);
        }
      }
    }
  }

  yield* dir(source, '', undefined);
}

/**
 * Hash of what a backup holds: path, type, size, mtime, mode and link target of every entry, in
 * walk order. Two equal hashes mean the same tree as far as a backup can tell without reading contents.
 */
export class ManifestHasher {
  private readonly h: Hash = createHash('sha256');
  /** `size`: bytes actually stored, when a file changed size between stat and read. */
  add(e: TreeEntry, size = e.type === 'file' ? e.stat.size : 0): void {
    this.h.update(`${e.type}\0${e.rel}\0${size}\0${e.stat.mtimeMs}\0${e.stat.mode}\0${e.linkTarget ?? ''}\n`);
  }
  digest(): string {
    return this.h.digest('hex');
  }
}
