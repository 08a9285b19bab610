// Opens a source file the walk listed as a regular file, refusing what it has become since: a
// symbolic link swapped in (following it could put a file from outside the source, such as a
// private key, into the archive under the listed name) or a FIFO (reading it would block).
import * as fs from 'node:fs';
import { promises as fsp } from 'node:fs';
import { errCode } from './cancel';

const NOFOLLOW = fs.constants.O_NOFOLLOW ?? 0;
// A FIFO opened for reading blocks until a writer comes; non-blocking, it opens at once and fstat tells.
const FLAGS = fs.constants.O_RDONLY | NOFOLLOW | (fs.constants.O_NONBLOCK ?? 0);

function swapped(what: string): Error {
  return Object.assign(new Error(`it ${what}`), { code: 'ESWAPPED' });
}

const LINK = 'became a symbolic link after it was listed; links are not followed';
const NOT_FILE = 'is no longer a regular file (FIFO, socket or device)';

/**
 * Callback form for the many small files. Where O_NOFOLLOW exists the open alone refuses a link,
 * and no fstat is spent per file (a thread-pool round trip each): a FIFO opened non-blocking reads
 * as empty, which `checkShortRead` tells apart from a file that shrank.
 */
export function openSourceFile(path: string, done: (err: Error | null, fd: number) => void): void {
  fs.open(path, FLAGS, (err, fd) => {
    if (err) {
      // O_NOFOLLOW on a link fails with ELOOP (Linux, macOS) or EMLINK (FreeBSD).
      const link = NOFOLLOW && (errCode(err) === 'ELOOP' || errCode(err) === 'EMLINK');
      return done(link ? swapped(LINK) : err, -1);
    }
    if (NOFOLLOW) return done(null, fd);
    const fail = (e: Error) => fs.close(fd, () => done(e, -1));
    // No O_NOFOLLOW (Windows): the name must still be the regular file that was opened, not a link to it.
    fs.fstat(fd, (serr, st) => {
      if (serr) return fail(serr);
      if (!st.isFile()) return fail(swapped(NOT_FILE));
      fs.lstat(path, (lerr, lst) => {
        if (lerr) return fail(lerr);
        if (lst.isSymbolicLink() || lst.ino !== st.ino || lst.dev !== st.dev) return fail(swapped(LINK));
        done(null, fd);
      });
    });
  });
}

/** After a read came back short: an error when the descriptor is not a regular file (the caller closes it). */
export function checkShortRead(fd: number, done: (err: Error | null) => void): void {
  fs.fstat(fd, (err, st) => done(err ?? (st.isFile() ? null : swapped(NOT_FILE))));
}

/** The same for the promise API (large files, read in turn). */
export async function openSourceHandle(path: string): Promise<fsp.FileHandle> {
  let fh: fsp.FileHandle;
  try {
    fh = await fsp.open(path, FLAGS);
  } catch (err) {
    const link = NOFOLLOW && (errCode(err) === 'ELOOP' || errCode(err) === 'EMLINK');
    throw link ? swapped(LINK) : err;
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw swapped(NOT_FILE);
    if (!NOFOLLOW) {
      const lst = await fsp.lstat(path);
      if (lst.isSymbolicLink() || lst.ino !== st.ino || lst.dev !== st.dev) throw swapped(LINK);
    }
    return fh;
  } catch (e) {
    await fh.close().catch(() => undefined);
    throw e;
  }
}
