// The host's side of the store worker (storeWorker.ts). The worker holds a copy of tasks.db that
// follows every write the store makes (forwarded through SqlRunner's journal, in order), so the
// two slow things that need the whole database run on its thread, not on the extension host's,
// which every extension shares: the save (db.export() of up to ~200 MB and the atomic write) and
// a text search (LIKE over summaries and every log line). Messages keep their order, so a save
// or a search asked for after a write always sees it.
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import type { SqlValue } from 'sql.js';
import type { TaskPage, TaskQuery } from '../../../shared/model';
import type { ReplicaSeed } from './replicaSeed';
import type { TextIndexStats } from './textIndex';

/** Where the worker's script is: beside this module in tests, beside extension.js in the bundle. */
export const STORE_WORKER_SCRIPT = join(__dirname, 'storeWorker.js');

export type ReplicaOp = [sql: string, params: SqlValue[]];

export interface ReplicaStart {
  /** What the writes start from (replicaSeed.ts): the file as the host opened it, a new history, or an export. */
  seed: ReplicaSeed;
  wasmPath: string;
}

export type ToWorker =
  /** First of all: the host's copy when its journal starts (replicaSeed.ts's fingerprint); the worker's must match. */
  | { kind: 'expect'; fingerprint: string }
  | { kind: 'ops'; ops: ReplicaOp[] }
  | { kind: 'persist'; id: number; path: string }
  | { kind: 'search'; id: number; query: TaskQuery }
  | { kind: 'stats'; id: number }
  | { kind: 'fence'; id: number; ok: boolean };

export type FromWorker =
  /** A file seed's PRAGMA quick_check, before anything else ('ok' or what is wrong). */
  | { kind: 'checked'; integrity: string }
  /** Then, the copy ready: its fingerprint and characters of log text (replicaSeed.ts). */
  | { kind: 'seeded'; fingerprint: string; logChars: number }
  | { kind: 'persisted'; id: number; bytes: number; exportMs: number }
  | { kind: 'page'; id: number; page: TaskPage }
  | { kind: 'stats'; id: number; stats: WorkerStats }
  | { kind: 'failed'; id: number; message: string }
  | { kind: 'canPersist'; id: number }
  /** A forwarded write failed there: the copy can no longer be trusted. */
  | { kind: 'diverged'; message: string };

/** For the benchmark and diagnostics: the text index and the worker's memory. */
export interface WorkerStats {
  index: TextIndexStats;
  /** The last search in the worker: wall time, the process's CPU time meanwhile, and whether the index answered it (or a scan). */
  /** `from`: where the index put its answer (textIndex.ts load): the matches, or the tasks that do not match. */
  lastSearch: { ms: number; cpuMs?: number; indexed: boolean; from?: 'hits' | 'misses' };
  /** The worker's own V8 heap; WASM memory (the copy of tasks.db) is in external. rss is the process's. */
  heapUsedMB: number;
  externalMB: number;
  rssMB: number;
}

/** The worker stopped (or never started): the caller does the work in its own thread instead. */
export class ReplicaGone extends Error {
  override readonly name = 'ReplicaGone';
}

export interface ReplicaOptions {
  script?: string;
  /** Fencing: asked by the worker right before its write replaces tasks.db. */
  canPersist: () => boolean;
  /** Once, when the worker is lost for any reason but stop(). */
  onGone: (reason: string) => void;
  /** Diagnostics and tests. */
  onStarted?: (worker: Worker) => void;
}

/** Writes are sent in batches: one message per statement would cost more than the statement. */
const MAX_BATCH = 2000;

export class StoreReplica {
  private readonly worker: Worker;
  private batch: ReplicaOp[] = [];
  private sendTimer: NodeJS.Immediate | undefined;
  private readonly waiting = new Map<number, { resolve: (m: FromWorker) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private gone: string | undefined;
  private onChecked: { resolve: (integrity: string) => void; reject: (e: Error) => void } | undefined;
  /** A file seed's integrity as the worker found it; rejects with ReplicaGone if the worker is lost first. */
  readonly checked: Promise<string>;
  private onSeeded: { resolve: (copy: { fingerprint: string; logChars: number }) => void; reject: (e: Error) => void } | undefined;
  /** The copy's fingerprint and characters of log text once it is ready; rejects with ReplicaGone if the worker is lost first. */
  readonly seeded: Promise<{ fingerprint: string; logChars: number }>;

  constructor(start: ReplicaStart, private readonly options: ReplicaOptions) {
    this.checked = new Promise((resolve, reject) => (this.onChecked = { resolve, reject }));
    this.checked.catch(() => undefined); // asked only for a file seed
    this.seeded = new Promise((resolve, reject) => (this.onSeeded = { resolve, reject }));
    this.seeded.catch(() => undefined);
    // An export's bytes are moved, not copied: the host's thread does not pay for a second copy.
    const transferList = start.seed.kind === 'bytes' ? [start.seed.bytes.buffer as ArrayBuffer] : [];
    this.worker = new Worker(options.script ?? STORE_WORKER_SCRIPT, { workerData: start, transferList });
    // Never keeps the process alive on its own (a test, the command line).
    this.worker.unref();
    this.worker.on('message', (m: FromWorker) => this.receive(m));
    this.worker.on('error', (e) => this.lose(`the store worker failed: ${e.message}`));
    this.worker.on('exit', (code) => this.lose(`the store worker stopped (exit code ${code})`));
    options.onStarted?.(this.worker);
  }

  get alive(): boolean {
    return this.gone === undefined;
  }

  get lostBecause(): string | undefined {
    return this.gone;
  }

  /** Where the host's copy is when its journal starts: the worker checks its own against it before any write. */
  expect(fingerprint: string): void {
    if (!this.gone) this.worker.postMessage({ kind: 'expect', fingerprint } satisfies ToWorker);
  }

  /** Whom to tell when the worker is lost (the store, once it exists). */
  set onGone(fn: (reason: string) => void) {
    this.options.onGone = fn;
  }

  /** SqlRunner's journal: one write, after it succeeded in the host's copy. */
  readonly journal = (sql: string, params: SqlValue[]): void => {
    if (this.gone) return;
    this.batch.push([sql, params]);
    if (this.batch.length >= MAX_BATCH) this.send();
    else this.sendTimer ??= setImmediate(() => this.send());
  };

  /** Exports the copy and replaces `path` with it (fenced by canPersist). */
  async persist(path: string): Promise<{ bytes: number; exportMs: number }> {
    const m = await this.request((id) => ({ kind: 'persist', id, path }));
    if (m.kind !== 'persisted') throw new Error('unexpected reply from the store worker');
    return { bytes: m.bytes, exportMs: m.exportMs };
  }

  async search(query: TaskQuery): Promise<TaskPage> {
    const m = await this.request((id) => ({ kind: 'search', id, query }));
    if (m.kind !== 'page') throw new Error('unexpected reply from the store worker');
    return m.page;
  }

  async stats(): Promise<WorkerStats> {
    const m = await this.request((id) => ({ kind: 'stats', id }));
    if (m.kind !== 'stats') throw new Error('unexpected reply from the store worker');
    return m.stats;
  }

  /** Ends the worker; what it was asked and has not answered fails with ReplicaGone. */
  async stop(): Promise<void> {
    this.lose('the store was closed', false);
    await this.worker.terminate();
  }

  private request(make: (id: number) => ToWorker): Promise<FromWorker> {
    if (this.gone) return Promise.reject(new ReplicaGone(this.gone));
    this.send(); // the writes before this request first, so it sees them
    const id = this.nextId++;
    return new Promise<FromWorker>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage(make(id));
    });
  }

  private send(): void {
    if (this.sendTimer) clearImmediate(this.sendTimer);
    this.sendTimer = undefined;
    if (this.batch.length === 0 || this.gone) return;
    const ops = this.batch;
    this.batch = [];
    this.worker.postMessage({ kind: 'ops', ops } satisfies ToWorker);
  }

  private receive(m: FromWorker): void {
    if (m.kind === 'checked') return this.onChecked?.resolve(m.integrity);
    if (m.kind === 'seeded') return this.onSeeded?.resolve(m);
    if (m.kind === 'diverged') return this.lose(`the store worker's copy of the history no longer matches (${m.message})`);
    if (m.kind === 'canPersist') {
      let ok = false;
      try {
        ok = this.options.canPersist();
      } catch {
        ok = false;
      }
      this.worker.postMessage({ kind: 'fence', id: m.id, ok } satisfies ToWorker);
      return;
    }
    const w = this.waiting.get(m.id);
    if (!w) return;
    this.waiting.delete(m.id);
    if (m.kind === 'failed') w.reject(new Error(m.message));
    else w.resolve(m);
  }

  private lose(reason: string, tell = true): void {
    if (this.gone) return;
    this.gone = reason;
    if (this.sendTimer) clearImmediate(this.sendTimer);
    this.sendTimer = undefined;
    this.batch = [];
    for (const w of this.waiting.values()) w.reject(new ReplicaGone(reason));
    this.waiting.clear();
    this.onChecked?.reject(new ReplicaGone(reason));
    this.onSeeded?.reject(new ReplicaGone(reason));
    if (tell) {
      void this.worker.terminate();
      this.options.onGone(reason);
    }
  }
}
