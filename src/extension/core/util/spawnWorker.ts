// The spawner thread (see offThreadSpawn.ts). On Linux, Node starts a child with fork(), which
// copies the whole process's page tables on the calling thread: 30-40 ms in a 1 GB extension
// host. Here the copy runs on this thread; the host's thread waits only if it writes to memory
// meanwhile (about half as long, measured). Output goes to the owner in chunks; a stream pauses
// while its owner has not taken the last SPAWN_WINDOW bytes, so a slow owner slows the child
// instead of filling memory.
import { spawn, type ChildProcess } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import type { Readable } from 'node:stream';
import { SPAWN_WINDOW, type FromSpawner, type ToSpawner } from './spawnProtocol';

const port = parentPort!;
const send = (m: FromSpawner, transfer?: ArrayBuffer[]) => port.postMessage(m, transfer);

interface Live {
  child: ChildProcess;
  /** Bytes sent and not yet taken, per stream (1 stdout, 2 stderr). */
  owed: [number, number, number];
}
const live = new Map<number, Live>();

function forward(id: number, entry: Live, n: 1 | 2, stream: Readable): void {
  stream.on('data', (c: Buffer) => {
    // Always a copy of our own to move: a read buffer may share memory that cannot be moved
    // (a pool), and a failed postMessage would end the thread and every child with it.
    const chunk = new Uint8Array(c);
    entry.owed[n] += c.byteLength; // before the move: a moved chunk reads as empty here
    send({ t: 'data', id, n, chunk }, [chunk.buffer as ArrayBuffer]);
    if (entry.owed[n] >= SPAWN_WINDOW) stream.pause();
  });
}

function start(m: Extract<ToSpawner, { t: 'spawn' }>): void {
  let child: ChildProcess;
  try {
    child = spawn(m.file, m.args, {
      cwd: m.cwd,
      env: m.env,
      detached: m.detached,
      windowsVerbatimArguments: m.windowsVerbatimArguments,
      windowsHide: true,
      stdio: [m.stdinFile ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    });
  } catch (e) {
    // Bad arguments throw at once (a NUL byte in an argument, for one).
    return send({ t: 'failed', id: m.id, error: describe(e) });
  }
  if (child.pid === undefined) {
    // ENOENT and friends arrive as an 'error' event with no pid.
    child.once('error', (e) => send({ t: 'failed', id: m.id, error: describe(e) }));
    return;
  }
  const entry: Live = { child, owed: [0, 0, 0] };
  live.set(m.id, entry);
  send({ t: 'spawned', id: m.id, pid: child.pid });
  forward(m.id, entry, 1, child.stdout!);
  forward(m.id, entry, 2, child.stderr!);
  child.on('error', (e) => send({ t: 'error', id: m.id, message: e.message }));
  child.once('exit', (code, signal) => send({ t: 'exit', id: m.id, code, signal }));
  child.once('close', (code, signal) => {
    live.delete(m.id);
    send({ t: 'close', id: m.id, code, signal });
  });
  if (m.stdinFile) {
    const input = createReadStream(m.stdinFile, { highWaterMark: 1024 * 1024 });
    input.on('error', (e) => send({ t: 'stdinFailed', id: m.id, message: e.message }));
    child.stdin!.on('error', () => undefined); // the child may exit before reading it all: EPIPE is expected then
    input.pipe(child.stdin!);
  }
}

function describe(e: unknown): { message: string; code?: string; errno?: number; syscall?: string; path?: string } {
  const x = e as NodeJS.ErrnoException;
  return { message: x?.message ?? String(e), code: x?.code, errno: x?.errno, syscall: x?.syscall, path: x?.path };
}

function receive(m: ToSpawner): void {
  if (m.t === 'spawn') return start(m);
  const entry = live.get(m.id);
  if (!entry) return;
  const stream = m.t === 'kill' ? undefined : m.n === 1 ? entry.child.stdout! : entry.child.stderr!;
  if (m.t === 'took') {
    entry.owed[m.n] -= m.bytes;
    if (entry.owed[m.n] < SPAWN_WINDOW && stream!.isPaused()) stream!.resume();
  } else if (m.t === 'drop') {
    // The owner closed its end: so do we, and the child gets EPIPE as with a pipe of its own.
    stream!.destroy();
  } else {
    entry.child.kill(m.signal);
  }
}

port.on('message', (m: ToSpawner) => {
  try {
    receive(m);
  } catch (e) {
    // One bad request (an unknown signal name) must not end the thread and every child with it.
    if (m.t !== 'spawn') send({ t: 'error', id: m.id, message: (e as Error).message });
  }
});
