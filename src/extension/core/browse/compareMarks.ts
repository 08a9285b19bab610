// "Compare with Backup…": which environments back up a file, and how each backup's copy relates
// to the file now, told from the listing (size and modification time) without reading content.
import * as path from 'node:path';
import type { BackupEntry, BackupRef } from '../engines/types';
import type { Environment } from '../environments/types';

export type FileMark = 'same' | 'different' | 'missing' | 'unsure';

export const MARK_TEXT: Record<FileMark, string> = {
  same: 'same as now',
  different: 'different',
  missing: 'not in this backup',
  unsure: 'same size, other time',
};

export interface Holder {
  env: Environment;
  /** The file's path inside the environment's backups ('/'-separated). */
  rel: string;
}

/** Folder environments whose source holds `file` (an absolute path), innermost source first. */
export function environmentsHolding(file: string, envs: readonly Environment[], pathApi: path.PlatformPath = path): Holder[] {
  const out: Holder[] = [];
  for (const env of envs) {
    if (env.type !== 'folder' || !env.source) continue;
    const rel = pathApi.relative(pathApi.resolve(env.source), pathApi.resolve(file));
    if (!rel || rel.startsWith('..') || pathApi.isAbsolute(rel)) continue;
    out.push({ env, rel: rel.split(pathApi.sep).join('/') });
  }
  return out.sort((a, b) => a.rel.length - b.rel.length || a.env.id.localeCompare(b.env.id));
}

/**
 * Archives keep whole seconds; a file system may keep nanoseconds. Equal size and equal second
 * count as the same file (what `rsync` and `make` also trust); equal size at another time is
 * left for a content check.
 */
export function markFor(entry: BackupEntry | undefined, current: { size: number; mtime: number } | undefined): FileMark {
  if (!entry || entry.type !== 'file') return 'missing';
  if (!current || current.size !== entry.size) return 'different';
  if (entry.mtime !== undefined && Math.floor(entry.mtime / 1000) === Math.floor(current.mtime / 1000)) return 'same';
  return 'unsure';
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

export interface Choice {
  holder: Holder;
  backup: BackupRef;
}

/** All backups of all holders, newest first; equal times keep environment order. */
export function newestFirst(lists: readonly { holder: Holder; backups: readonly BackupRef[] }[]): Choice[] {
  const all = lists.flatMap((l, order) => l.backups.map((backup) => ({ holder: l.holder, backup, order })));
  return all.sort((a, b) => b.backup.time - a.backup.time || a.order - b.order).map(({ holder, backup }) => ({ holder, backup }));
}

/** Text the editor may hold: no NUL byte and valid UTF-8. Anything else is restored as bytes. */
export function isText(bytes: Uint8Array): boolean {
  if (bytes.includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** The line ending a text uses (its first one), or undefined when it has a single line. */
export function lineEnding(text: string): 'lf' | 'crlf' | undefined {
  const i = text.indexOf('\n');
  if (i < 0) return undefined;
  return i > 0 && text[i - 1] === '\r' ? 'crlf' : 'lf';
}
