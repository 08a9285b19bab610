// How git would compare names in .gitignore rules for a source folder: the core.ignorecase of the
// repository holding it when set, else the platform's file system rule (git init sets it to true
// on the case-insensitive file systems of macOS and Windows, and leaves it unset on Linux).
import { promises as fsp } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';

export async function gitIgnoreCase(source: string, platform: NodeJS.Platform = process.platform): Promise<boolean> {
  const set = await repositoryIgnoreCase(resolve(source));
  return set ?? (platform === 'darwin' || platform === 'win32');
}

/**
 * The walk's ignore-case rule, looked up only when the first .gitignore is found: the lookup
 * climbs to the file system's root one stat at a time (a dozen thread-pool round trips on a
 * busy host), which a tree without a .gitignore never needs. Asked again, the same answer.
 */
export function ignoreCaseOnce(source: string, known: boolean | undefined, run: <T>(fn: () => Promise<T>) => Promise<T>): () => Promise<boolean> {
  let answer: Promise<boolean> | undefined;
  return () => (answer ??= known !== undefined ? Promise.resolve(known) : run(() => gitIgnoreCase(source)));
}

/** core.ignorecase of the repository that holds `dir` (its own or an enclosing one), if set. */
async function repositoryIgnoreCase(dir: string): Promise<boolean | undefined> {
  for (let d = dir; ; d = dirname(d)) {
    const gitDir = await findGitDir(join(d, '.git'));
    if (gitDir) {
      const text = await fsp.readFile(join(gitDir, 'config'), 'utf8').catch(() => '');
      return coreIgnoreCase(text);
    }
    if (dirname(d) === d) return undefined;
  }
}

/** `.git` as a folder, or as the file a worktree or submodule has (`gitdir: <path>`), resolved to the folder with the config. */
async function findGitDir(dotGit: string): Promise<string | undefined> {
  const st = await fsp.stat(dotGit).catch(() => undefined);
  if (!st) return undefined;
  if (st.isDirectory()) return dotGit;
  const m = /^gitdir:\s*(.+?)\s*$/m.exec(await fsp.readFile(dotGit, 'utf8').catch(() => ''));
  if (!m) return undefined;
  const gitDir = isAbsolute(m[1]) ? m[1] : resolve(dirname(dotGit), m[1]);
  // A linked worktree keeps its config in the main repository's folder.
  const common = (await fsp.readFile(join(gitDir, 'commondir'), 'utf8').catch(() => '')).trim();
  return common ? resolve(gitDir, common) : gitDir;
}

/** The value of core.ignorecase in git config text; the last one wins, as in git. */
export function coreIgnoreCase(text: string): boolean | undefined {
  let inCore = false;
  let value: boolean | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/(^|\s)[#;].*$/, '').trim();
    const section = /^\[\s*([A-Za-z0-9.-]+)(?:\s+"[^"]*")?\s*\]\s*(.*)$/.exec(line);
    const rest = section ? section[2] : line;
    if (section) inCore = section[1].toLowerCase() === 'core' && !/\s"/.test(line.slice(0, line.indexOf(']')));
    if (!inCore || !rest) continue;
    const kv = /^([A-Za-z][A-Za-z0-9-]*)\s*(?:=\s*(.*))?$/.exec(rest);
    if (!kv || kv[1].toLowerCase() !== 'ignorecase') continue;
    const v = (kv[2] ?? 'true').replace(/^"(.*)"$/, '$1').trim().toLowerCase();
    if (['true', 'yes', 'on', '1'].includes(v)) value = true;
    else if (['false', 'no', 'off', '0', ''].includes(v)) value = false;
  }
  return value;
}
