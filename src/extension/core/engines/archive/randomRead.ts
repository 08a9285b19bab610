// Reading inside an archive without extracting it: the list of its entries, and one file's
// content by inflating only the gzip members that hold it (the archive index says which).
import { open } from 'node:fs/promises';
import type { BackupEntry, BackupEntryType } from '../types';
import { archiveIndex, entryByPath, onArchive, rebuildArchiveIndex, normalizeEntryPath, type ArchiveIndex, type RecordedArchive } from './archiveIndex';
import { IndexMismatchError, inflateRange } from './gzipRange';
import { UnresponsiveError } from '../../fsguard';
import { CancelledError, errorText } from '../../util/errors';
import { FILE_TYPES, TarFormatError, TarReader, type TarEntry } from './tarReader';

/** A path that is not in the archive, or not a file: `code` is ENOENT or EISDIR. */
export class ArchiveEntryError extends Error {
  constructor(message: string, readonly code: 'ENOENT' | 'EISDIR' | 'ELOOP') {
    super(message);
  }
}

function entryType(t: string): BackupEntryType {
  if (FILE_TYPES.has(t) || t === 'Link') return 'file';
  if (t === 'Directory') return 'dir';
  if (t === 'SymbolicLink') return 'symlink';
  return 'other';
}

/** Every entry of a folder archive, as the engine interface lists them (the last of a path wins). */
export async function listArchiveEntries(archivePath: string, signal?: AbortSignal, recorded?: RecordedArchive): Promise<BackupEntry[]> {
  const idx = await archiveIndex(archivePath, signal, undefined, false, recorded);
  const out = new Map<string, BackupEntry>();
  for (const e of idx.entries) {
    const path = normalizeEntryPath(e.path);
    if (path === '') continue;
    const type = entryType(e.type);
    // A hard link has no data of its own: it reads as (and has the size of) the file it names.
    const size = e.type === 'Link' ? (entryByPath(idx, e.linkpath ?? '')?.size ?? 0) : e.size;
    const be: BackupEntry = { path, type, size, mtime: e.mtime, mode: e.mode };
    if (e.type === 'SymbolicLink') be.linkTarget = e.linkpath;
    out.delete(path);
    out.set(path, be);
  }
  return [...out.values()];
}

/** Stops reading a range early: the entry is complete, or it is not the one the index named. */
class Enough extends Error {}

/**
 * Reads one entry's data at the index's offsets, inflating only the members that hold it;
 * undefined when the bytes there are not that entry. Its own tar header is read first, and
 * memory for the data is taken only once that header confirms the entry (path and size): an
 * index cannot make a read allocate what it claims, only what the archive holds.
 */
async function readEntryData(archivePath: string, idx: ArchiveIndex, e: TarEntry, signal?: AbortSignal): Promise<Uint8Array | undefined> {
  let data: Buffer | undefined;
  let filled = 0;
  let wrong = false;
  const tar = new TarReader({
    entry: (x) => {
      if (data || normalizeEntryPath(x.path) !== normalizeEntryPath(e.path) || x.size !== e.size || x.dataOffset !== e.dataOffset) {
        wrong = !data;
        throw new Enough();
      }
      data = Buffer.allocUnsafe(x.size);
      if (x.size === 0) throw new Enough();
    },
    data: (chunk) => {
      if (!data) return;
      filled += chunk.copy(data, filled);
      if (filled === data.length) throw new Enough();
    },
  }, e.headerOffset);
  // Every call through the stuck-path guard: a hung destination fails the read, never hangs it.
  const fh = await onArchive(archivePath, () => open(archivePath, 'r'), signal);
  try {
    const readAt = async (buf: Buffer, off: number, len: number, pos: number) => (await onArchive(archivePath, () => fh.read(buf, off, len, pos), signal)).bytesRead;
    const check = () => {
      if (signal?.aborted) throw new CancelledError('Reading from the archive');
    };
    // Two members at once: enough for a file that spans a few, and the pool is shared with VS Code.
    await inflateRange(archivePath, idx, e.headerOffset, e.dataOffset + e.size, (b) => tar.write(b), { readAt, parallel: 2, check });
  } catch (err) {
    if (err instanceof IndexMismatchError || err instanceof TarFormatError) return undefined;
    if (!(err instanceof Enough)) throw err;
  } finally {
    await onArchive(archivePath, () => fh.close()).catch(() => undefined);
  }
  if (wrong || !data || filled !== data.length) return undefined;
  return data;
}

function resolveLink(fromPath: string, target: string): string | undefined {
  const base = target.startsWith('/') ? [] : normalizeEntryPath(fromPath).split('/').slice(0, -1);
  for (const part of target.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (!base.length) return undefined;
      base.pop();
    } else base.push(part);
  }
  return target.startsWith('/') ? undefined : base.join('/');
}

/**
 * The content of one file of a folder archive. Inflates only the members holding it (about
 * 1 MiB of tar data each for our archives), so a file from the middle of a large archive costs
 * milliseconds. Follows hard links and symbolic links that stay inside the archive.
 */
export async function readArchiveFile(archivePath: string, path: string, signal?: AbortSignal, recorded?: RecordedArchive): Promise<Uint8Array> {
  for (let attempt = 0; ; attempt++) {
    const idx = await archiveIndex(archivePath, signal, undefined, false, recorded);
    let want = normalizeEntryPath(path);
    let e = entryByPath(idx, want);
    for (let hops = 0; e && (e.type === 'Link' || e.type === 'SymbolicLink'); hops++) {
      if (hops > 16) throw new ArchiveEntryError(`${path}: too many links in ${archivePath}`, 'ELOOP');
      const next = e.type === 'Link' ? normalizeEntryPath(e.linkpath ?? '') : resolveLink(want, e.linkpath ?? '');
      if (next === undefined) throw new ArchiveEntryError(`${path} is a link to ${e.linkpath}, outside the backup`, 'ENOENT');
      want = next;
      e = entryByPath(idx, want);
    }
    if (!e) throw new ArchiveEntryError(`${path} is not in ${archivePath}`, 'ENOENT');
    if (e.type === 'Directory') throw new ArchiveEntryError(`${path} is a folder, not a file, in ${archivePath}`, 'EISDIR');
    if (!FILE_TYPES.has(e.type)) throw new ArchiveEntryError(`${path} is not a file (${e.type}) in ${archivePath}`, 'ENOENT');
    let data: Uint8Array | undefined;
    try {
      data = await readEntryData(archivePath, idx, e, signal);
    } catch (err) {
      if (signal?.aborted || err instanceof UnresponsiveError) throw err;
      throw new Error(`Cannot read ${path} from ${archivePath}: ${errorText(err)}`);
    }
    if (data) return data;
    // The index does not describe this archive (replaced in place?): rebuild it once.
    if (attempt > 0) throw new Error(`Cannot read ${path} from ${archivePath}: the archive's index does not match it`);
    await rebuildArchiveIndex(archivePath, signal);
  }
}
