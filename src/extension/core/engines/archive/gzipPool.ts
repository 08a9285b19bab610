// Compresses a backup's gzip members in worker threads that run below normal priority.
//
// Why not zlib's async API: its work runs in libuv's thread pool at the priority of every other
// thread in the process. While a backup keeps both cores of a 2-core machine deflating, the
// extension host's own thread (shared with every other extension) then waits for a core: the
// archive bench measured stalls of 17-95 ms, mostly run-queue wait, with under 10 ms of its own
// CPU. Threads of our own can lower their own priority (nice 10; Linux gives each thread an id
// that setpriority(2) takes, /proc/thread-self; elsewhere they keep the normal priority), so the
// host's thread gets a core the moment it wakes and the backup uses whatever CPU is left.
//
// The worker's code is a short string run with `eval`, so no extra file has to ship beside
// extension.js, agent.js and the command line.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/**
 * The nice value of the compression threads (Linux; 0 is normal, 19 the lowest). Only they are
 * lowered: a thread cannot raise its priority back without privileges, so threads that also do
 * work a user waits on (the store worker's text searches, a restore) keep the normal priority.
 */
export const BACKGROUND_NICE = 10;
/** A pool left idle this long stops its threads (each holds an isolate, a few MB). */
const IDLE_MS = 15_000;

// Runs in each worker. It answers one job at a time: {id, data (ArrayBuffer), length, level,
// probe} -> {id, member, stored, data} with both buffers transferred back, or {id, error}.
// `probe`: store the chunk (level 0) when three 16 KB samples do not shrink under level 1.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { gzipSync, deflateRawSync } = require('node:zlib');
let nice = null;
if (process.platform === 'linux') try {
  const tid = Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop());
  require('node:os').setPriority(tid, workerData.nice);
  nice = require('node:os').getPriority(tid);
} catch {}
parentPort.postMessage({ ready: true, nice });
const SAMPLES = 3, SAMPLE = 16 * 1024;
function incompressible(buf) {
  if (buf.length < SAMPLES * SAMPLE * 4) return false;
  const step = Math.floor((buf.length - SAMPLE) / (SAMPLES - 1));
  for (let i = 0; i < SAMPLES; i++) {
    if (deflateRawSync(buf.subarray(i * step, i * step + SAMPLE), { level: 1 }).length < SAMPLE * 0.95) return false;
  }
  return true;
}
function own(b) {
  return b.byteOffset === 0 && b.byteLength === b.buffer.byteLength ? b.buffer : b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
}
parentPort.on('message', (job) => {
  try {
    const input = Buffer.from(job.data, 0, job.length);
    const stored = job.level > 0 && job.probe && incompressible(input);
    const out = gzipSync(input, { level: stored ? 0 : job.level, chunkSize: 1024 * 1024 });
    const member = own(out);
    parentPort.postMessage({ id: job.id, member, length: out.byteLength, stored, data: job.data }, [member, job.data]);
  } catch (e) {
    parentPort.postMessage({ id: job.id, error: String(e && e.message || e), data: job.data }, [job.data]);
  }
});
`;

export interface GzipResult {
  member: Buffer;
  /** The chunk did not compress and was stored. */
  stored: boolean;
  /** The input's buffer, handed back (it was moved to the worker). */
  input: Buffer;
}

interface Job {
  id: number;
  input: Buffer;
  length: number;
  level: number;
  probe: boolean;
  resolve(r: GzipResult): void;
  reject(e: Error): void;
}

interface Slot {
  worker: Worker;
  job?: Job;
  /** The nice value the thread reported (null where it could not be read or set). */
  nice?: number | null;
}

export class GzipPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(private readonly size = availableParallelism(), private readonly nice = BACKGROUND_NICE) {}

  /**
   * Gzips `input[0, length)` as one member. `input` must own its whole ArrayBuffer: it is moved to
   * the worker and comes back as `result.input` (until then the caller must not touch it).
   */
  gzip(input: Buffer, length: number, level: number, probe: boolean): Promise<GzipResult> {
    if (input.byteOffset !== 0 || input.byteLength !== input.buffer.byteLength) throw new Error('gzip pool: the input must own its ArrayBuffer');
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, input, length, level, probe, resolve, reject });
      this.dispatch();
    });
  }

  /** The nice value of each running compression thread (tests and diagnostics). */
  async threadNices(): Promise<(number | null)[]> {
    return this.slots.map((s) => s.nice ?? null);
  }

  /** Stops every thread; jobs in flight fail. */
  async close(): Promise<void> {
    clearTimeout(this.idleTimer);
    await Promise.all(this.slots.splice(0).map((s) => s.worker.terminate()));
  }

  private dispatch(): void {
    clearTimeout(this.idleTimer);
    while (this.queue.length) {
      let slot = this.slots.find((s) => !s.job);
      if (!slot) {
        if (this.slots.length >= this.size) return;
        slot = this.spawn();
      }
      const job = this.queue.shift()!;
      slot.job = job;
      slot.worker.ref();
      const data = job.input.buffer;
      slot.worker.postMessage({ id: job.id, data, length: job.length, level: job.level, probe: job.probe }, [data as ArrayBuffer]);
    }
    if (this.slots.every((s) => !s.job)) {
      this.idleTimer = setTimeout(() => void this.close(), IDLE_MS);
      this.idleTimer.unref();
    }
  }

  private spawn(): Slot {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { nice: this.nice } });
    const slot: Slot = { worker };
    this.slots.push(slot);
    worker.unref();
    worker.on('message', (m: { ready?: true; nice?: number | null; id?: number; member?: ArrayBuffer; length?: number; stored?: boolean; data?: ArrayBuffer; error?: string }) => {
      if (m.ready) {
        slot.nice = m.nice;
        return;
      }
      const job = slot.job;
      if (!job || job.id !== m.id) return;
      slot.job = undefined;
      worker.unref();
      const input = Buffer.from(m.data!);
      if (m.error !== undefined) job.reject(new Error(`gzip failed: ${m.error}`));
      else job.resolve({ member: Buffer.from(m.member!, 0, m.length), stored: !!m.stored, input });
      this.dispatch();
    });
    const lost = (why: string) => {
      const job = slot.job;
      slot.job = undefined;
      job?.reject(new Error(`gzip thread stopped: ${why}`));
      const i = this.slots.indexOf(slot);
      if (i < 0) return; // closed
      this.slots.splice(i, 1);
      this.dispatch(); // a new thread takes the queue
    };
    worker.on('error', (e) => lost(e.message));
    worker.on('exit', (code) => lost(`exit code ${code}`));
    return slot;
  }
}

let shared: GzipPool | undefined;

/** The process's compression threads, shared by every backup running in it. */
export function gzipPool(): GzipPool {
  return (shared ??= new GzipPool());
}
