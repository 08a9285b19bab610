// Store benchmark (`npm run bench store`): 100k tasks and 1M log lines through the public API;
// insert throughput, save pause and file size (full, and at the default bounds), page-query
// latency at 100k tasks, the longest event-loop block during a 10k lines/s flood with normal
// coalescing, and writes made by an idle store. Results: test/bench/results/store.json.
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { silentLogger, systemClock } from '../../../src/extension/core/ports';
import { openTaskStore } from '../../../src/extension/core/store/openTaskStore';
import { DEFAULT_BOUNDS, type PersistEvent, type SqlTaskStore } from '../../../src/extension/core/store/sqlStore';
import { SORT_COLUMNS, TASK_KINDS, TASK_STATUSES, TASK_TRIGGERS, type TaskQuery } from '../../../src/shared/model';
import { environmentOverview, OverviewCache } from '../../../src/extension/core/health/overview';
import { TaskLogController } from '../../../src/extension/ui/taskLogController';
import type { ChangesReply } from '../../../src/shared/protocol';
import { eventLoopMaxBlock, idleMaxBlock, median } from '../measure';

// BENCH_SCALE=0.05 for a quick dry run of the script itself; the reported figures use 1.
const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const TASKS = Math.round(100_000 * SCALE);
const LINES = Math.round(1_000_000 * SCALE);
const ENVS = Array.from({ length: 20 }, (_, i) => `env-${i}`);
const repo = join(__dirname, '..', '..', '..', '..');
const tmp = join(repo, 'test', 'bench', 'tmp', `store-${process.pid}`);
const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;
// The machine's load is recorded with the figures: on a shared 2-core box it moves them a lot.
const results: Record<string, unknown> = { date: new Date().toISOString(), node: process.version, cpus: cpus().length, loadAvgAtStart: loadavg().map((l) => round(l, 2)), tasks: TASKS, logLines: LINES };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}
let seed = 12345;
const rnd = (n: number) => (seed = (seed * 48271) % 2147483647) % n;
const logText = (i: number) => `[${i}] adding src/module-${i % 997}/file-${i}.ts (${(i * 37) % 100_000} bytes) ${'.'.repeat(i % 40)}`;

// As the extension host opens it: saves and text searches in the store worker (the agent's
// in-thread store is measured by `npm run bench agent`).
async function open(dir: string, bounds = DEFAULT_BOUNDS, coalesceMs = 1000) {
  const persists: PersistEvent[] = [];
  const { store } = await openTaskStore({ dir, clock: systemClock, logger: silentLogger, bounds, coalesceMs, onPersist: (e) => persists.push(e), worker: true });
  if (!store.inWorker) throw new Error('the store worker did not start (npm run build:tests builds it)');
  return { store, persists };
}

function insertAll(store: SqlTaskStore, base: number): void {
  let t0 = performance.now();
  const ids: number[] = [];
  for (let i = 0; i < TASKS; i++) {
    const status = TASK_STATUSES[2 + rnd(5)]; // finished ones: this is history
    const queuedAt = base + i * 60_000;
    const t = store.createTask({
      envId: ENVS[rnd(ENVS.length)], kind: TASK_KINDS[rnd(4)], trigger: TASK_TRIGGERS[rnd(3)], status, queuedAt,
      startedAt: queuedAt + rnd(5000), finishedAt: queuedAt + 5000 + rnd(600_000), error: status === 'failed' ? `tar: exit code ${rnd(3) + 1}: No space left on device (${i})` : null,
    });
    store.updateTask(t.id, { result: { size: rnd(1e9), fileCount: rnd(10_000), summary: `${rnd(5000)} files` } });
    ids.push(t.id);
  }
  const taskMs = performance.now() - t0;
  t0 = performance.now();
  for (let i = 0; i < LINES; i++) store.appendLog(ids[Math.floor(i / (LINES / TASKS))], i % 50 === 0 ? 'warn' : 'info', logText(i), base + i);
  store.getTask(ids[0]); // drains the last buffered lines
  const lineMs = performance.now() - t0;
  results.insert = { tasksPerSec: Math.round(TASKS / (taskMs / 1000)), taskCreatePlusUpdateMs: round(taskMs), linesPerSec: Math.round(LINES / (lineMs / 1000)), linesMs: round(lineMs) };
}

function pageQueries(store: SqlTaskStore): void {
  const shapes: Record<string, () => TaskQuery> = {
    'env filter, newest first': () => ({ envIds: [ENVS[rnd(20)]], sort: 'queuedAt', descending: true, offset: rnd(10) * 50, limit: 50 }),
    'env + status, by startedAt': () => ({ envIds: [ENVS[rnd(20)]], statuses: ['failed', 'succeeded'], sort: 'startedAt', descending: true, offset: rnd(10) * 50, limit: 50 }),
    'status filter, by duration': () => ({ statuses: [TASK_STATUSES[2 + rnd(5)]], sort: 'duration', descending: rnd(2) === 0, offset: rnd(10) * 50, limit: 50 }),
    'date range, by size': () => ({ from: base0 + rnd(TASKS / 2) * 60_000, to: base0 + (TASKS / 2 + rnd(TASKS / 2)) * 60_000, sort: 'size', descending: true, offset: rnd(10) * 50, limit: 50 }),
    'no filter, any column': () => ({ sort: SORT_COLUMNS[rnd(SORT_COLUMNS.length)], descending: rnd(2) === 0, offset: rnd(20) * 50, limit: 50 }),
    'kind + trigger filter, by envId': () => ({ kinds: [TASK_KINDS[rnd(4)]], triggers: [TASK_TRIGGERS[rnd(3)]], sort: 'envId', offset: rnd(10) * 50, limit: 50 }),
  };
  // Per shape: a new filter (first page: the total is counted) then two more pages of it (the
  // total comes from the cache), as a user filtering and then paging does.
  const cold: number[] = [];
  const warm: number[] = [];
  const cpu: number[] = [];
  const perShape: Record<string, { firstPageP95: number; nextPageP95: number; max: number }> = {};
  const timed = (q: TaskQuery) => {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    store.queryTasks(q);
    const ms = performance.now() - t0;
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
    return ms;
  };
  for (const [name, make] of Object.entries(shapes)) {
    for (let i = 0; i < 5; i++) store.queryTasks(make()); // prepare the statements, as a live panel would have
    const c: number[] = [];
    const w: number[] = [];
    for (let i = 0; i < 60; i++) {
      const q = make();
      c.push(timed({ ...q, offset: 0 }));
      w.push(timed({ ...q, offset: 50 }), timed({ ...q, offset: 100 }));
    }
    cold.push(...c);
    warm.push(...w);
    perShape[name] = { firstPageP95: round(pct(c, 95), 2), nextPageP95: round(pct(w, 95), 2), max: round(Math.max(...c, ...w), 2) };
  }
  const all = [...cold, ...warm];
  // The window's own copy scanning (no worker: the agent, or a worker lost); the Task Log's
  // search runs in the worker (workerTextSearch below). Reported apart from the page target.
  const text: Record<string, number> = {};
  for (const [name, q] of [['text in error/summary (no match in logs needed)', { text: 'No space left', limit: 50 }], ['text only in log lines', { text: 'file-123456.ts', limit: 50 }]] as const) {
    const t0 = performance.now();
    store.queryTasks(q);
    text[name] = round(performance.now() - t0);
  }
  results.pageQuery = {
    p50: round(pct(all, 50), 2), p95: round(pct(all, 95), 2), max: round(Math.max(...all), 2),
    firstPage: { p50: round(pct(cold, 50), 2), p95: round(pct(cold, 95), 2) },
    nextPage: { p50: round(pct(warm, 50), 2), p95: round(pct(warm, 95), 2) },
    cpuTime: { p50: round(pct(cpu, 50), 2), p95: round(pct(cpu, 95), 2) },
    perShape, textSearchMs: text,
  };
}

/** Text searches as the Task Log asks them, the answer in the store worker; goal (issue 19 item 4) <= 50 ms. */
const SEARCHES: [string, TaskQuery][] = [
  ['text in error/summary', { text: 'No space left', limit: 50 }],
  ['text only in log lines', { text: 'file-123456.ts', limit: 50 }],
  ['part of a path in 1k lines', { text: 'module-5/file', limit: 50 }],
  ['runs, text in log lines', { text: 'file-123456.ts', runs: true, limit: 50 }],
  ['in every task (100k matches)', { text: 'adding src', limit: 50 }],
  ['two characters (no index: scan of the copy in memory)', { text: 'zq', limit: 50 }],
];

type WorkerStats = Awaited<ReturnType<SqlTaskStore['workerStats']>>;
/** Undefined before the store worker had an index (the figures "before"). */
const workerStats = (store: SqlTaskStore): Promise<WorkerStats> => (typeof store.workerStats === 'function' ? store.workerStats() : Promise.resolve(undefined));

/** Waits for the worker's index (built when the worker starts), and says how long it took and what it holds. */
async function indexReady(store: SqlTaskStore) {
  const t0 = performance.now();
  let s = await workerStats(store);
  while (s && !s.index.ready) {
    await sleep(20);
    s = await workerStats(store);
  }
  return s && { waitedMs: round(performance.now() - t0), buildMs: round(s.index.lastBuildMs), buildBusyMs: round(s.index.lastBuildBusyMs), indexMB: s.index.approxMB, chars: s.index.chars, blocks: s.index.blocks, workerHeapMB: s.heapUsedMB, workerExternalMB: s.externalMB, processRssMB: s.rssMB };
}

type SearchFigures = { wallMs: number; nextPageMs?: number; workerMs?: number; workerCpuMs?: number; indexed?: boolean; from?: string; total: number };
async function workerTextSearch(store: SqlTaskStore): Promise<Record<string, SearchFigures>> {
  const walls = new Map<string, number[]>();
  const inWorker = new Map<string, number[]>();
  const cpu = new Map<string, number[]>();
  const next = new Map<string, number[]>();
  const out: Record<string, SearchFigures> = {};
  const push = (m: Map<string, number[]>, k: string, v: number) => m.set(k, [...(m.get(k) ?? []), v]);
  // Round-robin, so that no search follows itself: the worker reuses a search's matches for its
  // next page (nextPageMs) while nothing is written, and a repeat would measure that.
  for (let k = 0; k < 5; k++) {
    for (const [name, q] of SEARCHES) {
      let t0 = performance.now();
      const total = (await store.searchTasks(q)).total;
      push(walls, name, performance.now() - t0);
      const s = await workerStats(store);
      if (s) {
        push(inWorker, name, s.lastSearch.ms);
        if (s.lastSearch.cpuMs !== undefined) push(cpu, name, s.lastSearch.cpuMs);
      }
      t0 = performance.now();
      await store.searchTasks({ ...q, offset: 50 });
      push(next, name, performance.now() - t0);
      out[name] = { wallMs: 0, total, ...(s ? { indexed: s.lastSearch.indexed, from: s.lastSearch.from } : {}) };
    }
  }
  for (const [name] of SEARCHES) {
    const o = out[name];
    o.wallMs = round(median(walls.get(name)!));
    o.nextPageMs = round(median(next.get(name)!));
    if (inWorker.has(name)) o.workerMs = round(median(inWorker.get(name)!));
    if (cpu.has(name)) o.workerCpuMs = round(median(cpu.get(name)!));
  }
  return out;
}

/**
 * The Task Log's overview and its page of runs at 100k tasks written as runs (backup, verify,
 * prune; a tenth of each step fails, which ends the run): what one poll reply costs the host.
 * The overview reply reads every environment's last 30 runs; a runs page is the table's query.
 */
async function runsQueries(): Promise<void> {
  const { store } = await open(join(tmp, 'runs'), { maxAgeDays: 100_000, maxTasks: 10_000_000, maxLinesPerTask: 1_000_000, maxTotalLogChars: 1e12 }, 3_600_000);
  const base = Date.now() - TASKS * 60_000;
  let n = 0;
  let i = 0;
  const t0 = performance.now();
  while (n < TASKS) {
    const envId = ENVS[rnd(ENVS.length)];
    const at = base + i++ * 60_000;
    const backupOk = rnd(10) > 0;
    const head = store.createTask({ envId, kind: 'backup', trigger: 'scheduled', status: backupOk ? 'succeeded' : 'failed', queuedAt: at, startedAt: at, finishedAt: at + 20_000 + rnd(40_000) });
    store.updateTask(head.id, { result: backupOk ? { archivePath: `/b/${envId}-${i}.tar.gz`, size: rnd(1e9), fileCount: rnd(10_000) } : null });
    n++;
    if (!backupOk) continue;
    for (const kind of ['verify', 'prune'] as const) {
      if (n >= TASKS) break;
      const ok = rnd(10) > 0;
      const s = store.createTask({ envId, kind, trigger: 'scheduled', status: 'running', queuedAt: at + 60_000, startedAt: at + 60_000, parentId: head.id });
      store.updateTask(s.id, { status: ok ? 'succeeded' : 'failed', finishedAt: at + 70_000, result: kind === 'prune' && ok ? { storedSize: rnd(1e10) } : null });
      n++;
      if (!ok) break;
    }
  }
  const insertMs = performance.now() - t0;
  const timed = (f: () => unknown) => {
    const c0 = process.cpuUsage();
    const w0 = performance.now();
    f();
    const c = process.cpuUsage(c0);
    return { ms: performance.now() - w0, cpu: (c.user + c.system) / 1000 };
  };
  const now = Date.now();
  const overviewOnce = () => ENVS.map((id) => environmentOverview(store, { id, name: id, schedule: '0 * * * *', enabled: true }, now));
  for (let k = 0; k < 5; k++) overviewOnce();
  const ov = Array.from({ length: 100 }, () => timed(overviewOnce));
  // As the panel asks while a backup runs: one environment changed since the last reply.
  const cache = new OverviewCache(store);
  const envList = ENVS.map((id) => ({ id, name: id, schedule: '0 * * * *', enabled: true }));
  cache.get(envList, now);
  const live = Array.from({ length: 100 }, (_, k) => {
    const envId = ENVS[k % ENVS.length];
    const t = store.createTask({ envId, kind: 'backup', trigger: 'manual', status: 'succeeded', queuedAt: now + k, startedAt: now + k, finishedAt: now + k + 1000 });
    store.updateTask(t.id, { result: { size: 1 } });
    return timed(() => cache.get(envList, now));
  });
  // The whole poll reply of an open Task Log (overview open, one row per run) after a change in
  // one environment: changesSince, the page of runs with their steps, the overview, as the host
  // builds it (TaskLogController over the store, the overview through its cache).
  const panelCache = new OverviewCache(store);
  const controller = new TaskLogController({
    searchTasks: (q) => store.searchTasks(q), logAfter: (i, a, l) => store.logAfter(i, a, l), changesSince: (r) => store.changesSince(r), getTask: (i) => store.getTask(i),
    environments: () => ENVS.map((id) => ({ id, name: id })), overview: () => panelCache.get(envList, now), runAction: async () => undefined,
  }, silentLogger);
  let cursor = 0;
  let known: number[] = [];
  const poll = async (refresh: boolean) => {
    const r = (await controller.handle({ type: 'poll', id: 1, cursor, refresh, known, overview: true, query: { runs: true, limit: 50 } })) as ChangesReply;
    if (r.type === 'changes') {
      cursor = r.cursor;
      if (r.page) known = r.page.order;
    }
  };
  await poll(true);
  const panel: { ms: number; cpu: number }[] = [];
  for (let k = 0; k < 100; k++) {
    const envId = ENVS[k % ENVS.length];
    const t = store.createTask({ envId, kind: 'backup', trigger: 'manual', status: 'running', queuedAt: now + 1000 + k, startedAt: now + 1000 + k });
    store.updateTask(t.id, { status: 'succeeded', finishedAt: now + 2000 + k, result: { size: 1 } });
    const c0 = process.cpuUsage();
    const w0 = performance.now();
    await poll(false);
    const c = process.cpuUsage(c0);
    panel.push({ ms: performance.now() - w0, cpu: (c.user + c.system) / 1000 });
  }
  const shapes: Record<string, () => TaskQuery> = {
    'runs, newest first': () => ({ runs: true, offset: rnd(10) * 50, limit: 50 }),
    'runs of one environment': () => ({ runs: true, envIds: [ENVS[rnd(20)]], offset: rnd(10) * 50, limit: 50 }),
    'failed runs': () => ({ runs: true, statuses: ['failed'], offset: rnd(5) * 50, limit: 50 }),
    'runs with a verify, by duration': () => ({ runs: true, kinds: ['verify'], sort: 'duration', descending: true, offset: rnd(5) * 50, limit: 50 }),
    'runs by outcome': () => ({ runs: true, sort: 'status', descending: rnd(2) === 0, offset: rnd(5) * 50, limit: 50 }),
  };
  const pages: { ms: number; cpu: number }[] = [];
  const perShape: Record<string, number> = {};
  for (const [name, make] of Object.entries(shapes)) {
    for (let k = 0; k < 3; k++) store.queryTasks(make());
    const xs = Array.from({ length: 40 }, () => timed(() => store.queryTasks(make())));
    pages.push(...xs);
    perShape[name] = round(pct(xs.map((x) => x.ms), 95), 2);
  }
  const ms = (xs: { ms: number }[]) => xs.map((x) => x.ms);
  const cpu = (xs: { cpu: number }[]) => xs.map((x) => x.cpu);
  results.runs = {
    tasks: TASKS,
    runs: store.queryTasks({ runs: true, limit: 1 }).total,
    insertMs: round(insertMs),
    overviewReply20Envs: { p50: round(pct(ms(ov), 50), 2), p95: round(pct(ms(ov), 95), 2), cpuP95: round(pct(cpu(ov), 95), 2) },
    panelPollReply: { p50: round(pct(ms(panel), 50), 2), p95: round(pct(ms(panel), 95), 2), cpuP95: round(pct(cpu(panel), 95), 2) },
    overviewReplyOneEnvChanged: { p50: round(pct(ms(live), 50), 2), p95: round(pct(ms(live), 95), 2), cpuP95: round(pct(cpu(live), 95), 2) },
    runsPage: { p50: round(pct(ms(pages), 50), 2), p95: round(pct(ms(pages), 95), 2), cpuP95: round(pct(cpu(pages), 95), 2), perShapeP95: perShape },
  };
  await store.dispose();
}

let base0 = 0;

const huge = { maxAgeDays: 100_000, maxTasks: 10_000_000, maxLinesPerTask: 1_000_000, maxTotalLogChars: 1e12 };
// maxBlockWaitMs: how much of the longest gap the main thread waited for a core (measure.ts).
const block = (b: { maxBlockMs: number; maxBlockCpuMs?: number; maxBlockWaitMs?: number; maxBlockStealMs?: number }) => ({
  maxBlockMs: round(b.maxBlockMs),
  ...(b.maxBlockCpuMs !== undefined ? { maxBlockCpuMs: round(b.maxBlockCpuMs) } : {}),
  ...(b.maxBlockWaitMs !== undefined ? { maxBlockWaitMs: round(b.maxBlockWaitMs) } : {}),
  ...(b.maxBlockStealMs !== undefined ? { maxBlockStealMs: round(b.maxBlockStealMs) } : {}),
});

/**
 * The host thread's longest stall (1 ms ticker) at 100k tasks during an export (a save), text
 * searches, an open of the file, a Clear History of all of it and a prune to the default bounds
 * (which `full` is left at). Goal (issue 19 item 2): <= 20 ms each. maxBlockCpuMs: the most CPU
 * the main thread itself used inside one gap (on a loaded machine a gap is mostly other processes
 * running). Returns the prune's wall time.
 */
async function eventLoopAt100k(full: Awaited<ReturnType<typeof open>>): Promise<number> {
  const idleMs = await idleMaxBlock();
  full.store.markDirty();
  const exportBlock = block(await eventLoopMaxBlock(() => full.store.flush()));
  let searchBlock = { maxBlockMs: 0 } as ReturnType<typeof block>;
  for (const text of ['No space left', 'file-123456.ts', 'module-5/file']) {
    const b = block(await eventLoopMaxBlock(() => full.store.searchTasks({ text, limit: 50 })));
    searchBlock = { ...(b.maxBlockMs >= searchBlock.maxBlockMs ? b : searchBlock), ...(b.maxBlockCpuMs !== undefined ? { maxBlockCpuMs: Math.max(searchBlock.maxBlockCpuMs ?? 0, b.maxBlockCpuMs) } : {}) };
  }

  // A window opening the saved 100k-task file (a copy of it), as the extension host opens it,
  // then clearing all of that history (Clear Task History) and saving.
  const copyDir = join(tmp, 'open100k');
  mkdirSync(copyDir, { recursive: true });
  copyFileSync(join(tmp, 'full', 'tasks.db'), join(copyDir, 'tasks.db'));
  let copy: Awaited<ReturnType<typeof open>> | undefined;
  let t0 = performance.now();
  const openBlock = block(await eventLoopMaxBlock(async () => void (copy = await open(copyDir, huge, 3_600_000))));
  const openMs = performance.now() - t0;
  // The worker builds its text index from its copy (searches scan until then).
  const built = await indexReady(copy!.store);
  if (built) results.textIndexBuiltAtOpen100k = { openMs: round(openMs), ...built };
  t0 = performance.now();
  let cleared = 0;
  const clearBlock = block(await eventLoopMaxBlock(async () => {
    cleared = await copy!.store.clearHistory();
    while (copy!.store.pendingWrite) await copy!.store.flush();
  }));
  const clearMs = performance.now() - t0;
  if (copy!.store.queryTasks({}).total !== 0) throw new Error('Clear History left tasks');
  await copy!.store.dispose();
  rmSync(copyDir, { recursive: true, force: true });

  // The same history under the default bounds. 95k tasks to prune: in batches of about 5 ms.
  t0 = performance.now();
  full.persists.length = 0;
  const pruneBlock = block(await eventLoopMaxBlock(async () => {
    full.store.setBounds(DEFAULT_BOUNDS);
    while (full.store.pendingWrite) await full.store.flush();
  }));
  const pruneMs = performance.now() - t0;
  results.eventLoop = {
    goalMs: 20,
    idleBaselineMs: round(idleMs),
    export100k: exportBlock,
    textSearch100k: searchBlock,
    open100k: { ...openBlock, wallMs: round(openMs) },
    clearAll100k: { ...clearBlock, wallMs: round(clearMs), tasks: cleared },
    prune100kTo5k: { ...pruneBlock, wallMs: round(pruneMs) },
  };
  return pruneMs;
}

async function main(): Promise<void> {
  if (process.env.BENCH_PART === 'runs') {
    // Only the runs/overview figures, merged into the last full results.
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    const file = join(repo, 'test', 'bench', 'results', 'store.json');
    const previous = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
    await runsQueries();
    rmSync(tmp, { recursive: true, force: true });
    const r = results.runs as Record<string, unknown>;
    writeFileSync(file, `${JSON.stringify({ ...previous, runs: { ...r, date: results.date, loadAvg: results.loadAvgAtStart } }, null, 2)}\n`);
    console.log('runs:', JSON.stringify(r));
    return;
  }
  if (process.env.BENCH_PART === 'textSearch') {
    // Only the text searches at 100k tasks / 1M lines (a quick before/after; results not written).
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    const full = await open(join(tmp, 'full'), { maxAgeDays: 100_000, maxTasks: 10_000_000, maxLinesPerTask: 1_000_000, maxTotalLogChars: 1e12 }, 3_600_000);
    insertAll(full.store, Date.now() - TASKS * 60_000);
    await full.store.flush();
    await indexReady(full.store);
    const figures = await workerTextSearch(full.store);
    await full.store.dispose();
    rmSync(tmp, { recursive: true, force: true });
    for (const [name, f] of Object.entries(figures)) console.log(`${name.padEnd(56)} ${String(f.wallMs).padStart(7)} ms (worker CPU ${f.workerCpuMs} ms, ${f.from ?? (f.indexed ? 'index' : 'scan')}), next page ${f.nextPageMs} ms (${f.total} tasks)`);
    console.log('load average', results.loadAvgAtStart, '->', loadavg().map((x) => Math.round(x * 100) / 100));
    return;
  }
  if (process.env.BENCH_PART === 'eventLoop') {
    // Only the eventLoop figures (a quick before/after), merged into the last full results.
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    const file = join(repo, 'test', 'bench', 'results', 'store.json');
    const previous = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
    base0 = Date.now() - TASKS * 60_000;
    const full = await open(join(tmp, 'full'), huge, 3_600_000);
    insertAll(full.store, base0);
    await full.store.flush();
    await eventLoopAt100k(full);
    await full.store.dispose();
    rmSync(tmp, { recursive: true, force: true });
    const loadAvgAtEnd = loadavg().map((l) => round(l, 2));
    writeFileSync(file, `${JSON.stringify({ ...previous, eventLoop: { ...(results.eventLoop as object), date: results.date, loadAvg: results.loadAvgAtStart, loadAvgAtEnd } }, null, 2)}\n`);
    console.log('eventLoop:', JSON.stringify(results.eventLoop), 'load', results.loadAvgAtStart, '->', loadAvgAtEnd);
    return;
  }
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });

  // 1-3: full size, nothing pruned.
  base0 = Date.now() - TASKS * 60_000;
  const full = await open(join(tmp, 'full'), huge, 3_600_000);
  const insertCpu0 = process.cpuUsage();
  insertAll(full.store, base0);
  // How far behind the worker was when the host finished (it replays every write, and indexes
  // the texts), then everything's CPU up to the first save: host, worker, export and write.
  const w0 = performance.now();
  if (await workerStats(full.store)) (results.insert as Record<string, number>).workerCatchUpMs = round(performance.now() - w0);
  await full.store.flush();
  const insertCpu = process.cpuUsage(insertCpu0);
  (results.insert as Record<string, number>).processCpuSecondsUntilSaved = round((insertCpu.user + insertCpu.system) / 1e6, 2);
  const f = full.persists.at(-1)!;
  results.persistFull = saveFigures(f);
  pageQueries(full.store);
  results.textIndexAt100k = (await indexReady(full.store)) ?? null;
  results.processRssMBAt100k = round(process.memoryUsage().rss / 2 ** 20); // both threads, both copies of the database
  results.textSearch = { goalMs: 50, at100k: await workerTextSearch(full.store) };

  const pruneMs = await eventLoopAt100k(full);
  const pruned = full.persists.splice(0);
  // Then an ordinary save of the history as the bounds left it (5000 tasks, 10 lines each).
  full.store.markDirty();
  await full.store.flush();
  results.persistAtDefaultBounds = {
    pruneWallMs: round(pruneMs), pruneSaves: pruned.length,
    pruneSaveBlockedMsMax: round(Math.max(0, ...pruned.map((p) => p.blockedMs))),
    pruneSaveBlockedCpuMsMax: round(Math.max(0, ...pruned.map((p) => p.blockedCpuMs))),
    ...saveFigures(full.persists.at(-1)!), tasks: full.store.queryTasks({}).total,
  };
  await full.store.dispose();
  const t0 = performance.now();
  const reopened = await open(join(tmp, 'full'));
  results.openAtDefaultBoundsMs = round(performance.now() - t0);
  await reopened.store.dispose();

  // 5-7: the largest file the default bounds allow (5000 tasks, the log text budget full),
  // then a flood of 10k lines/s with normal (1 s) coalescing, then idle.
  const worst = await open(join(tmp, 'worst'));
  const perTaskChars = DEFAULT_BOUNDS.maxTotalLogChars / DEFAULT_BOUNDS.maxTasks;
  let worstLines = 0;
  for (let i = 0; i < DEFAULT_BOUNDS.maxTasks; i++) {
    const q = Date.now() - (DEFAULT_BOUNDS.maxTasks - i) * 60_000;
    const t = worst.store.createTask({ envId: ENVS[i % 20], kind: 'backup', trigger: 'scheduled', status: 'succeeded', queuedAt: q, startedAt: q, finishedAt: q + 1000 });
    for (let chars = 0, j = 0; chars < perTaskChars; j++, worstLines++) {
      const line = logText(worstLines);
      chars += line.length;
      worst.store.appendLog(t.id, 'info', line, q + j);
    }
  }
  await worst.store.flush();
  const w = worst.persists.at(-1)!;
  results.persistAtBoundsWorstCase = { tasks: DEFAULT_BOUNDS.maxTasks, logLines: worstLines, logChars: DEFAULT_BOUNDS.maxTotalLogChars, ...saveFigures(w) };

  const text: Record<string, number> = {};
  for (const [name, q] of [['error/summary', { text: 'No space left', limit: 50 }], ['log lines', { text: 'file-123456.ts', limit: 50 }]] as const) {
    const c0 = process.cpuUsage();
    worst.store.queryTasks(q);
    const c = process.cpuUsage(c0);
    text[name] = round((c.user + c.system) / 1000);
  }
  results.textSearchAtBoundsCpuMs = text;
  results.textIndexAtBounds = (await indexReady(worst.store)) ?? null;
  (results.textSearch as Record<string, unknown>).atBoundsWorstCase = await workerTextSearch(worst.store);

  const running = ENVS.slice(0, 4).map((envId) => worst.store.createTask({ envId, kind: 'backup', trigger: 'manual', status: 'running', queuedAt: Date.now(), startedAt: Date.now() }));
  worst.persists.length = 0;
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  // A second probe that load on the machine cannot inflate: the CPU this process burned between
  // two ticks of a 1 ms timer is (about) the longest stretch of synchronous work.
  let lastCpu = process.cpuUsage();
  let maxCpuBetweenTicks = 0;
  const probe = setInterval(() => {
    const d = process.cpuUsage(lastCpu);
    lastCpu = process.cpuUsage();
    maxCpuBetweenTicks = Math.max(maxCpuBetweenTicks, (d.user + d.system) / 1000);
  }, 1);
  let sent = 0;
  const floodMs = SCALE < 1 ? 2000 : 10_000;
  const start = performance.now();
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      // Catch up to 10 lines per elapsed ms, whatever the timer's own lateness.
      const due = Math.floor((performance.now() - start) * 10);
      for (; sent < due; sent++) worst.store.appendLog(running[sent % 4].id, sent % 100 === 0 ? 'warn' : 'info', logText(sent), Date.now());
      if (performance.now() - start >= floodMs) {
        clearInterval(timer);
        resolve();
      }
    }, 10);
  });
  loop.disable();
  clearInterval(probe);
  await worst.store.flush();
  const blocked = worst.persists.map((p) => p.blockedMs);
  const blockedCpu = worst.persists.map((p) => p.blockedCpuMs);
  results.flood = {
    linesPerSec: Math.round(sent / (floodMs / 1000)),
    seconds: floodMs / 1000,
    persists: worst.persists.length,
    longestEventLoopBlockMs: round(loop.max / 1e6),
    longestBlockCpuMs: round(maxCpuBetweenTicks),
    eventLoopDelayP99Ms: round(loop.percentile(99) / 1e6),
    saveBlockedMsP50: round(pct(blocked, 50)),
    saveBlockedMsMax: round(Math.max(...blocked)),
    saveBlockedCpuMsMax: round(Math.max(...blockedCpu)),
    fileMB: round(worst.persists.at(-1)!.bytes / 2 ** 20),
  };

  worst.persists.length = 0;
  const mtime = statSync(join(tmp, 'worst', 'tasks.db')).mtimeMs;
  await sleep(5000);
  results.idle = { seconds: 5, writes: worst.persists.length, fileTouched: statSync(join(tmp, 'worst', 'tasks.db')).mtimeMs !== mtime };
  await worst.store.dispose();
  await runsQueries();
  rmSync(tmp, { recursive: true, force: true });

  const targets = {
    // Judged on first pages, where the total is counted: the slowest case a user meets.
    pageP95AtMost10ms: (results.pageQuery as { firstPage: { p95: number } }).firstPage.p95 <= 10,
    // Wall time: what the user feels, on this machine at its load at the time.
    noPersistBlockOver30msAtDefaultBounds:
      Math.max((results.persistAtDefaultBounds as { blockedMs: number }).blockedMs, (results.persistAtBoundsWorstCase as { blockedMs: number }).blockedMs, (results.flood as { saveBlockedMsMax: number }).saveBlockedMsMax) <= 30,
    idleZeroWrites: (results.idle as { writes: number }).writes === 0,
    // Issue 19 item 4: a text search at 100k tasks / 1M log lines, both shapes.
    textSearchAtMost50ms: Object.values((results.textSearch as { at100k: Record<string, { wallMs: number }> }).at100k).every((x) => x.wallMs <= 50),
    // Issue 19 item 2: the host thread never stalls over 20 ms for an export, a search or a prune.
    eventLoopAtMost20ms: Object.values(results.eventLoop as Record<string, unknown>).every((v) => typeof v !== 'object' || (v as { maxBlockMs: number }).maxBlockMs <= 20),
    eventLoopAtMost20msCpu: Object.values(results.eventLoop as Record<string, unknown>).every((v) => typeof v !== 'object' || ((v as { maxBlockCpuMs?: number }).maxBlockCpuMs ?? Infinity) <= 20),
    // The Task Log panel's poll at 100k tasks: the overview of 20 environments, and a page of runs.
    overviewAndRunsPageP95Under50ms: Math.max((results.runs as { overviewReply20Envs: { p95: number } }).overviewReply20Envs.p95, (results.runs as { runsPage: { p95: number } }).runsPage.p95, (results.runs as { panelPollReply: { p95: number } }).panelPollReply.p95) < 50,
  };
  // The same targets judged on CPU time: what they would be on an idle machine.
  Object.assign(targets, {
    pageP95AtMost10msCpu: (results.pageQuery as { cpuTime: { p95: number } }).cpuTime.p95 <= 10,
    textSearchAtMost50msCpu: Object.values((results.textSearch as { at100k: Record<string, SearchFigures> }).at100k).every((x) => (x.workerCpuMs ?? Infinity) <= 50),
    noPersistBlockOver30msAtDefaultBoundsCpu:
      Math.max((results.persistAtDefaultBounds as { blockedCpuMs: number }).blockedCpuMs, (results.persistAtBoundsWorstCase as { blockedCpuMs: number }).blockedCpuMs, (results.flood as { saveBlockedCpuMsMax: number }).saveBlockedCpuMsMax) <= 30,
  });
  results.targets = targets;
  results.loadAvgAtEnd = loadavg().map((l) => round(l, 2));
  const dir = join(repo, 'test', 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'store.json'), `${JSON.stringify(results, null, 2)}\n`);
  printTable();
}

function saveFigures(p: PersistEvent) {
  return { fileMB: round(p.bytes / 2 ** 20), exportMs: round(p.exportMs), blockedMs: round(p.blockedMs), blockedCpuMs: round(p.blockedCpuMs), writeMs: round(p.writeMs) };
}

function printTable(): void {
  const r = results as Record<string, Record<string, unknown>>;
  const rows: [string, unknown][] = [
    ['insert: tasks/s (create + update)', r.insert.tasksPerSec],
    ['insert: log lines/s', r.insert.linesPerSec],
    ['insert: worker behind by ms at the end, process CPU s until saved', `${r.insert.workerCatchUpMs ?? '-'}, ${r.insert.processCpuSecondsUntilSaved}`],
    ['full (100k/1M): file MB', r.persistFull.fileMB],
    ['full: save blocks ms (wall / cpu), async write ms', `${r.persistFull.blockedMs} / ${r.persistFull.blockedCpuMs}, ${r.persistFull.writeMs}`],
    ['page query p50 / p95 / max ms (100k tasks, all)', `${r.pageQuery.p50} / ${r.pageQuery.p95} / ${r.pageQuery.max}`],
    ['  first page of a new filter p50 / p95', `${(r.pageQuery.firstPage as { p50: number }).p50} / ${(r.pageQuery.firstPage as { p95: number }).p95}`],
    ['  next pages (total cached) p50 / p95', `${(r.pageQuery.nextPage as { p50: number }).p50} / ${(r.pageQuery.nextPage as { p95: number }).p95}`],
    ['  CPU time per query p50 / p95', `${(r.pageQuery.cpuTime as { p50: number }).p50} / ${(r.pageQuery.cpuTime as { p95: number }).p95}`],
    ['default bounds: prune 95k tasks: saves, longest block ms (wall / cpu)', `${r.persistAtDefaultBounds.pruneSaves}, ${r.persistAtDefaultBounds.pruneSaveBlockedMsMax} / ${r.persistAtDefaultBounds.pruneSaveBlockedCpuMsMax}`],
    ['default bounds: file MB, save blocks ms (wall / cpu)', `${r.persistAtDefaultBounds.fileMB}, ${r.persistAtDefaultBounds.blockedMs} / ${r.persistAtDefaultBounds.blockedCpuMs}`],
    ['default bounds: open ms', r.openAtDefaultBoundsMs],
    ['bounds worst case (5000 tasks, 4M log chars): file MB, save blocks ms (wall / cpu)', `${r.persistAtBoundsWorstCase.fileMB}, ${r.persistAtBoundsWorstCase.blockedMs} / ${r.persistAtBoundsWorstCase.blockedCpuMs}`],
    ['flood: lines/s, persists', `${r.flood.linesPerSec}, ${r.flood.persists}`],
    ['flood: longest event-loop block ms (wall / cpu probe)', `${r.flood.longestEventLoopBlockMs} / ${r.flood.longestBlockCpuMs}`],
    ['flood: save blocks ms p50 / max (wall), max (cpu)', `${r.flood.saveBlockedMsP50} / ${r.flood.saveBlockedMsMax}, ${r.flood.saveBlockedCpuMsMax}`],
    ['idle 5 s: writes', r.idle.writes],
    ['overview reply (20 environments x 30 runs) p50 / p95 ms (100k tasks)', `${(r.runs.overviewReply20Envs as { p50: number }).p50} / ${(r.runs.overviewReply20Envs as { p95: number }).p95}`],
    ['Task Log poll reply (runs page + overview) after a change p50 / p95 ms', `${(r.runs.panelPollReply as { p50: number }).p50} / ${(r.runs.panelPollReply as { p95: number }).p95}`],
    ['  one environment changed since (cached) p50 / p95 ms', `${(r.runs.overviewReplyOneEnvChanged as { p50: number }).p50} / ${(r.runs.overviewReplyOneEnvChanged as { p95: number }).p95}`],
    ['page of runs p50 / p95 ms (100k tasks)', `${(r.runs.runsPage as { p50: number }).p50} / ${(r.runs.runsPage as { p95: number }).p95}`],
    ['load average start / end', `${results.loadAvgAtStart} / ${results.loadAvgAtEnd}`],
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${String(v)}`);
  console.log('targets:', JSON.stringify(results.targets));
  const ts = r.textSearch as Record<string, Record<string, SearchFigures>>;
  for (const [where, figures] of Object.entries(ts).filter(([k]) => k !== 'goalMs')) {
    console.log(`text search in the store worker, ${where === 'at100k' ? `${TASKS} tasks / ${LINES} lines` : 'default bounds, worst case'} (goal <= ${ts.goalMs} ms at 100k):`);
    for (const [name, f] of Object.entries(figures)) {
      const how = f.indexed === undefined ? '' : f.indexed ? `, index${f.from ? ` (${f.from})` : ''}` : ', scan';
      const worker = f.workerMs !== undefined ? `, in the worker ${f.workerMs} ms${f.workerCpuMs !== undefined ? ` (CPU ${f.workerCpuMs} ms)` : ''}` : '';
      console.log(`  ${name.padEnd(56)} ${String(f.wallMs).padStart(7)} ms wall${worker}${how}, next page ${f.nextPageMs} ms (${f.total} tasks)  goal <= 50 ms: ${f.wallMs <= 50 ? 'met' : 'NOT met'}${f.workerCpuMs !== undefined ? `, on CPU: ${f.workerCpuMs <= 50 ? 'met' : 'NOT met'}` : ''}`);
    }
  }
  console.log('text index (worker memory) at 100k / at the bounds:', JSON.stringify(results.textIndexAt100k), JSON.stringify(results.textIndexAtBounds));
  console.log('text index built when a 100k / 1M history opens (waitedMs after the open):', JSON.stringify(results.textIndexBuiltAtOpen100k));
  console.log('text search in the window\'s own thread (no worker), wall ms:', JSON.stringify(r.pageQuery.textSearchMs));
  console.log('eventLoop.maxBlockMs (goal <= 20):', JSON.stringify(results.eventLoop));
  console.log('text search at the default bounds (worst case), cpu ms:', JSON.stringify(results.textSearchAtBoundsCpuMs));
  console.log('per query shape:', JSON.stringify(r.pageQuery.perShape));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
