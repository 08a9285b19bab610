// Starts child processes from one shared worker thread (spawnWorker.ts) instead of the caller's.
// Why: on Linux, spawn() forks, and the fork copies the page tables of the whole process while
// the calling thread waits. `npm run bench spawn` (2026-12-02, a process of 1.08 GB): starting a
// program from the main thread held its event loop 32-46 ms; from this thread, 13-20 ms, the
// main thread's own CPU 1.2 ms (it waits only when it writes to memory the fork is copying).
// At 60 MB neither costs more than 3 ms. The extension host is a large process whose thread is
// every extension's. The returned child looks enough like a ChildProcess for our callers (pid,
// streams, kill, exit and close events).
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import type { FromSpawner, SpawnFailure, SpawnRequest, ToSpawner } from './spawnProtocol';

export type { SpawnRequest } from './spawnProtocol';

/** Where the spawner's script is: beside this module in tests, beside extension.js / agent.js in a bundle. */
export const SPAWN_WORKER_SCRIPT = join(__dirname, 'spawnWorker.js');

export interface ThreadChild extends EventEmitter {
  readonly pid: number;
  readonly stdout: Readable;
  readonly stderr: Readable;
  exitCode: number | null;
  signalCode: NodeJS.Signals | null;
  /** Signals the child itself (not its group: processTree.ts does that by pid). */
  kill(signal?: NodeJS.Signals): boolean;
  on(event: 'exit' | 'close', listener: (code: number | null, signal: NodeJS.Signals | null) => void): this;
  /** The file for stdin could not be read. */
  on(event: 'stdinError', listener: (message: string) => void): this;
  on(event: 'error', listener: (e: Error) => void): this;
  once(event: 'exit' | 'close', listener: (code: number | null, signal: NodeJS.Signals | null) => void): this;
  once(event: 'error', listener: (e: Error) => void): this;
}

class Child extends EventEmitter implements ThreadChild {
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  readonly stdout: Readable;
  readonly stderr: Readable;
  private readonly held: [number, number, number] = [0, 0, 0];
  private streamsClosed = 0;
  private closeArgs?: [number | null, NodeJS.Signals | null];
  /** Chunks received and not yet handed to their stream, and the close that waits behind them. */
  private readonly queue: [1 | 2, Buffer][] = [];
  private draining = false;
  private closeAfterQueue?: [number | null, NodeJS.Signals | null];

  constructor(
    readonly pid: number,
    /** Leader of its own process group (started detached, not on Windows). */
    readonly group: boolean,
    private readonly id: number,
    private readonly post: (m: ToSpawner) => void,
  ) {
    super();
    this.stdout = this.stream(1);
    this.stderr = this.stream(2);
  }

  private stream(n: 1 | 2): Readable {
    const s = new Readable({
      highWaterMark: 1024 * 1024,
      // Taken bytes are reported when the reader asks for more, so a slow reader pauses the child.
      read: () => this.release(n),
      // Destroyed before its end (the reader gave up): the spawner closes the pipe, as Node would.
      destroy: (e, done) => {
        if (!s.readableEnded) this.post({ t: 'drop', id: this.id, n });
        done(e);
      },
    });
    // 'close' comes after both streams have closed, as with a ChildProcess.
    s.once('close', () => ++this.streamsClosed === 2 && this.closeArgs && this.emit('close', ...this.closeArgs));
    return s;
  }

  private release(n: 1 | 2): void {
    if (this.held[n] === 0) return;
    this.post({ t: 'took', id: this.id, n, bytes: this.held[n] });
    this.held[n] = 0;
  }

  /**
   * A chunk from the spawner. Chunks reach a stream one per turn of the event loop: the port hands
   * over every message waiting at once, and up to a window of output (4 MB of `restic ls` lines to
   * parse) in one turn held the host's thread 43-62 ms in the restic-browse bench.
   */
  data(n: 1 | 2, chunk: Uint8Array): void {
    this.queue.push([n, Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)]);
    if (this.draining) return;
    this.draining = true;
    setImmediate(() => this.drain());
  }

  private drain(): void {
    const [n, chunk] = this.queue.shift()!;
    this.held[n] += chunk.byteLength;
    if ((n === 1 ? this.stdout : this.stderr).push(chunk)) this.release(n);
    if (this.queue.length > 0) return void setImmediate(() => this.drain());
    this.draining = false;
    if (this.closeAfterQueue) this.closed(...this.closeAfterQueue);
  }

  exited(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.exitCode !== null || this.signalCode !== null) return;
    this.exitCode = code;
    this.signalCode = signal;
    this.emit('exit', code, signal);
    // As a ChildProcess does at exit (flushStdio): a stream nobody reads is let flow, so that
    // 'close' still comes.
    for (const st of [this.stdout, this.stderr]) if (!st.destroyed && st.listenerCount('readable') === 0 && st.readableFlowing !== true) st.resume();
  }

  closed(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.closeArgs) return;
    if (this.draining) return void (this.closeAfterQueue = [code, signal]);
    this.closeArgs = [code, signal];
    for (const st of [this.stdout, this.stderr]) if (!st.destroyed) st.push(null);
    if (this.streamsClosed === 2) this.emit('close', code, signal);
  }

  failed(e: Error): void {
    if (this.listenerCount('error') > 0) this.emit('error', e);
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): boolean {
    if (this.closeArgs || this.exitCode !== null || this.signalCode !== null) return false;
    this.post({ t: 'kill', id: this.id, signal });
    return true;
  }
}

interface Waiting {
  group: boolean;
  resolve(c: Child): void;
  reject(e: Error): void;
}

/** One spawner thread, started on first use and let go (unref) while idle. The process shares one (spawnOffThread). */
export class Spawner {
  private worker?: Worker;
  private nextId = 1;
  private readonly waiting = new Map<number, Waiting>();
  private readonly children = new Map<number, Child>();

  constructor(private readonly script: string) {}

  spawn(req: SpawnRequest): Promise<ThreadChild> {
    const id = this.nextId++;
    const worker = this.ensure();
    return new Promise<ThreadChild>((resolve, reject) => {
      this.waiting.set(id, { group: req.detached === true && process.platform !== 'win32', resolve, reject });
      this.holdOpen();
      worker.postMessage({ t: 'spawn', id, ...req } satisfies ToSpawner);
    });
  }

  /** Ends the thread; children still running are killed (see lost). */
  async stop(): Promise<void> {
    await this.worker?.terminate();
  }

  private ensure(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(this.script);
    this.worker = w;
    w.on('message', (m: FromSpawner) => this.receive(w, m));
    w.on('error', (e) => this.lost(w, e.message));
    w.on('exit', (code) => this.lost(w, `exit code ${code}`));
    return w;
  }

  private receive(w: Worker, m: FromSpawner): void {
    if (m.t === 'spawned' || m.t === 'failed') {
      const wait = this.waiting.get(m.id);
      this.waiting.delete(m.id);
      if (m.t === 'failed') wait?.reject(spawnError(m.error));
      else {
        const child = new Child(m.pid, wait?.group ?? false, m.id, (x) => w.postMessage(x));
        this.children.set(m.id, child);
        wait?.resolve(child);
      }
      this.holdOpen();
      return;
    }
    const child = this.children.get(m.id);
    if (!child) return;
    if (m.t === 'data') child.data(m.n, m.chunk);
    else if (m.t === 'exit') child.exited(m.code, m.signal);
    else if (m.t === 'stdinFailed') child.emit('stdinError', m.message);
    else if (m.t === 'error') child.failed(new Error(m.message));
    else {
      this.children.delete(m.id);
      child.closed(m.code, m.signal);
      this.holdOpen();
    }
  }

  /**
   * The thread is gone (a crash, or terminated): its children can no longer be heard, so they go
   * too. Each stays a zombie until the process ends: only the lost thread could have reaped it.
   */
  private lost(w: Worker, why: string): void {
    if (this.worker !== w) return;
    this.worker = undefined;
    const e = new Error(`The thread that starts programs stopped (${why})`);
    for (const wait of this.waiting.values()) wait.reject(e);
    this.waiting.clear();
    for (const child of this.children.values()) {
      try {
        process.kill(child.group ? -child.pid : child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
      child.failed(e);
      child.exited(null, 'SIGKILL');
      child.closed(null, 'SIGKILL');
    }
    this.children.clear();
  }

  /** A running child keeps the process alive, as one started in this thread would; an idle spawner does not. */
  private holdOpen(): void {
    if (!this.worker) return;
    if (this.waiting.size + this.children.size > 0) this.worker.ref();
    else this.worker.unref();
  }
}

function spawnError(f: SpawnFailure): Error {
  const e = new Error(f.message) as NodeJS.ErrnoException;
  Object.assign(e, { code: f.code, errno: f.errno, syscall: f.syscall, path: f.path });
  return e;
}

let shared: Spawner | undefined;

/**
 * Starts `req.file` from the spawner thread. Resolves once it runs (its pid known), rejects as
 * child_process.spawn's 'error' would (ENOENT and the like, with code and syscall).
 */
export function spawnOffThread(req: SpawnRequest): Promise<ThreadChild> {
  shared ??= new Spawner(SPAWN_WORKER_SCRIPT);
  return shared.spawn(req);
}
