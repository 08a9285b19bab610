// Reading the many small files of a source (node_modules, a source tree) ahead of the archive
// writer. Per file it is an open, an fstat (the identity check), a read and a close; through the
// thread pool that is three round trips each queued behind the backup's own gzip members, which
// made a tree of 16k small files three times slower than `tar | pigz`. On a local disk the
// calls run synchronously in short slices (SyncSlices), through the pool on network and FUSE
// sources or after a few slow calls.
import * as fs from 'node:fs';
import { SyncSlices } from '../../fsguard';
import { openSourceFile, readSourceFileSync, type Listed } from './openSource';

/**
 * Buffers for read-ahead small files, carved out of 1 MB slabs that are reused once every file
 * in them is archived (files are consumed in order). Thousands of per-file buffers otherwise
 * leave the garbage collector a large share of the main thread.
 */
export class SlabPool {
  private static readonly SLAB = 1024 * 1024;
  private readonly free: Buffer[] = [];
  private cur?: { buf: Buffer; off: number; refs: number };

  take(size: number): { buf: Buffer; release(): void } {
    if (size > SlabPool.SLAB) return { buf: Buffer.allocUnsafe(size), release() {} };
    if (!this.cur || this.cur.off + size > SlabPool.SLAB) {
      const old = this.cur;
      if (old && old.refs === 0) this.free.push(old.buf);
      this.cur = { buf: this.free.pop() ?? Buffer.allocUnsafe(SlabPool.SLAB), off: 0, refs: 0 };
    }
    const slab = this.cur;
    const buf = slab.buf.subarray(slab.off, slab.off + size);
    slab.off += size;
    slab.refs++;
    return {
      buf,
      release: () => {
        if (--slab.refs === 0 && slab !== this.cur) this.free.push(slab.buf);
      },
    };
  }
}

/**
 * Reads a whole small file into `buf` through the thread pool. Callback fs with a raw
 * descriptor: for thousands of small files the promise API's FileHandle objects cost a
 * measurable share of the main thread.
 */
function readSmall(path: string, buf: Buffer, listed: Listed, syncStat: boolean): Promise<Buffer | Error> {
  const size = buf.length;
  return new Promise((done) => {
    openSourceFile(path, listed, syncStat, (err, fd) => {
      if (err) return done(err);
      const finish = (result: Buffer | Error) => fs.close(fd, () => done(result));
      const readAt = (got: number): void => {
        if (got === size) return finish(buf);
        fs.read(fd, buf, got, size - got, got, (rerr, n) => {
          if (rerr) return finish(rerr);
          if (n === 0) return finish(buf.subarray(0, got));
          readAt(got + n);
        });
      };
      readAt(0);
    });
  });
}

export interface SmallRead {
  path: string;
  listed: Listed;
  /** Sized from the listing: a file that grew is cut there, one that shrank comes back shorter. */
  buf: Buffer;
  /** Set by SmallFileReader.start: the bytes, or the error that made the file unreadable. */
  data?: Buffer | Error | Promise<Buffer | Error>;
}

export class SmallFileReader {
  private readonly slices: SyncSlices;

  /** `run`: the stuck-path guard's bound for the source. `onNetwork`: never a synchronous call. */
  constructor(private readonly run: <T>(fn: () => Promise<T>) => Promise<T>, private readonly onNetwork: boolean) {
    this.slices = new SyncSlices(undefined, onNetwork);
  }

  /** Starts reading every item; when it returns, each has its `data` (a promise for the thread pool's reads). */
  async start(items: SmallRead[]): Promise<void> {
    let done = 0;
    if (!this.slices.isAsync) {
      try {
        const got = await this.run(() => this.slices.each(items.length, (i) => readSourceFileSync(items[i].path, items[i].buf, items[i].listed)));
        for (; done < got.length; done++) items[done].data = got[done];
      } catch (e) {
        // The guard refused the source (it stopped answering) or the task was cancelled.
        for (const it of items) it.data = e as Error;
        return;
      }
    }
    for (const it of items.slice(done)) it.data = this.run(() => readSmall(it.path, it.buf, it.listed, !this.onNetwork));
  }
}
