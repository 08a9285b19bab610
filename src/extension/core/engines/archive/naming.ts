// Names of the files this extension writes into a destination. Retention and the archive list
// only ever touch files whose names match these patterns exactly, for exactly one environment.
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { RESOLVED_ID_PATTERN } from '../../environments/ids';
import { fsGuard, UnresponsiveError } from '../../fsguard';

export const FOLDER_EXT = '.tar.gz';
/** Command dumps get a fixed extension: the extension cannot know the format a command writes. */
export const DUMP_EXT = '.dump';

/** The sidecar index of a folder archive (archiveIndex.ts): `<archive>.idx`. */
export const INDEX_EXT = '.idx';

export function indexPathOf(archivePath: string): string {
  return archivePath + INDEX_EXT;
}

export type ArchiveKind = 'folder' | 'command';

export interface ArchiveInfo {
  path: string;
  name: string;
  kind: ArchiveKind;
  /** Start time of the backup that wrote it, epoch ms, from the UTC stamp in the name. */
  time: number;
  size: number;
}


export function assertEnvId(envId: string): void {
  if (!RESOLVED_ID_PATTERN.test(envId)) throw new Error(`Invalid environment id "${envId}": use lowercase letters, digits, "_" and "-"`);
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** UTC `yyyyMMdd-HHmmss`. */
export function utcStamp(epochMs: number): string {
  const d = new Date(epochMs);
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}-${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`;
}

export function parseStamp(stamp: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})$/.exec(stamp);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number);
  const t = Date.UTC(y, mo - 1, d, h, mi, s);
  // Reject 20261340-... and the like instead of letting Date roll them over.
  return utcStamp(t) === stamp ? t : undefined;
}

export function archiveName(envId: string, kind: ArchiveKind, epochMs: number): string {
  return `${envId}-${utcStamp(epochMs)}${kind === 'folder' ? FOLDER_EXT : DUMP_EXT}`;
}

/** Parses a name this extension wrote for `envId`; anything else (other env, user files, temp files) gives undefined. */
export function parseArchiveName(name: string, envId: string): { kind: ArchiveKind; time: number } | undefined {
  if (!name.startsWith(`${envId}-`)) return undefined;
  const rest = name.slice(envId.length + 1);
  const m = /^(\d{8}-\d{6})(\.tar\.gz|\.dump)$/.exec(rest);
  if (!m) return undefined;
  const time = parseStamp(m[1]);
  if (time === undefined) return undefined;
  return { kind: m[2] === FOLDER_EXT ? 'folder' : 'command', time };
}

/** True for the sidecar index of an archive of `envId` (whether or not the archive still exists). */
export function isIndexName(name: string, envId: string): boolean {
  return name.endsWith(INDEX_EXT) && parseArchiveName(name.slice(0, -INDEX_EXT.length), envId)?.kind === 'folder';
}

/**
 * Temporary name of an archive being written: hidden, never matches the archive pattern, and
 * carries the writer's pid so a stale one can be told from one still being written.
 */
export function tempName(finalName: string): string {
  return `.${finalName}.${process.pid}.${Math.random().toString(36).slice(2, 8)}.partial`;
}

export function parseTempName(name: string, envId: string): { pid: number } | undefined {
  const m = /^\.(.+)\.(\d+)\.[a-z0-9]+\.partial$/.exec(name);
  // An index being written is `.<archive>.idx.<pid>...`: it belongs to the environment as much.
  const stem = m?.[1].endsWith(INDEX_EXT) ? m[1].slice(0, -INDEX_EXT.length) : m?.[1];
  if (!m || !stem || !parseArchiveName(stem, envId)) return undefined;
  return { pid: Number(m[2]) };
}

/** Archives of one environment in a destination, newest first. A missing destination lists nothing. */
export async function listArchives(destination: string, envId: string): Promise<ArchiveInfo[]> {
  assertEnvId(envId);
  let entries: import('node:fs').Dirent[];
  try {
    entries = await fsGuard.run(destination, 'destination', () => fsp.readdir(destination, { withFileTypes: true }));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const out: ArchiveInfo[] = [];
  for (const ent of entries) {
    if (!ent.isFile()) continue;
    const parsed = parseArchiveName(ent.name, envId);
    if (!parsed) continue;
    const path = join(destination, ent.name);
    const st = await fsGuard.run(destination, 'destination', () => fsp.stat(path)).catch((e: unknown) => {
      if (e instanceof UnresponsiveError) throw e;
      return undefined;
    });
    if (!st) continue;
    out.push({ path, name: ent.name, kind: parsed.kind, time: parsed.time, size: st.size });
  }
  return out.sort((a, b) => b.time - a.time || (a.name < b.name ? 1 : -1));
}
