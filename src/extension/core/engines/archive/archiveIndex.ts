// The index of a .tar.gz: where each gzip member starts (compressed and in the tar stream) and
// where each entry starts in the tar stream. With it, one file is read by decompressing only the
// members that hold it, and a full restore can inflate members in parallel. It lives beside the
// archive as `<archive>.idx` (JSON, private), is written by the backup, and is rebuilt by one
// sequential pass for an archive that has none (an older backup, GNU tar's own archives).
// The archive itself stays a plain .tar.gz; the index is a cache that is checked before use:
// - against the history: the backup records the index's SHA-256 (and the archive's) beside the
//   archive's, and a sidecar that is not the recorded one is not used (it is rebuilt);
// - against the archive: its size and a hash of its last 4 KiB (an archive replaced in place);
// - for sense: offsets inside the archive and the tar stream, in order (validIndex);
// and what is read through it is checked again (each entry's own tar header, each member's size),
// so a wrong or hostile index can make a read fail, never make it return other bytes or allocate
// what the index claims. A full restore does not use its offsets at all: it reads from byte 0.
import { createHash } from 'node:crypto';
import { constants, promises as fsp } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { createInflateRaw, crc32 } from 'node:zlib';
import { fsGuard, UnresponsiveError } from '../../fsguard';
import { errCode, errorText, throwIfAborted } from '../../util/errors';
import { lastAtOrBefore } from '../../util/sortedSearch';
import { indexPathOf } from './naming';
import { TarReader, type TarEntry } from './tarReader';

export const INDEX_VERSION = 1;
export const TAIL_BYTES = 4096;

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
  /** SHA-256 of the whole archive, as the backup that wrote both computed it (absent when rebuilt). */
  archiveSha256?: string;
  /** SHA-256 of the sidecar's text when the index was read from one (absent when rebuilt). */
  sidecarSha256?: string;
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
  // Most paths are normal already (a folder's only with its trailing '/'): a restore asks this
  // of every entry several times, and splitting each one cost a restore's worker ~10 ms.
  const q = p.endsWith('/') ? p.slice(0, -1) : p;
  if (!NOT_NORMAL.test(q)) return q;
  return p.split(/[\\/]+/).filter((s) => s !== '' && s !== '.').join('/');
}

/** A backslash, an empty or '.' segment, a leading or trailing '/': what the split above removes. */
const NOT_NORMAL = /\\|\/\/|(?:^|\/)\.(?:\/|$)|^\/|\/$|^$/;

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
  archiveSha256?: string;
  tailHash: string;
  tarSize: number;
  members: { c: number[]; u: number[] };
  entries: JsonEntry[];
}

function toJson(idx: ArchiveIndex): string {
  const file: IndexFile = {
    version: INDEX_VERSION,
    archiveSize: idx.archiveSize,
    archiveSha256: idx.archiveSha256,
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
  if (!f.entries.every((e) => Array.isArray(e) && typeof e[0] === 'string' && typeof e[1] === 'string')) return undefined;
  const idx: ArchiveIndex = {
    archiveSize: f.archiveSize,
    archiveSha256: typeof f.archiveSha256 === 'string' ? f.archiveSha256 : undefined,
    tailHash: f.tailHash,
    tarSize: f.tarSize,
    members: f.members,
    entries: f.entries.map(([path, type, size, mode, mtime, headerOffset, dataOffset, linkpath]) => ({ path, type, size, mode, mtime, headerOffset, dataOffset, linkpath })),
  };
  return validIndex(idx) ? idx : undefined;
}

/** Deflate inflates at most about 1032:1; a tar stream larger than that is not this archive's. */
const MAX_RATIO = 1032;
/** The headers of one entry (pax, GNU long name, then its own) take far less than this. */
const MAX_HEADER_BYTES = 1024 * 1024;

const isOffset = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;

/**
 * Whether an index read from a file makes sense for an archive of its size: members start at
 * byte 0 of the archive and of the tar stream and go up; every entry lies inside the tar stream,
 * in order, with its headers right before its data. Nothing else is trusted to be true.
 */
export function validIndex(idx: ArchiveIndex): boolean {
  const { c, u } = idx.members;
  if (!isOffset(idx.archiveSize) || !isOffset(idx.tarSize) || typeof idx.tailHash !== 'string') return false;
  if (idx.tarSize > idx.archiveSize * MAX_RATIO + MAX_HEADER_BYTES) return false;
  if (!c.length || c[0] !== 0 || u[0] !== 0) return false;
  for (let i = 0; i < c.length; i++) {
    if (!isOffset(c[i]) || !isOffset(u[i]) || c[i] >= idx.archiveSize || u[i] > idx.tarSize) return false;
    if (i > 0 && (c[i] <= c[i - 1] || u[i] < u[i - 1])) return false;
  }
  let prevEnd = 0;
  for (const e of idx.entries) {
    if (!isOffset(e.headerOffset) || !isOffset(e.dataOffset) || !isOffset(e.size) || !Number.isFinite(e.mode) || !Number.isFinite(e.mtime)) return false;
    if (e.headerOffset < prevEnd || e.dataOffset <= e.headerOffset || e.dataOffset - e.headerOffset > MAX_HEADER_BYTES) return false;
    if (e.dataOffset + e.size > idx.tarSize) return false;
    prevEnd = e.dataOffset + e.size;
  }
  return true;
}

/** What the history recorded for an archive: its SHA-256 and its index's (when the backup wrote one). */
export interface RecordedArchive {
  sha256?: string;
  indexSha256?: string;
}

/** Whether an index read from a sidecar is the one the backup recorded (true when nothing was recorded). */
export function matchesRecord(idx: ArchiveIndex, recorded: RecordedArchive | undefined): boolean {
  if (idx.sidecarSha256 === undefined || !recorded) return true; // rebuilt from the archive itself
  if (recorded.indexSha256 && idx.sidecarSha256 !== recorded.indexSha256) return false;
  if (recorded.sha256 && idx.archiveSha256 && idx.archiveSha256 !== recorded.sha256) return false;
  return true;
}

const sha256Of = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * Writes `<archive>.idx` beside a finished archive: temporary name, 0600 (it lists the names of
 * the backed-up files), rename. Returns its path and its SHA-256 (the backup records it).
 * `written`: the archive's size and last bytes as its writer produced them, so the archive is
 * not opened again. No fsync: the index is a cache, checked against the archive's size and tail
 * and against the hash its backup recorded, so one that a crash left empty or short is rebuilt
 * from the archive (archiveIndex); two fewer thread-pool round trips per backup, each a wait
 * behind whatever else the pool runs.
 */
export async function writeArchiveIndex(archivePath: string, data: IndexData, archiveSha256?: string, written?: { size: number; tail: Buffer }): Promise<{ path: string; sha256: string }> {
  let size: number;
  let tail: string;
  if (written) {
    size = written.size;
    tail = createHash('sha256').update(written.tail.subarray(Math.max(0, written.tail.length - Math.min(size, TAIL_BYTES)))).digest('hex');
  } else {
    const fh = await fsp.open(archivePath, 'r');
    try {
      size = (await fh.stat()).size;
      tail = await tailHash(fh, size);
    } finally {
      await fh.close();
    }
  }
  const idx: ArchiveIndex = { members: data.members, entries: data.entries, tarSize: data.tarSize, archiveSize: size, archiveSha256, tailHash: tail };
  const text = toJson(idx);
  const final = indexPathOf(archivePath);
  const temp = join(dirname(final), `.${basename(final)}.${process.pid}.${Math.random().toString(36).slice(2, 8)}.partial`);
  try {
    await fsp.writeFile(temp, text, { flag: constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, mode: 0o600 });
    await fsp.rename(temp, final);
  } catch (e) {
    await fsp.unlink(temp).catch(() => undefined);
    throw e;
  }
  return { path: final, sha256: sha256Of(text) };
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
  idx.sidecarSha256 = sha256Of(text);
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
  return loadIndex(archivePath, signal, undefined, true);
}

/**
 * The index of an archive: from memory, else from its sidecar, else rebuilt by reading the
 * archive once (then written as its sidecar when the folder allows, and kept in memory). With
 * what the history recorded for the archive, a sidecar that is not the recorded one is rebuilt.
 */
export async function archiveIndex(archivePath: string, signal?: AbortSignal, onRebuild?: (why: string) => void, ignoreSidecar = false, recorded?: RecordedArchive): Promise<ArchiveIndex> {
  const idx = await loadIndex(archivePath, signal, onRebuild, ignoreSidecar);
  if (matchesRecord(idx, recorded)) return idx;
  onRebuild?.(`the index beside ${basename(archivePath)} is not the one its backup recorded: reading the archive once to rebuild it`);
  cache.delete(archivePath);
  return loadIndex(archivePath, signal, undefined, true);
}

async function loadIndex(archivePath: string, signal: AbortSignal | undefined, onRebuild: ((why: string) => void) | undefined, ignoreSidecar: boolean): Promise<ArchiveIndex> {
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
  return lastAtOrBefore(idx.members.u, u);
}

export function entryByPath(idx: ArchiveIndex, path: string): TarEntry | undefined {
  if (!idx.byPath) {
    idx.byPath = new Map();
    for (const e of idx.entries) idx.byPath.set(normalizeEntryPath(e.path), e);
  }
  return idx.byPath.get(normalizeEntryPath(path));
}
