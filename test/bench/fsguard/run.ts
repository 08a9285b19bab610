// What the FsGuard costs and what it buys (issue 13):
//   backup   a folder backup with the guard's default share of the pool per path (2 calls) vs an
//            unbounded one (64, what the read-ahead would otherwise put in flight): the price of
//            never letting one path take the whole pool
//   /proc    time for a backup with a destination under /proc to fail (before: never returns)
//   refused  time for a call on a path known not to answer to fail (no call enters the pool)
// Runs alternate and medians are compared. Results: test/bench/results/fsguard.json and a table.
import { rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { runFolderBackup } from '../../../src/extension/core/engines/archive/operations';
import { FsGuard, fsGuard } from '../../../src/extension/core/fsguard';
import type { TaskContext } from '../../../src/extension/core/ports';
import { generateTree, type TreeSpec } from '../backup/tree';
import { median } from '../measure';

const ROOT = resolve(__dirname, '../../../..');
const TMP = join(ROOT, 'test/bench/tmp');
const TREE = join(TMP, 'fsguard-tree');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
// A fifth of the backup bench's tree: the effect is per call, and the machine is shared.
const SPEC: TreeSpec = { version: 2, seed: 20261129, textFiles: 5000, textMean: 4 * 1024, randomFiles: 4, randomSize: 8 * 1024 * 1024 };

const ctx: TaskContext = {
  taskId: 0,
  signal: new AbortController().signal,
  clock: { now: () => Date.now(), monotonic: () => performance.now() },
  log: () => undefined,
  progress: () => undefined,
};


async function backupOnce(perPath: number, round: number): Promise<number> {
  fsGuard.configure({ maxPerPath: perPath });
  const dest = join(TMP, `fsguard-out-${perPath}-${round}`);
  const t0 = performance.now();
  await runFolderBackup(ctx, { envId: 'bench', source: TREE, destination: dest, exclude: [], useGitignore: false, skipIfUnchanged: false });
  const ms = performance.now() - t0;
  rmSync(dest, { recursive: true, force: true });
  return ms;
}

async function main(): Promise<void> {
  mkdirSync(TMP, { recursive: true });
  const tree = generateTree(TREE, SPEC);
  const load0 = loadavg()[0];
  const bounded: number[] = [];
  const unbounded: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    if (r % 2 === 0) {
      bounded.push(await backupOnce(2, r));
      unbounded.push(await backupOnce(64, r));
    } else {
      unbounded.push(await backupOnce(64, r));
      bounded.push(await backupOnce(2, r));
    }
  }
  fsGuard.configure({ maxPerPath: 2 });

  const procMs: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t0 = performance.now();
    await runFolderBackup(ctx, { envId: 'bench', source: TREE, destination: '/proc/backup-here', exclude: [], useGitignore: false, skipIfUnchanged: false }).catch(() => undefined);
    procMs.push(performance.now() - t0);
  }

  const g = new FsGuard({ callTimeoutMs: 50, slowMs: 10 });
  const alive = setInterval(() => undefined, 1000); // the guard's own timer does not hold the process
  await g.run('/hung', 'destination', () => new Promise(() => undefined)).catch(() => undefined);
  const refusedMs: number[] = [];
  for (let i = 0; i < 1000; i++) {
    const t0 = performance.now();
    await g.run('/hung', 'destination', async () => 1).catch(() => undefined);
    refusedMs.push(performance.now() - t0);
  }
  clearInterval(alive);

  const results = {
    date: new Date().toISOString(),
    loadavg: [load0, loadavg()[0]],
    tree,
    backupMs: { maxPerPath2: bounded, maxPerPath64: unbounded, median2: median(bounded), median64: median(unbounded) },
    procDestinationFailMs: { median: median(procMs), max: Math.max(...procMs), first: procMs[0] },
    refusedCallMs: { median: median(refusedMs), max: Math.max(...refusedMs) },
  };
  writeFileSync(join(ROOT, 'test/bench/results/fsguard.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.log(`tree: ${tree.files} files, ${(tree.bytes / 1e6).toFixed(1)} MB; load ${load0.toFixed(1)} -> ${loadavg()[0].toFixed(1)}`);
  console.log(`| | median |\n|---|---|`);
  console.log(`| backup, 2 calls per path in the pool (default) | ${(median(bounded) / 1000).toFixed(2)} s |`);
  console.log(`| backup, 64 calls per path (no bound) | ${(median(unbounded) / 1000).toFixed(2)} s |`);
  console.log(`| backup to /proc/backup-here fails | ${median(procMs).toFixed(2)} ms (first ${procMs[0].toFixed(2)} ms, max ${Math.max(...procMs).toFixed(2)} ms) |`);
  console.log(`| call on a path that did not respond fails | ${(median(refusedMs) * 1000).toFixed(1)} us |`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
