// Where a file of a backup lives as a `backup:` URI path: /<envId>/<backupId, URI-encoded>/<path>.
// The path alone says everything (no query, no state), so an editor restored after a reload, a
// workspace folder of a backup and a diff all resolve it again by themselves. The backup id is
// one encoded segment because it is usually an absolute path of its own (an archive file).
import { RESOLVED_ID_PATTERN } from '../environments/ids';

export const BACKUP_SCHEME = 'backup';

export interface BackupLocation {
  envId: string;
  backupId: string;
  /** Relative to the backup's root, '/'-separated, no leading '/'; '' is the root itself. */
  path: string;
}


export function backupUriPath(loc: BackupLocation): string {
  const rel = normalizeEntryPath(loc.path);
  return `/${loc.envId}/${encodeURIComponent(loc.backupId)}${rel ? `/${rel}` : ''}`;
}

/** Throws an Error naming what is wrong with a path that no backup URI has. */
export function parseBackupUriPath(uriPath: string): BackupLocation {
  const parts = uriPath.split('/');
  if (parts[0] !== '' || parts.length < 3) throw new Error(`not a backup path: "${uriPath}" (expected /<environment>/<backup>/<file>)`);
  const [, envId, encoded, ...rest] = parts;
  if (!RESOLVED_ID_PATTERN.test(envId)) throw new Error(`not a backup path: "${uriPath}" (bad environment id "${envId}")`);
  let backupId: string;
  try {
    backupId = decodeURIComponent(encoded);
  } catch {
    throw new Error(`not a backup path: "${uriPath}" (the backup segment is not URI-encoded)`);
  }
  if (!backupId) throw new Error(`not a backup path: "${uriPath}" (no backup)`);
  return { envId, backupId, path: normalizeEntryPath(rest.join('/')) };
}

/** "./a//b/" -> "a/b". Refuses '..' so no URI names anything outside its backup. */
export function normalizeEntryPath(p: string): string {
  const segs = p.split('/').filter((s) => s !== '' && s !== '.');
  if (segs.includes('..')) throw new Error(`"${p}": '..' is not allowed in a backup path`);
  return segs.join('/');
}

export function entryName(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

export function parentEntry(p: string): string {
  const i = p.lastIndexOf('/');
  return i < 0 ? '' : p.slice(0, i);
}
