/// <reference path="./tarModules.d.ts" />
// Writes a tar stream as a .tar.gz made of several gzip members compressed in parallel.
// The tar bytes are cut into fixed-size chunks; each chunk is gzipped on its own in one of the
// process's low-priority compression threads (gzipPool.ts) while the next one is filled, and
// members are written in order. Concatenated gzip members are one valid gzip file (RFC 1952
// section 2.2): GNU tar, gunzip and Node's zlib read them as a single stream. SHA-256 and size are
// taken over the bytes written.
import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { gzipSync } from 'node:zlib';
import { Header } from 'tar/header';
import { Pax } from 'tar/pax';
import { TAIL_BYTES, type IndexData } from './archiveIndex';
import { gzipPool } from './gzipPool';
import type { TarEntry } from './tarReader';
import { plainUstar, type PlainHeader } from './ustarHeader';

/**
 * A member this small (a small folder's whole archive, or the end of any archive) is compressed
 * on the calling thread: that takes well under a millisecond, where a trip to a compression
 * thread waits behind whatever else it runs (another backup's 1 MB members).
 */
const SYNC_MEMBER_BYTES = 32 * 1024;

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
  /**
   * Store chunks that do not compress instead of deflating them (default true). Random, encrypted
   * or already compressed data would otherwise spend most of a backup's CPU on deflate at level 6
   * to end up as stored blocks anyway; the probe costs ordinary data one 16 KB level-1 deflate.
   */
  skipIncompressible?: boolean;
}

export class TarGzWriter {
  private chunk: Buffer;
  private pos = 0;
  private readonly pending: { output: Promise<Buffer>; tarStart: number }[] = [];
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
    this.chunk = Buffer.allocUnsafeSlow(this.chunkSize);
  }

  /**
   * Compresses the chunk's first `length` bytes as one member. The chunk is moved to a compression
   * thread and, once back, joins the free list.
   */
  private async compress(chunk: Buffer, length: number): Promise<Buffer> {
    if (length <= SYNC_MEMBER_BYTES) {
      const member = gzipSync(chunk.subarray(0, length), { level: this.level });
      this.free.push(chunk);
      return member;
    }
    const r = await gzipPool().gzip(chunk, length, this.level, this.skipIncompressible);
    this.free.push(r.input);
    if (r.stored) this.storedMembers++;
    return r.member;
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
    const tarStart = this.tarBytes;
    this.tarBytes += this.pos;
    const output = this.compress(this.chunk, this.pos);
    this.members++;
    output.catch(() => undefined); // observed in drainOne; avoids an unhandled rejection meanwhile
    this.pending.push({ output, tarStart });
    this.chunk = this.free.pop() ?? Buffer.allocUnsafeSlow(this.chunkSize);
    this.pos = 0;
    // One more than the cores keeps every thread busy while the main thread writes a member.
    while (this.pending.length > this.parallel) await this.drainOne();
  }

  private async drainOne(): Promise<void> {
    const { output, tarStart } = this.pending.shift()!;
    try {
      const member = await output;
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
