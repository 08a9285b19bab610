// One rule set for both engines: the same walk the archive engine does (exclude globs and every
// .gitignore level) decides what is left out, and restic is handed the exact paths it left out,
// as anchored patterns. Translating the globs into restic's own pattern language instead would
// give two matchers that disagree at the edges (negations, nested .gitignore files).
// The walk also yields the manifest hash that skipIfUnchanged compares; without skipIfUnchanged
// no one needs it, and the names-only walk (no lstat of each file: restic stats them itself)
// applies the same rules for a fraction of the CPU.
import { promises as fsp } from 'node:fs';
import { ManifestHasher, walkTree } from '../../source/walk';
import { walkNames } from '../../source/walkNames';
import { FirstOf } from '../../util/firstOf';

export interface SourceScan {
  /** Only when asked for (`manifest`). */
  manifestHash?: string;
  files: number;
  /** Only with the manifest (the names-only walk reads no sizes). */
  bytes?: number;
  /** restic --exclude-file lines: one anchored pattern per excluded path. */
  excludeLines: string[];
  /** The walk's first warnings and their count (restic reports the same files itself). */
  warnings: FirstOf<string>;
}

/** One character matched literally by Go's filepath.Match: a one-character class on Windows, which has no escape character. */
function literal(c: string, windows: boolean): string {
  return windows ? `[${c}]` : `\\${c}`;
}

/**
 * An absolute path as a line of restic's exclude file, matching exactly that path (checked with
 * restic 0.14). Glob characters are escaped. What the file's reader would alter is written so
 * that it survives: `$` (environment-expanded) becomes the class `[$]`, which expansion leaves
 * alone because `$]` names no variable; white space at either end (trimmed) becomes a class
 * too. A line break cannot be written in a line at all: it alone becomes `?`, which matches any
 * one character there; scanSource then takes back, with `!` lines, what else it matches.
 */
export function exactPattern(abs: string, windows = process.platform === 'win32'): string {
  const p = windows ? abs.replace(/\\/g, '/') : abs;
  let out = '';
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '\n') out += '?';
    else if (c === '$') out += '[$]';
    else if ((i === 0 || i === p.length - 1) && /\s/.test(c)) out += `[${c}]`;
    else if ('*?[\\'.includes(c)) out += literal(c, windows);
    else out += c;
  }
  return out;
}

/**
 * A snapshot path as a restic `--include`/`--exclude` argument matching exactly that path. An
 * argument is taken as it is (no expansion, no trimming, line breaks kept: checked with restic
 * 0.14), so only glob characters need escaping.
 */
export function exactArgPattern(path: string, windows = process.platform === 'win32'): string {
  let out = '';
  for (const c of path) out += '*?[\\'.includes(c) && !(windows && c === '\\') ? literal(c, windows) : c;
  return out;
}

export async function scanSource(root: string, opts: { exclude: string[]; useGitignore: boolean; skipAbs?: string[]; signal?: AbortSignal; manifest: boolean }): Promise<SourceScan> {
  const warnings = new FirstOf<string>();
  const excludeLines: string[] = [];
  const sep = root.endsWith('/') || root.endsWith('\\') ? '' : process.platform === 'win32' ? '\\' : '/';
  const walk = {
    exclude: opts.exclude,
    useGitignore: opts.useGitignore,
    skipAbs: opts.skipAbs,
    warn: (t: string) => void warnings.add(t),
    onExcluded: (rel: string) => {
      if (rel.includes('\n')) withLineBreaks.push(rel);
      excludeLines.push(exactPattern(root + sep + (sep === '\\' ? rel.replace(/\//g, '\\') : rel)));
    },
  };
  const withLineBreaks: string[] = [];
  const abs = (rel: string) => root + sep + (sep === '\\' ? rel.replace(/\//g, '\\') : rel);
  if (!opts.manifest) {
    const counts = await walkNames(root, { ...walk, signal: opts.signal });
    excludeLines.push(...(await takeBack(withLineBreaks, excludeLines, root, abs)));
    return { files: counts.files, excludeLines, warnings };
  }
  const hasher = new ManifestHasher();
  let files = 0;
  let bytes = 0;
  for await (const e of walkTree(root, walk)) {
    hasher.add(e);
    if (e.type === 'file') {
      files++;
      bytes += e.stat.size;
    }
    if (opts.signal?.aborted) break;
  }
  excludeLines.push(...(await takeBack(withLineBreaks, excludeLines, root, abs)));
  return { manifestHash: hasher.digest(), files, bytes, excludeLines, warnings };
}

/** A path's names as regular expressions: a line break (written `?` in the exclude file) matches any one character. */
function namePatterns(rel: string): RegExp[] {
  return rel.split('/').map((name) => new RegExp(`^${[...name].map((c) => (c === '\n' ? '[^]' : c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('')}$`));
}

/**
 * `!` lines (restic 0.14+ negative patterns; the last matching line wins) taking back what the
 * `?` of an excluded path with a line break also matches: each existing path that differs from it
 * only where it has line breaks, and that the rules keep. Rare (names with line breaks), and
 * looked up only then; a path whose own line would also match the excluded one is left out too.
 */
async function takeBack(withLineBreaks: string[], excludeLines: string[], root: string, abs: (rel: string) => string): Promise<string[]> {
  if (!withLineBreaks.length) return [];
  const excluded = new Set(excludeLines);
  const out: string[] = [];
  for (const rel of withLineBreaks) {
    const patterns = namePatterns(rel);
    const names = rel.split('/');
    let candidates = [''];
    for (let i = 0; i < names.length; i++) {
      const next: string[] = [];
      for (const c of candidates) {
        const join = (n: string) => (c ? `${c}/${n}` : n);
        if (!names[i].includes('\n')) next.push(join(names[i]));
        else for (const n of await fsp.readdir(c ? abs(c) : root).catch(() => [] as string[])) if (patterns[i].test(n)) next.push(join(n));
      }
      candidates = next;
    }
    for (const c of candidates) {
      const line = exactPattern(abs(c));
      if (c === rel || excluded.has(line)) continue;
      const own = namePatterns(c);
      if (c.includes('\n') && rel.split('/').every((n, i) => own[i]?.test(n))) continue;
      out.push(`!${line}`);
    }
  }
  return out;
}
