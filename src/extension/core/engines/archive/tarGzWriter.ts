/// <reference path="./tarModules.d.ts" />
// Writes a tar stream as a .tar.gz made of several gzip members compressed in parallel.
// The tar bytes are cut into fixed-size chunks; each chunk is gzipped on its own in libuv's thread
// pool (zlib's async API) while the next one is filled, and members are written in order.
// Concatenated gzip members are one valid gzip file (RFC 1952 section 2.2): GNU tar, gunzip and
// Node's zlib read them as a single stream. SHA-256 and size are taken over the bytes written.
import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { promisify } from 'node:util';
import { deflateRaw as deflateRawCb, gzip as gzipCb, gzipSync, type ZlibOptions } from 'node:zlib';
import { Header } from 'tar/header';
import { Pax } from 'tar/pax';
import { TAIL_BYTES, type IndexData } from './archiveIndex';
import type { TarEntry } from './tarReader';
import { plainUstar, type PlainHeader } from './ustarHeader';

const gzip = promisify<Buffer, ZlibOptions, Buffer>(gzipCb);
const deflateRaw = promisify<Buffer, ZlibOptions, Buffer>(deflateRawCb);

/**
 * A member this small (a small folder's whole archive, or the end of any archive) is compressed
 * on the calling thread: that takes well under a millisecond, where a trip through the thread
 * pool waits behind whatever else it runs (another backup's 1 MB members, fsyncs).
 */
const SYNC_MEMBER_BYTES = 32 * 1024;

const PROBE_SAMPLES = 3;
const PROBE_BYTES = 16 * 1024;

/**
 * True when samples of the chunk do not shrink under fast deflate: random, encrypted or already
 * compressed data. Such a chunk is stored (level 0): deflate at level 6 would spend most of the
 * CPU of a backup on it to end up emitting stored blocks anyway. The first compressible sample
 * ends the probe, so ordinary data pays for one 16 KB level-1 deflate per chunk.
 */
async function incompressible(data: Buffer): Promise<boolean> {
  if (data.length < PROBE_SAMPLES * PROBE_BYTES * 4) return false;
  const step = Math.floor((data.length - PROBE_BYTES) / (PROBE_SAMPLES - 1));
  for (let i = 0; i < PROBE_SAMPLES; i++) {
    const z = await deflateRaw(data.subarray(i * step, i * step + PROBE_BYTES), { level: 1 });
    if (z.length < PROBE_BYTES * 0.95) return false;
  }
  return true;
}

export const BLOCK = 512;
/** Past this many entries the writer stops keeping its index in memory (it is rebuilt on demand). */
const MAX_INDEXED_ENTRIES = 2_000_000;

export interface Sink {
  write(buf: Buffer): Promise<void>;
}

export interface TarGzOptions {
  level: number;
  /** Bytes of tar data per gzip member. */
  chunkSize?: number;
  /** Members being compressed at once; defaults to the number of cores. */
  parallel?: number;
  /** Store chunks that do not compress instead of deflating them (default true). */
  skipIncompressible?: boolean;
}

export class TarGzWriter {
  private chunk: Buffer;
  private pos = 0;
  private readonly pending: { input: Buffer; output: Promise<Buffer>; tarStart: number }[] = [];
  /** The archive index: where each member and each entry starts. */
  private readonly memberStarts = { c: [] as number[], u: [] as number[] };
  private entries: TarEntry[] | undefined = [];
  /** Chunk buffers whose compression finished, reused so memory stays flat without waiting for GC. */
  private readonly free: Buffer[] = [];
  private readonly hash = createHash('sha256');
  /** The header block being written (put() copies it into the chunk). */
  private readonly block = Buffer.alloc(BLOCK);
  private readonly chunkSize: number;
  private readonly parallel: number;
  private readonly level: number;
  private readonly skipIncompressible: boolean;
  private failed: unknown;
  /** Members stored without compression because their data did not compress. */
  storedMembers = 0;
  members = 0;
  /** Compressed bytes written so far. */
  written = 0;
  /** Uncompressed tar bytes produced so far. */
  tarBytes = 0;
  /** The last bytes written (up to the index's TAIL_BYTES): the index hashes them without reading the archive back. */
  private lastBytes = Buffer.alloc(0);

  constructor(private readonly sink: Sink, opts: TarGzOptions) {
    this.level = opts.level;
    this.chunkSize = opts.chunkSize ?? 1024 * 1024;
    this.parallel = Math.max(1, opts.parallel ?? availableParallelism());
    this.skipIncompressible = opts.skipIncompressible ?? true;
    this.chunk = Buffer.allocUnsafe(this.chunkSize);
  }

  private async compress(data: Buffer): Promise<Buffer> {
    // zlib's default 16 KB output buffer makes the thread pool hand back to the main thread
    // every 16 KB; 1 MB makes that a few round trips per member, without large idle buffers.
    const chunkSize = 1024 * 1024;
    if (data.length <= SYNC_MEMBER_BYTES) return gzipSync(data, { level: this.level });
    if (this.level > 0 && this.skipIncompressible && (await incompressible(data))) {
      this.storedMembers++;
      return gzip(data, { level: 0, chunkSize });
    }
    return gzip(data, { level: this.level, chunkSize });
  }

  /** Writes the header block(s) for one entry: a pax header first when ustar cannot hold a field. */
  async header(data: PlainHeader): Promise<void> {
    const headerOffset = this.tarBytes + this.pos;
    let pax = false;
    if (plainUstar(this.block, data)) await this.put(this.block);
    else {
      const h = new Header(data);
      pax = h.encode();
      if (pax) {
        await this.put(new Pax({ path: data.path, linkpath: data.linkpath, size: data.size, mtime: data.mtime }).encode());
      }
      await this.put(h.block!);
    }
    if (this.entries && this.entries.length >= MAX_INDEXED_ENTRIES) this.entries = undefined;
    this.entries?.push({
      path: data.path,
      type: data.type,
      size: data.type === 'File' ? data.size : 0,
      mode: data.mode & 0o7777,
      // What a reader decodes: whole seconds in the ustar header, decimal seconds in a pax header.
      mtime: !data.mtime ? 0 : pax ? new Date((data.mtime.getTime() / 1000) * 1000).getTime() : Math.floor(data.mtime.getTime() / 1000) * 1000,
      linkpath: data.linkpath || undefined,
      headerOffset,
      dataOffset: this.tarBytes + this.pos,
    });
  }

  /** After finish(): the archive's size and its last bytes, for the index. */
  get writtenTail(): { size: number; tail: Buffer } {
    return { size: this.written, tail: this.lastBytes };
  }

  /** After finish(): the index of what was written, or undefined when it grew too large to keep. */
  indexData(): IndexData | undefined {
    if (!this.entries) return undefined;
    return { members: this.memberStarts, entries: this.entries, tarSize: this.tarBytes };
  }

  async put(buf: Buffer): Promise<void> {
    let off = 0;
    while (off < buf.length) {
      const n = Math.min(buf.length - off, this.chunkSize - this.pos);
      buf.copy(this.chunk, this.pos, off, off + n);
      this.pos += n;
      off += n;
      if (this.pos === this.chunkSize) await this.submit();
    }
  }

  /**
   * Lets `read` fill the current chunk directly (no copy): it gets a buffer, offset and maximum
   * length and returns how many bytes it wrote (0 = no more data).
   */
  async fill(length: number, read: (buf: Buffer, off: number, len: number) => Promise<number>): Promise<number> {
    let done = 0;
    while (done < length) {
      const n = await read(this.chunk, this.pos, Math.min(length - done, this.chunkSize - this.pos));
      if (n <= 0) break;
      this.pos += n;
      done += n;
      if (this.pos === this.chunkSize) await this.submit();
    }
    return done;
  }

  /** Zero bytes: the padding to a block boundary, or the rest of a file that shrank while read. */
  async zeros(n: number): Promise<void> {
    while (n > 0) {
      const k = Math.min(n, this.chunkSize - this.pos);
      this.chunk.fill(0, this.pos, this.pos + k);
      this.pos += k;
      n -= k;
      if (this.pos === this.chunkSize) await this.submit();
    }
  }

  async padToBlock(dataSize: number): Promise<void> {
    const rem = dataSize % BLOCK;
    if (rem) await this.zeros(BLOCK - rem);
  }

  /** Ends the archive (two zero blocks), writes every member, returns size and SHA-256. */
  async finish(): Promise<{ size: number; sha256: string }> {
    await this.zeros(2 * BLOCK);
    await this.submit();
    while (this.pending.length) await this.drainOne();
    return { size: this.written, sha256: this.hash.digest('hex') };
  }

  /** Waits for every member in flight (so no compression outlives a failed task). */
  async abandon(): Promise<void> {
    await Promise.allSettled(this.pending.splice(0).map((p) => p.output));
  }

  private async submit(): Promise<void> {
    if (this.failed) throw this.failed;
    if (this.pos === 0) return;
    const input = this.chunk;
    const tarStart = this.tarBytes;
    this.tarBytes += this.pos;
    const output = this.compress(input.subarray(0, this.pos));
    this.members++;
    output.catch(() => undefined); // observed in drainOne; avoids an unhandled rejection meanwhile
    this.pending.push({ input, output, tarStart });
    this.chunk = this.free.pop() ?? Buffer.allocUnsafe(this.chunkSize);
    this.pos = 0;
    // One more than the cores keeps every thread busy while the main thread writes a member.
    while (this.pending.length > this.parallel) await this.drainOne();
  }

  private async drainOne(): Promise<void> {
    const { input, output, tarStart } = this.pending.shift()!;
    try {
      const member = await output;
      this.free.push(input);
      this.memberStarts.c.push(this.written);
      this.memberStarts.u.push(tarStart);
      this.hash.update(member);
      await this.sink.write(member);
      this.written += member.length;
      this.lastBytes = member.length >= TAIL_BYTES ? Buffer.from(member.subarray(member.length - TAIL_BYTES)) : Buffer.concat([this.lastBytes, member]).subarray(-TAIL_BYTES);
    } catch (e) {
      this.failed = e;
      throw e;
    }
  }
}
