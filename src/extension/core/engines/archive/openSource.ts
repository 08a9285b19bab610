// Opens a source file the walk listed, refusing what has taken its place since: a symbolic link
// (following it could put a file from outside the source, such as a private key, into the archive
// under the listed name), a file reached through a folder swapped for a link (O_NOFOLLOW guards
// only the last name: the opened file's identity must be the listed one), or a FIFO (reading it
// would block).
import * as fs from 'node:fs';
import { promises as fsp } from 'node:fs';
import { errCode } from '../../util/errors';

const NOFOLLOW = fs.constants.O_NOFOLLOW ?? 0;
// A FIFO opened for reading blocks until a writer comes; non-blocking, it opens at once and fstat tells.
const FLAGS = fs.constants.O_RDONLY | NOFOLLOW | (fs.constants.O_NONBLOCK ?? 0);

/** What the walk's lstat saw. */
export type Listed = Pick<fs.Stats, 'dev' | 'ino'>;

function refused(what: string): Error {
  return Object.assign(new Error(`it ${what}`), { code: 'ESWAPPED' });
}

function openError(err: Error): Error {
  // O_NOFOLLOW on a link fails with ELOOP (Linux, macOS) or EMLINK (FreeBSD).
  const link = NOFOLLOW && (errCode(err) === 'ELOOP' || errCode(err) === 'EMLINK');
  return link ? refused('became a symbolic link after it was listed; links are not followed') : err;
}

function identityError(st: fs.Stats, listed: Listed): Error | null {
  if (!st.isFile()) return refused('is no longer a regular file (FIFO, socket or device)');
  if (st.ino !== listed.ino || st.dev !== listed.dev) return refused('was replaced after it was listed, or a folder on its path by a link; the next backup takes it');
  return null;
}

/**
 * Callback form for the many small files. `syncStat`: fstat on the main thread (a few
 * microseconds, where a thread-pool round trip per file costs a tenth of a backup's CPU); false
 * on network and FUSE sources, where no synchronous call may hold the host.
 */
export function openSourceFile(path: string, listed: Listed, syncStat: boolean, done: (err: Error | null, fd: number) => void): void {
  fs.open(path, FLAGS, (err, fd) => {
    if (err) return done(openError(err), -1);
    const check = (serr: Error | null, st?: fs.Stats) => {
      const bad = serr ?? identityError(st!, listed);
      if (bad) fs.close(fd, () => done(bad, -1));
      else done(null, fd);
    };
    if (!syncStat) return fs.fstat(fd, check);
    let st: fs.Stats;
    try {
      st = fs.fstatSync(fd);
    } catch (e) {
      return check(e as Error);
    }
    check(null, st);
  });
}

/**
 * The same, synchronous, reading the whole file into `buf` (sized from the listing): a file that
 * grew is cut at its listed size, one that shrank comes back shorter. Never throws.
 */
export function readSourceFileSync(path: string, buf: Buffer, listed: Listed): Buffer | Error {
  let fd: number;
  try {
    fd = fs.openSync(path, FLAGS);
  } catch (e) {
    return openError(e as Error);
  }
  try {
    const bad = identityError(fs.fstatSync(fd), listed);
    if (bad) return bad;
    let got = 0;
    while (got < buf.length) {
      const n = fs.readSync(fd, buf, got, buf.length - got, got);
      if (n === 0) break;
      got += n;
    }
    return got === buf.length ? buf : buf.subarray(0, got);
  } catch (e) {
    return e as Error;
  } finally {
    try {
      fs.closeSync(fd);
    } catch {
      // closing a descriptor we only read from: nothing to lose
    }
  }
}

/** The same for the promise API (large files, read in turn). */
export async function openSourceHandle(path: string, listed: Listed): Promise<fsp.FileHandle> {
  let fh: fsp.FileHandle;
  try {
    fh = await fsp.open(path, FLAGS);
  } catch (err) {
    throw openError(err as Error);
  }
  try {
    const bad = identityError(await fh.stat(), listed);
    if (bad) throw bad;
    return fh;
  } catch (e) {
    await fh.close().catch(() => undefined);
    throw e;
  }
}
