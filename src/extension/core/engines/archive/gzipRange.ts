// The one reader of a tar range out of a .tar.gz: a restore (restoreJob.ts, in its worker) and a
// single-file read (randomRead.ts, on the host's thread) both ask for tar offsets [from, to) and
// get those bytes in order. Our archives are many independent gzip members (about 1 MiB of tar
// each), and the archive index says where each starts, so inflating can begin at any member:
// only the members that hold the range are read. Up to `parallel` of them are inflated at once
// in libuv's thread pool (never on the calling thread); a member too big to hold in memory (a
// single-member archive from another tool) is streamed, and left as soon as the range is done.
import { createReadStream } from 'node:fs';
import { availableParallelism } from 'node:os';
import { promisify } from 'node:util';
import { gunzip as gunzipCb, createGunzip, type ZlibOptions } from 'node:zlib';
import { memberAt, type ArchiveIndex } from './archiveIndex';

const gunzip = promisify<Buffer, ZlibOptions, Buffer>(gunzipCb);

/** The archive's index says something the archive does not bear out (a member's size). */
export class IndexMismatchError extends Error {}

/** A member whose tar data is bigger than this is streamed instead of inflated whole. */
const BIG_MEMBER = 8 * 1024 * 1024;

/** Reads archive bytes at a position: synchronous in the restore's worker, a promise on the host. */
export type ReadAt = (buf: Buffer, offset: number, length: number, position: number) => number | Promise<number>;

export interface RangeOptions {
  /** Reads the archive file (compressed bytes) at a position. */
  readAt: ReadAt;
  /** Members inflated at once (default: cores + 1). */
  parallel?: number;
  /** Called between members and streamed chunks; throws to stop (a cancel). */
  check?: () => void;
}

/**
 * Inflates the members covering tar offsets [from, to) in order and hands the bytes of exactly
 * that range to `sink`, in pieces (a piece may be a view of a larger buffer: copy to keep it).
 * `to` = Infinity with `from` = 0: the whole archive, every member in full, whatever the index
 * says about their tar offsets (a full restore). Memory is bounded by BIG_MEMBER per member in
 * flight, never by what the index claims: a member that inflates to more is an error.
 */
export async function inflateRange(archivePath: string, idx: ArchiveIndex, from: number, to: number, sink: (b: Buffer) => void, o: RangeOptions): Promise<void> {
  if (to <= from) return;
  const { c, u } = idx.members;
  const parallel = Math.max(1, o.parallel ?? availableParallelism() + 1);
  const check = o.check ?? (() => undefined);
  const first = memberAt(idx, from);
  const last = memberAt(idx, Math.max(from, to - 1));
  const cEnd = (m: number) => (m + 1 < c.length ? c[m + 1] : idx.archiveSize);
  const uEnd = (m: number) => (m + 1 < u.length ? u[m + 1] : idx.tarSize);
  /** Hands on the part of `buf` (tar offset `at`) inside the range; false once the range is done. */
  const emit = (buf: Buffer, at: number): boolean => {
    const lo = Math.max(from, at);
    const hi = Math.min(to, at + buf.length);
    if (hi > lo) sink(buf.subarray(lo - at, hi - at));
    return at + buf.length < to;
  };
  const inflate = async (m: number): Promise<Buffer> => {
    const raw = Buffer.allocUnsafe(cEnd(m) - c[m]);
    await readFully(o.readAt, raw, c[m]);
    let out: Buffer;
    try {
      out = await gunzip(raw, { chunkSize: Math.min(4 * 1024 * 1024, Math.max(64 * 1024, uEnd(m) - u[m])), maxOutputLength: BIG_MEMBER });
    } catch (e) {
      if (e instanceof RangeError) throw new IndexMismatchError(`gzip member at byte ${c[m]} inflates to more than its index says (${uEnd(m) - u[m]} bytes)`);
      throw e;
    }
    if (out.length !== uEnd(m) - u[m]) throw new IndexMismatchError(`gzip member at byte ${c[m]} inflates to ${out.length} bytes, its index says ${uEnd(m) - u[m]}`);
    return out;
  };
  const inflight: { m: number; out: Promise<Buffer> }[] = [];
  let next = first;
  const submit = () => {
    // By the inflated size: a member of zeros that compresses to 1 MB may inflate to gigabytes.
    while (next <= last && inflight.length < parallel && uEnd(next) - u[next] <= BIG_MEMBER) {
      const out = inflate(next);
      out.catch(() => undefined); // awaited in order below; a later one's failure must not go unhandled
      inflight.push({ m: next, out });
      next++;
    }
  };
  for (let m = first; m <= last; m++) {
    check();
    submit();
    if (inflight.length && inflight[0].m === m) {
      const buf = await inflight.shift()!.out;
      submit(); // keep the thread pool busy while this member's bytes are used
      emit(buf, u[m]);
    } else {
      const got = await streamMember(archivePath, c[m], cEnd(m), u[m], emit, check);
      if (got !== undefined && got !== uEnd(m) - u[m]) throw new IndexMismatchError(`gzip member at byte ${c[m]} inflates to ${got} bytes, its index says ${uEnd(m) - u[m]}`);
      next = Math.max(next, m + 1);
    }
  }
}

async function readFully(readAt: ReadAt, buf: Buffer, pos: number): Promise<void> {
  let got = 0;
  while (got < buf.length) {
    const n = await readAt(buf, got, buf.length - got, pos + got);
    if (n === 0) throw new Error('archive shrank while being read');
    got += n;
  }
}

/** Streams one member; stops early once `onData` says the range is done. Resolves with the bytes it inflated when it read the member to its end. */
function streamMember(archivePath: string, start: number, end: number, u0: number, onData: (buf: Buffer, at: number) => boolean, check: () => void): Promise<number | undefined> {
  return new Promise((resolveP, reject) => {
    const input = createReadStream(archivePath, { start, end: end - 1, highWaterMark: 1024 * 1024 });
    const gz = createGunzip({ chunkSize: 1024 * 1024 });
    let at = u0;
    let settled = false;
    const finish = (e?: unknown, whole = false) => {
      if (settled) return;
      settled = true;
      input.destroy();
      gz.destroy();
      if (e) reject(e);
      else resolveP(whole ? at - u0 : undefined);
    };
    input.on('error', finish);
    gz.on('error', finish);
    gz.on('data', (d: Buffer) => {
      if (settled) return;
      try {
        check();
        const more = onData(d, at);
        at += d.length;
        if (!more) finish();
      } catch (e) {
        finish(e);
      }
    });
    gz.on('end', () => finish(undefined, true));
    input.pipe(gz);
  });
}
