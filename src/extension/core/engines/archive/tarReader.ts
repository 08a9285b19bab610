/// <reference path="./tarModules.d.ts" />
// An incremental, synchronous tar parser that knows where every entry starts in the tar stream.
// node-tar's Parser hides offsets, and the archive index, random reads and the restore worker all
// need them. Header blocks are decoded by node-tar's Header (checksums, base-256 numbers, ustar
// prefix) and pax bodies by its Pax; GNU long names ('L'/'K') are handled here.
import { Header, type HeaderData } from 'tar/header';
import { Pax } from 'tar/pax';

export const BLOCK = 512;

/** Types whose header describes a file-system object (as opposed to metadata for the next one). */
export type TarEntryType = 'File' | 'OldFile' | 'ContiguousFile' | 'Directory' | 'SymbolicLink' | 'Link' | 'CharacterDevice' | 'BlockDevice' | 'FIFO' | string;

export interface TarEntry {
  path: string;
  type: TarEntryType;
  size: number;
  mode: number;
  /** epoch ms */
  mtime: number;
  linkpath?: string;
  /** Offset in the tar stream of this entry's first block (its pax / long-name header when it has one). */
  headerOffset: number;
  /** Offset in the tar stream of its data. */
  dataOffset: number;
}

export interface TarSink {
  entry(e: TarEntry): void;
  /** The entry's data, in order; `chunk` may be a view into a reused buffer: copy what you keep. */
  data?(chunk: Buffer): void;
  entryEnd?(e: TarEntry): void;
}

const META_TYPES = new Set(['ExtendedHeader', 'GlobalExtendedHeader', 'NextFileHasLongPath', 'NextFileHasLongLinkpath', 'OldGnuLongPath']);
/** A pax or long-name body larger than this is not a name: refuse instead of buffering it. */
const MAX_META = 1024 * 1024;

export const FILE_TYPES = new Set(['File', 'OldFile', 'ContiguousFile']);

export class TarFormatError extends Error {}

export class TarReader {
  /** Offset in the tar stream of the next byte write() receives. */
  offset = 0;
  /** True once the end-of-archive (zero) block was read. */
  ended = false;
  private readonly block = Buffer.alloc(BLOCK);
  private blockFill = 0;
  private state: 'header' | 'data' | 'pad' | 'meta' | 'end' = 'header';
  private remaining = 0;
  private current?: TarEntry;
  private meta?: { type: string; chunks: Buffer[]; size: number; start: number };
  private ex?: HeaderData;
  private gex?: HeaderData;
  private metaStart?: number;
  /** Bytes the current entry occupies in the stream (its size field, whatever its type). */
  private stored = 0;

  constructor(private readonly sink: TarSink, startOffset = 0) {
    this.offset = startOffset;
  }

  write(buf: Buffer): void {
    let i = 0;
    while (i < buf.length) {
      if (this.state === 'end') {
        this.offset += buf.length - i;
        return;
      }
      if (this.state === 'header') {
        const n = Math.min(BLOCK - this.blockFill, buf.length - i);
        if (n === BLOCK) {
          this.onHeader(buf.subarray(i, i + BLOCK), this.offset);
        } else {
          buf.copy(this.block, this.blockFill, i, i + n);
          this.blockFill += n;
          if (this.blockFill === BLOCK) {
            this.blockFill = 0;
            this.onHeader(this.block, this.offset + n - BLOCK);
          }
        }
        i += n;
        this.offset += n;
        continue;
      }
      const n = Math.min(this.remaining, buf.length - i);
      if (this.state === 'data') this.sink.data?.(buf.subarray(i, i + n));
      else if (this.state === 'meta') this.meta!.chunks.push(Buffer.from(buf.subarray(i, i + n)));
      i += n;
      this.offset += n;
      this.remaining -= n;
      if (this.remaining === 0) this.afterBody();
    }
  }

  /** Checks that the stream ended where an archive may end. */
  finish(): void {
    if (this.state === 'end') return;
    if (this.state === 'header' && this.blockFill === 0 && !this.current && !this.meta) return; // no end blocks: GNU tar accepts it too
    throw new TarFormatError(`archive ends inside an entry (at tar offset ${this.offset})`);
  }

  private onHeader(block: Buffer, at: number): void {
    if (isZero(block)) {
      this.state = 'end';
      this.ended = true;
      return;
    }
    const h = new Header(block, 0, this.ex, this.gex);
    if (!h.cksumValid) throw new TarFormatError(`invalid tar header (checksum) at tar offset ${at}`);
    const size = h.size ?? 0;
    const type = h.type;
    if (META_TYPES.has(type)) {
      if (size > MAX_META) throw new TarFormatError(`extended header of ${size} bytes at tar offset ${at}`);
      this.metaStart ??= at;
      this.meta = { type, chunks: [], size, start: at };
      this.remaining = size;
      this.state = 'meta';
      if (size === 0) this.afterBody();
      return;
    }
    // Header prepends the ustar prefix field even to a pax path: the extended header's path wins whole.
    const entry: TarEntry = {
      path: this.ex?.path ?? h.path ?? '',
      type,
      size: type === 'Directory' || type === 'SymbolicLink' || type === 'Link' ? 0 : size,
      mode: (h.mode ?? 0) & 0o7777,
      mtime: h.mtime ? h.mtime.getTime() : 0,
      linkpath: this.ex?.linkpath ?? (h.linkpath || undefined),
      headerOffset: this.metaStart ?? at,
      dataOffset: at + BLOCK,
    };
    this.metaStart = undefined;
    this.ex = undefined;
    this.current = entry;
    this.sink.entry(entry);
    // A directory, link or device with a non-zero size field still has that many bytes stored.
    this.remaining = size;
    this.stored = size;
    this.state = 'data';
    if (size === 0) this.afterBody();
  }

  private afterBody(): void {
    if (this.state === 'meta') {
      const m = this.meta!;
      this.meta = undefined;
      const body = Buffer.concat(m.chunks);
      if (m.type === 'ExtendedHeader') this.ex = Pax.parse(body.toString('utf8'), this.ex, false);
      else if (m.type === 'GlobalExtendedHeader') this.gex = Pax.parse(body.toString('utf8'), this.gex, true);
      else if (m.type === 'NextFileHasLongLinkpath') this.ex = { ...this.ex, linkpath: cString(body) };
      else this.ex = { ...this.ex, path: cString(body) };
      this.startPad(m.size);
      return;
    }
    if (this.state === 'data') {
      const e = this.current!;
      this.current = undefined;
      this.sink.entryEnd?.(e);
      this.startPad(this.stored);
      return;
    }
    // padding done
    this.state = 'header';
  }

  private startPad(stored: number): void {
    const pad = (BLOCK - (stored % BLOCK)) % BLOCK;
    if (pad === 0) {
      this.state = 'header';
      return;
    }
    this.state = 'pad';
    this.remaining = pad;
  }
}

function isZero(b: Buffer): boolean {
  for (let i = 0; i < BLOCK; i += 8) if (b.readBigUInt64LE(i) !== 0n) return false;
  return true;
}

function cString(b: Buffer): string {
  const z = b.indexOf(0);
  return b.subarray(0, z < 0 ? b.length : z).toString('utf8');
}
