// Memory of the extension host while a restic snapshot of 1,000,000 entries is browsed and
// compared (issue 18 item 6). The host's work runs here, in this process, through the same core
// pieces the `backup:` file system, the Browse view and "Compare with Backup…" use:
//   browse   the root, one folder of 1,000 files, one file's stat and content
//   compare  the marks of one file in every snapshot (3 snapshots of the same tree)
// Peak RSS and heap are sampled every 50 ms; "retained" is the heap after a GC with the listing
// cache still alive (what stays while the Browse view is open).
// The tree (1,000 folders of 1,000 empty files) and its snapshots are made once and kept in
// test/bench/tmp/restic-browse/ (minutes on 2 cores); delete that folder to make them again.
// Results: test/bench/results/restic-browse.json.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { ResticEngine } from '../../../src/extension/core/engines/restic';
import { passwordKey } from '../../../src/extension/core/engines/restic/credentials';
import type { Environment } from '../../../src/extension/core/environments/types';
import { silentLogger } from '../../../src/extension/core/ports';
import { eventLoopMaxBlock, idleMaxBlock } from '../measure';
import { flow } from './flow';

const ROOT = resolve(__dirname, '../../../..'); // out/test/bench/restic-browse -> repo
const DIR = join(ROOT, 'test/bench/tmp/restic-browse');
const TREE = join(DIR, 'tree');
const REPO = join(DIR, 'repo');
const RESULTS = join(ROOT, 'test/bench/results/restic-browse.json');
const PASSWORD = 'bench password';
const FOLDERS = 1000;
const PER_FOLDER = 1000;
export const COMPARED = 'd0500/f0500.txt';

function bare(args: string[], cwd?: string): string {
  return execFileSync('restic', args, { cwd, env: { ...process.env, RESTIC_REPOSITORY: REPO, RESTIC_PASSWORD: PASSWORD, PWD: cwd ?? process.cwd() }, encoding: 'utf8', maxBuffer: 256 << 20 });
}

/** 1,001,000 entries; three snapshots tagged as the engine tags them, the compared file changed between them. */
function prepare(): void {
  if (existsSync(join(DIR, 'ready'))) return;
  console.log('making the tree and 3 snapshots (once)…');
  mkdirSync(TREE, { recursive: true });
  for (let d = 0; d < FOLDERS; d++) {
    const dir = join(TREE, `d${String(d).padStart(4, '0')}`);
    mkdirSync(dir, { recursive: true });
    for (let f = 0; f < PER_FOLDER; f++) writeFileSync(join(dir, `f${String(f).padStart(4, '0')}.txt`), '');
  }
  if (!existsSync(join(REPO, 'config'))) bare(['init']);
  for (let i = 0; i < 3; i++) {
    writeFileSync(join(TREE, COMPARED), `version ${i}\n`);
    bare(['backup', '--quiet', '--tag', 'backup-scheduler,env:bench', '.'], TREE);
  }
  writeFileSync(join(DIR, 'ready'), '');
}

export function benchEnv(): Environment {
  return {
    id: 'bench', name: 'bench', type: 'folder', source: TREE, command: undefined, destination: REPO, schedule: '0 3 * * *', timezone: undefined,
    enabled: true, exclude: [], useGitignore: true, retention: undefined, missedRun: 'runOnce', timeoutMinutes: undefined, skipIfUnchanged: false, verify: false,
    origin: 'user', engine: 'restic', repository: REPO,
  };
}

interface Peak {
  rssMb: number;
  heapMb: number;
}

async function sampled<T>(fn: () => Promise<T>): Promise<{ value: T; peak: Peak; ms: number }> {
  const peak: Peak = { rssMb: 0, heapMb: 0 };
  const sample = () => {
    const m = process.memoryUsage();
    peak.rssMb = Math.max(peak.rssMb, m.rss / 1048576);
    peak.heapMb = Math.max(peak.heapMb, m.heapUsed / 1048576);
  };
  const timer = setInterval(sample, 50);
  const t0 = performance.now();
  try {
    const value = await fn();
    sample();
    return { value, peak, ms: performance.now() - t0 };
  } finally {
    clearInterval(timer);
  }
}

const round1 = (x: number | undefined) => (x === undefined ? undefined : Math.round(x * 10) / 10);

function heapAfterGc(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed / 1048576;
}

async function main(): Promise<void> {
  prepare();
  const secrets = { get: async (k: string) => (k === passwordKey(REPO) ? PASSWORD : undefined) };
  const engine = new ResticEngine({ clock: { now: () => Date.now(), monotonic: () => performance.now() }, logger: silentLogger, secrets, defaultCwd: undefined, settings: {} });
  const env = benchEnv();
  const base = heapAfterGc();
  const baseRss = process.memoryUsage().rss / 1048576;
  const f = flow(engine, env);
  // The host's thread is every extension's: the longest stall of a 1 ms ticker during each flow
  // (issue 19's eventLoop.maxBlockMs), beside what an idle ticker sees on this machine right now.
  const idleMs = await idleMaxBlock();
  const { result: browse, maxBlockMs: browseBlockMs, maxBlockCpuMs: browseBlockCpuMs } = await eventLoopMaxBlock(() => sampled(() => f.browse(COMPARED)));
  const retainedBrowse = heapAfterGc() - base;
  const { result: compare, maxBlockMs: compareBlockMs, maxBlockCpuMs: compareBlockCpuMs } = await eventLoopMaxBlock(() => sampled(() => f.compare(COMPARED)));
  const retainedCompare = heapAfterGc() - base;
  const results = {
    when: new Date().toISOString(),
    entries: FOLDERS * PER_FOLDER + FOLDERS,
    snapshots: 3,
    baseline: { rssMb: Math.round(baseRss), heapMb: Math.round(base) },
    browse: { ms: Math.round(browse.ms), peakRssMb: Math.round(browse.peak.rssMb), peakHeapMb: Math.round(browse.peak.heapMb), retainedHeapMb: Math.round(retainedBrowse), saw: browse.value },
    compare: { ms: Math.round(compare.ms), peakRssMb: Math.round(compare.peak.rssMb), peakHeapMb: Math.round(compare.peak.heapMb), retainedHeapMb: Math.round(retainedCompare), marks: compare.value },
    eventLoop: {
      idleMs: Math.round(idleMs),
      browse: { maxBlockMs: Math.round(browseBlockMs), maxBlockCpuMs: round1(browseBlockCpuMs) },
      compare: { maxBlockMs: Math.round(compareBlockMs), maxBlockCpuMs: round1(compareBlockCpuMs) },
      goalMs: 20,
      note: 'maxBlockMs: longest gap of a 1 ms ticker (wall; on a loaded machine mostly other processes); maxBlockCpuMs: most CPU the main thread itself used inside one gap',
    },
    loadAvg: loadavg().map((x) => Math.round(x * 10) / 10),
  };
  mkdirSync(join(ROOT, 'test/bench/results'), { recursive: true });
  writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
  console.log(JSON.stringify(results, null, 2));
  console.log(`results: ${RESULTS}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
