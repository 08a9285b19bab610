// The index of a .tar.gz: where each gzip member starts (compressed and in the tar stream) and
// where each entry starts in the tar stream. With it, one file is read by decompressing only the
// members that hold it, and a full restore can inflate members in parallel. It lives beside the
// archive as `<archive>.idx` (JSON, private), is written by the backup, and is rebuilt by one
// sequential pass for an archive that has none (an older backup, GNU tar's own archives).
// The archive itself stays a plain .tar.gz; the index is a cache that is checked before use.
import { createHash } from 'node:crypto';
import { constants, promises as fsp } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { createInflateRaw, crc32 } from 'node:zlib';
import { fsGuard, UnresponsiveError } from '../../fsguard';
import { errCode, errorText, throwIfAborted } from '../../util/errors';
import { indexPathOf } from './naming';
import { TarReader, type TarEntry } from './tarReader';

export const INDEX_VERSION = 1;
const TAIL_BYTES = 4096;

/** One guarded file-system call (see onArchive). */
type Io = <T>(fn: () => Promise<T>) => Promise<T>;
const READ_BYTES = 1024 * 1024;

export interface IndexData {
  /** Compressed offset (`c`) and tar-stream offset (`u`) where each gzip member starts. */
  members: { c: number[]; u: number[] };
  entries: TarEntry[];
  /** Bytes of the whole tar stream. */
  tarSize: number;
}

export interface ArchiveIndex extends IndexData {
  archiveSize: number;
  /** SHA-256 of the archive's last bytes: tells a replaced archive of the same size apart. */
  tailHash: string;
  /** Filled on first lookup: normalized path -> entry (the last one of a path wins, as in tar). */
  byPath?: Map<string, TarEntry>;
}

/**
 * Runs one file-system call on the archive's folder (the backup destination) through the
 * stuck-path guard: a read from a hung mount fails with "did not respond" instead of holding a
 * pool thread and the caller (Browse, Compare, a restore) for ever; a destination already known
 * not to answer is refused at once.
 */
export function onArchive<T>(archivePath: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  return fsGuard.run(dirname(archivePath), 'destination', fn, signal);
}

/** Entry path as BackupEntry has it: '/'-separated, no leading './' or '/', no trailing '/'. */
export function normalizeEntryPath(p: string): string {
  return p.split(/[\\/]+/).filter((s) => s !== '' && s !== '.').join('/');
}

async function tailHash(fh: fsp.FileHandle, size: number): Promise<string> {
  const n = Math.min(size, TAIL_BYTES);
  const buf = Buffer.alloc(n);
  if (n) await fh.read(buf, 0, n, size - n);
  return createHash('sha256').update(buf).digest('hex');
}

type JsonEntry = [path: string, type: string, size: number, mode: number, mtime: number, header: number, data: number, linkpath?: string];

interface IndexFile {
  version: number;
  archiveSize: number;
  tailHash: string;
  tarSize: number;
  members: { c: number[]; u: number[] };
  entries: JsonEntry[];
}

function toJson(idx: ArchiveIndex): string {
  const file: IndexFile = {
    version: INDEX_VERSION,
    archiveSize: idx.archiveSize,
    tailHash: idx.tailHash,
    tarSize: idx.tarSize,
    members: idx.members,
    entries: idx.entries.map((e) => {
      const row: JsonEntry = [e.path, e.type, e.size, e.mode, e.mtime, e.headerOffset, e.dataOffset];
      if (e.linkpath !== undefined) row.push(e.linkpath);
      return row;
    }),
  };
  return JSON.stringify(file);
}

function fromJson(text: string): ArchiveIndex | undefined {
  let f: IndexFile;
  try {
    f = JSON.parse(text) as IndexFile;
  } catch {
    return undefined;
  }
  if (f?.version !== INDEX_VERSION || !Array.isArray(f.entries) || !Array.isArray(f.members?.c) || f.members.c.length !== f.members.u?.length) return undefined;
  return {
    archiveSize: f.archiveSize,
    tailHash: f.tailHash,
    tarSize: f.tarSize,
    members: f.members,
    entries: f.entries.map(([path, type, size, mode, mtime, headerOffset, dataOffset, linkpath]) => ({ path, type, size, mode, mtime, headerOffset, dataOffset, linkpath })),
  };
}

/**
 * Writes `<archive>.idx` beside a finished archive: temporary name, 0600 (it lists the names of
 * the backed-up files), fsync, rename. Returns its path.
 */
export async function writeArchiveIndex(archivePath: string, data: IndexData): Promise<string> {
  const fh = await fsp.open(archivePath, 'r');
  let idx: ArchiveIndex;
  try {
    const size = (await fh.stat()).size;
    idx = { ...data, archiveSize: size, tailHash: await tailHash(fh, size) };
  } finally {
    await fh.close();
  }
  const final = indexPathOf(archivePath);
  const temp = join(dirname(final), `.${basename(final)}.${process.pid}.${Math.random().toString(36).slice(2, 8)}.partial`);
  const out = await fsp.open(temp, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600);
  try {
    await out.writeFile(toJson(idx));
    await out.sync();
    await out.close();
    await fsp.rename(temp, final);
  } catch (e) {
    await out.close().catch(() => undefined);
    await fsp.unlink(temp).catch(() => undefined);
    throw e;
  }
  return final;
}

/** The sidecar index when it exists and matches the archive on disk; undefined otherwise. */
export async function readIndexFile(archivePath: string, knownSize?: number): Promise<ArchiveIndex | undefined> {
  let text: string;
  try {
    text = await fsp.readFile(indexPathOf(archivePath), 'utf8');
  } catch (e) {
    if (errCode(e) === 'ENOENT') return undefined;
    throw e;
  }
  const idx = fromJson(text);
  if (!idx || (knownSize !== undefined && knownSize !== idx.archiveSize)) return undefined;
  const fh = await fsp.open(archivePath, 'r');
  try {
    const size = knownSize ?? (await fh.stat()).size;
    if (size !== idx.archiveSize || (await tailHash(fh, size)) !== idx.tailHash) return undefined;
  } finally {
    await fh.close();
  }
  return idx;
}

/** Length of the gzip member header at the start of `b`, or undefined when `b` holds no header. */
function gzipHeaderLength(b: Buffer, at: number): number {
  if (b.length < 10 || b[0] !== 0x1f || b[1] !== 0x8b || b[2] !== 8) throw new Error(`no gzip member at byte ${at}`);
  const flg = b[3];
  let p = 10;
  if (flg & 4) p += 2 + b.readUInt16LE(p); // FEXTRA
  for (const bit of [8, 16]) {
    // FNAME, FCOMMENT: zero-terminated
    if (flg & bit) {
      const z = b.indexOf(0, p);
      if (z < 0) throw new Error(`gzip member header at byte ${at} is too long`);
      p = z + 1;
    }
  }
  if (flg & 2) p += 2; // FHCRC
  if (p > b.length) throw new Error(`gzip member header at byte ${at} is truncated`);
  return p;
}

/**
 * Inflates one raw deflate stream starting at `pos`, feeding the output to `tar`. Returns the
 * compressed bytes it used (zlib reports them; the next member starts 8 trailer bytes later),
 * the CRC-32 and the length of its output.
 */
async function inflateMember(io: Io, fh: fsp.FileHandle, pos: number, fileSize: number, tar: TarReader, signal?: AbortSignal): Promise<{ consumed: number; crc: number; out: number }> {
  const inf = createInflateRaw({ chunkSize: 256 * 1024 });
  let crc = 0;
  let out = 0;
  let failure: unknown;
  inf.on('data', (d: Buffer) => {
    if (failure) return;
    try {
      crc = crc32(d, crc);
      out += d.length;
      tar.write(d);
    } catch (e) {
      failure = e;
    }
  });
  const ended = new Promise<void>((resolve, reject) => {
    inf.once('end', resolve);
    inf.once('error', reject);
  });
  ended.catch(() => undefined);
  let written = 0;
  let p = pos;
  try {
    for (;;) {
      if (signal) throwIfAborted(signal, 'Reading the archive');
      if (p >= fileSize) {
        inf.end();
        await ended;
        break;
      }
      const buf = Buffer.allocUnsafe(Math.min(READ_BYTES, fileSize - p));
      const { bytesRead } = await io(() => fh.read(buf, 0, buf.length, p));
      if (bytesRead === 0) throw new Error('archive shrank while being read');
      const chunk = buf.subarray(0, bytesRead);
      await new Promise<void>((resolve, reject) => inf.write(chunk, (e) => (e ? reject(e) : resolve())));
      written += bytesRead;
      p += bytesRead;
      // zlib stops taking input at the end of the deflate stream: what it did not take is the next member.
      if (inf.bytesWritten < written) {
        inf.end();
        await ended;
        break;
      }
    }
  } finally {
    if (!inf.destroyed) inf.destroy();
  }
  if (failure) throw failure;
  return { consumed: inf.bytesWritten, crc: crc >>> 0, out };
}

/**
 * Builds the index of an archive by reading it once, member by member (every member's CRC and
 * length checked, every tar header's checksum checked).
 */
export async function scanArchive(archivePath: string, signal?: AbortSignal): Promise<ArchiveIndex> {
  const io: Io = (fn) => onArchive(archivePath, fn, signal);
  const fh = await io(() => fsp.open(archivePath, 'r'));
  try {
    const size = (await io(() => fh.stat())).size;
    const members = { c: [] as number[], u: [] as number[] };
    const entries: TarEntry[] = [];
    const tar = new TarReader({ entry: (e) => entries.push(e) });
    const head = Buffer.alloc(64 * 1024);
    let pos = 0;
    while (pos < size) {
      const { bytesRead } = await io(() => fh.read(head, 0, head.length, pos));
      const h = head.subarray(0, bytesRead);
      // Some writers pad the file after the last member (tape blocking): zeros end it.
      if (members.c.length && h.every((b) => b === 0)) break;
      const hlen = gzipHeaderLength(h, pos);
      members.c.push(pos);
      members.u.push(tar.offset);
      const m = await inflateMember(io, fh, pos + hlen, size, tar, signal);
      const trailerAt = pos + hlen + m.consumed;
      const trailer = Buffer.alloc(8);
      if ((await io(() => fh.read(trailer, 0, 8, trailerAt))).bytesRead < 8) throw new Error('archive is truncated (gzip trailer missing)');
      if (trailer.readUInt32LE(0) !== m.crc) throw new Error(`gzip member at byte ${pos} is damaged (CRC mismatch)`);
      if (trailer.readUInt32LE(4) !== m.out % 2 ** 32) throw new Error(`gzip member at byte ${pos} is damaged (length mismatch)`);
      pos = trailerAt + 8;
    }
    if (!members.c.length) throw new Error('archive is empty');
    tar.finish();
    return { members, entries, tarSize: tar.offset, archiveSize: size, tailHash: await io(() => tailHash(fh, size)) };
  } finally {
    await io(() => fh.close()).catch(() => undefined);
  }
}

const CACHE_SIZE = 8;
/** Entries kept in memory over all cached indexes (~100 bytes each): a few huge archives evict the rest. */
const CACHE_ENTRIES = 1_000_000;
const cache = new Map<string, { key: string; index: Promise<ArchiveIndex>; entries?: number }>();

function trimCache(): void {
  let total = 0;
  for (const v of cache.values()) total += v.entries ?? 0;
  for (const [k, v] of cache) {
    if (cache.size <= 1 || (cache.size <= CACHE_SIZE && total <= CACHE_ENTRIES)) break;
    cache.delete(k); // oldest first
    total -= v.entries ?? 0;
  }
}

/** Forgets every cached index (tests and benchmarks measure a cold start with it). */
export function clearArchiveIndexCache(): void {
  cache.clear();
}

/** Builds the index again from the archive (a read found the cached or stored one stale). */
export async function rebuildArchiveIndex(archivePath: string, signal?: AbortSignal): Promise<ArchiveIndex> {
  cache.delete(archivePath);
  return archiveIndex(archivePath, signal, undefined, true);
}

/**
 * The index of an archive: from memory, else from its sidecar, else rebuilt by reading the
 * archive once (then written as its sidecar when the folder allows, and kept in memory).
 */
export async function archiveIndex(archivePath: string, signal?: AbortSignal, onRebuild?: (why: string) => void, ignoreSidecar = false): Promise<ArchiveIndex> {
  let st;
  try {
    st = await onArchive(archivePath, () => fsp.stat(archivePath), signal);
  } catch (e) {
    if (e instanceof UnresponsiveError || signal?.aborted) throw e;
    throw new Error(`Cannot read archive ${archivePath}: ${errorText(e)}`);
  }
  const key = `${st.size}:${st.mtimeMs}:${st.ino}`;
  const hit = cache.get(archivePath);
  if (hit && hit.key === key) {
    cache.delete(archivePath);
    cache.set(archivePath, hit); // most recently used last
    return hit.index;
  }
  const index = (async () => {
    const fromFile = ignoreSidecar ? undefined : await onArchive(archivePath, () => readIndexFile(archivePath, st.size), signal).catch((e: unknown) => {
      if (e instanceof UnresponsiveError) throw e;
      return undefined;
    });
    if (fromFile) return fromFile;
    onRebuild?.(`no valid index beside ${basename(archivePath)}: reading the archive once to build it`);
    let built: ArchiveIndex;
    try {
      built = await scanArchive(archivePath, signal);
    } catch (e) {
      if (signal?.aborted || e instanceof UnresponsiveError) throw e;
      throw new Error(`Archive ${archivePath} is damaged: ${errorText(e)}`);
    }
    // A read-only destination still works, from memory.
    await onArchive(archivePath, () => writeArchiveIndex(archivePath, built), signal).catch(() => undefined);
    return built;
  })();
  const slot: { key: string; index: Promise<ArchiveIndex>; entries?: number } = { key, index };
  cache.set(archivePath, slot);
  trimCache();
  index.then(
    (i) => {
      slot.entries = i.entries.length;
      trimCache();
    },
    () => {
      if (cache.get(archivePath) === slot) cache.delete(archivePath);
    },
  );
  return index;
}

/** Index of the member holding tar offset `u` (the last member starting at or before it). */
export function memberAt(idx: IndexData, u: number): number {
  const us = idx.members.u;
  let lo = 0;
  let hi = us.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (us[mid] <= u) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

export function entryByPath(idx: ArchiveIndex, path: string): TarEntry | undefined {
  if (!idx.byPath) {
    idx.byPath = new Map();
    for (const e of idx.entries) idx.byPath.set(normalizeEntryPath(e.path), e);
  }
  return idx.byPath.get(normalizeEntryPath(path));
}
