// Entry point of the store worker thread (bundled as dist/storeWorker.js beside extension.js; in
// tests it sits beside replica.js). It holds a copy of tasks.db, applies the host's writes in the
// order they were made, and does what would block the host's thread: the save (export and
// atomic write) and text searches, through an index kept in this thread's memory (textIndex.ts).
// See replica.ts for the host's side.
import { parentPort, workerData } from 'node:worker_threads';
import type { Database } from 'sql.js';
import { loadSqlJs } from './openTaskStore';
import { countRows, readPage } from './pageReader';
import { writeFileAtomic } from './persist';
import type { FromWorker, ReplicaStart, ToWorker, WorkerStats } from './replica';
import { fingerprint, LOG_CHARS_SQL, openSeed, SeedMismatch } from './replicaSeed';
import { SqlRunner } from './sqlRunner';
import { buildWhere } from './taskQuery';
import { TextIndex } from './textIndex';

const port = parentPort!;
const start = workerData as ReplicaStart;
const post = (m: FromWorker) => port.postMessage(m);

const fences = new Map<number, (ok: boolean) => void>();
let nextFence = 1;
/** The host answers whether it still leads right before the rename (persist.ts's fencing). */
function askCanPersist(): Promise<boolean> {
  const id = nextFence++;
  return new Promise((resolve) => {
    fences.set(id, resolve);
    post({ kind: 'canPersist', id });
  });
}

// Messages that arrive while the WASM loads wait, in order.
const early: ToWorker[] = [];
let handle: ((m: ToWorker) => void) | undefined;
port.on('message', (m: ToWorker) => (handle ? handle(m) : early.push(m)));

async function main(): Promise<void> {
  const SQL = await loadSqlJs(start.wasmPath);
  // The host's copy before its first journaled write (replicaSeed.ts); the host waits for a file's integrity.
  let db: Database;
  try {
    db = await openSeed(SQL, start.seed, (integrity) => post({ kind: 'checked', integrity }));
  } catch (e) {
    if (!(e instanceof SeedMismatch)) throw e;
    return post({ kind: 'diverged', message: e.message });
  }
  const sql = new SqlRunner(db);
  post({ kind: 'seeded', fingerprint: fingerprint(db), logChars: Number(sql.scalar(LOG_CHARS_SQL, [])) });
  const index = new TextIndex(db, sql);
  let lastSearch: WorkerStats['lastSearch'] = { ms: 0, indexed: false };
  // Saves one at a time, in the order asked (the host's Coalescer never overlaps them anyway).
  let saving: Promise<void> = Promise.resolve();
  let diverged = false;

  handle = (m: ToWorker) => {
    if (diverged) return;
    if (m.kind === 'expect') {
      if (fingerprint(db) === m.fingerprint) return;
      diverged = true;
      post({ kind: 'diverged', message: 'it did not start from the same database' });
    } else if (m.kind === 'ops') {
      for (const [text, params] of m.ops) {
        try {
          // As SqlRunner ran it in the host: one step of a prepared statement, or every step.
          if (params.length) sql.run(text, params);
          else sql.exec(text);
        } catch (e) {
          diverged = true;
          post({ kind: 'diverged', message: `${(e as Error).message} in ${text.slice(0, 80)}` });
          return;
        }
      }
      index.afterWrites();
    } else if (m.kind === 'fence') {
      fences.get(m.id)?.(m.ok);
      fences.delete(m.id);
    } else if (m.kind === 'search') {
      try {
        const t0 = performance.now();
        const cpu0 = processCpuMs();
        const found = index.load(m.query.text?.trim() ?? '');
        // The index found exactly the tasks that exist and match: with no other filter, that is the total.
        const textOnly = found !== undefined && !m.query.runs ? buildWhere({ text: m.query.text }, false, found.from).sql : undefined;
        const page = readPage(sql, m.query, (w) => (w.sql === textOnly ? found!.count : countRows(sql, w)), found?.from ?? 'like');
        const cpu1 = processCpuMs();
        lastSearch = { ms: performance.now() - t0, cpuMs: cpu1 - cpu0, indexed: found !== undefined, from: found?.from };
        post({ kind: 'page', id: m.id, page });
      } catch (e) {
        post({ kind: 'failed', id: m.id, message: (e as Error).message });
      }
    } else if (m.kind === 'stats') {
      const mem = process.memoryUsage();
      post({ kind: 'stats', id: m.id, stats: { index: index.stats(), lastSearch, heapUsedMB: mb(mem.heapUsed), externalMB: mb(mem.external), rssMB: mb(mem.rss) } });
    } else if (m.kind === 'persist') {
      // Exported now, before any later write arrives: the file holds exactly what the host had
      // when it asked.
      let bytes: Uint8Array;
      const t0 = performance.now();
      try {
        // Pages freed by pruning are given back here, not in the host (see deleteTasks in
        // sqlStore.ts): the file shrinks, and what the copies hold stays the same rows.
        if ((sql.scalar('PRAGMA freelist_count', []) as number) > 0) db.exec('PRAGMA incremental_vacuum');
        bytes = db.export();
      } catch (e) {
        post({ kind: 'failed', id: m.id, message: (e as Error).message });
        return;
      }
      const exportMs = performance.now() - t0;
      saving = saving.then(() =>
        writeFileAtomic(m.path, bytes, askCanPersist).then(
          () => post({ kind: 'persisted', id: m.id, bytes: bytes.byteLength, exportMs }),
          (e) => post({ kind: 'failed', id: m.id, message: (e as Error).message }),
        ),
      );
    }
  };
  for (const m of early.splice(0)) handle(m);
}

/**
 * CPU time of the process (getrusage: exact, where a thread's schedstat lags by up to a scheduler
 * tick). Taken around a search, while the host's thread waits for the answer, it is about this
 * thread's: steadier than wall time on a busy machine.
 */
function processCpuMs(): number {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
}

const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

main().catch((e) => {
  // The host sees the thread exit and goes on in its own thread.
  process.stderr.write(`store worker: ${(e as Error).message}\n`);
  process.exit(1);
});
