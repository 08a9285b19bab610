// The `fs` option of createReadStream/createWriteStream with every open, read, write and close
// going through the guard: a stream over a file on a stuck mount fails like any other call
// instead of holding a pool thread and its task for ever.
import * as fs from 'node:fs';
import type { FsGuard, FsRole } from './guard';

type Cb<T> = (err: NodeJS.ErrnoException | null, value?: T) => void;

export function guardedStreamFs(guard: FsGuard, path: string, role: FsRole, signal?: AbortSignal) {
  const run = <T>(fn: (done: Cb<T>) => void, cb: Cb<T>) => {
    guard
      .run(path, role, () => new Promise<T>((resolve, reject) => fn((err, v) => (err ? reject(err) : resolve(v as T)))), signal)
      .then((v) => cb(null, v), (e: NodeJS.ErrnoException) => cb(e));
  };
  return {
    open: (p: fs.PathLike, flags: fs.OpenMode, mode: fs.Mode | undefined, cb: Cb<number>) => run<number>((d) => fs.open(p, flags, mode, d), cb),
    read: (fd: number, buf: NodeJS.ArrayBufferView, off: number, len: number, pos: fs.ReadPosition | null, cb: (err: NodeJS.ErrnoException | null, n?: number, b?: NodeJS.ArrayBufferView) => void) =>
      run<number>((d) => fs.read(fd, buf, off, len, pos, (e, n) => d(e, n)), (e, n) => cb(e, n, buf)),
    close: (fd: number, cb: (err: NodeJS.ErrnoException | null) => void) => run<void>((d) => fs.close(fd, (e) => d(e)), (e) => cb(e)),
  };
}
