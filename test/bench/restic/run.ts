// Benchmark of the restic engine on the backup bench's tree (test/bench/backup/tree.ts):
//   first backup        our engine vs bare `restic backup` into a new repository
//   incremental backup  the same after 1% of the files changed (three pairs per round)
//   single-file read    one file from the middle of the incremental snapshot: our engine's
//                       readFile vs bare `restic dump --no-lock` of the same file (the same command)
//   ten versions        storage after 10 backups with 1% changed before each: restic repository
//                       bytes vs the archive engine's archives
// Our engine and bare restic alternate which goes first in each round; ratios are medians of the
// per-round ratios (runs of one round are adjacent in time, so they share the machine's load).
// Results: test/bench/results/restic.json and a table.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { runFolderBackup } from '../../../src/extension/core/engines/archive/operations';
import { ResticEngine } from '../../../src/extension/core/engines/restic';
import { passwordKey } from '../../../src/extension/core/engines/restic/credentials';
import type { Environment } from '../../../src/extension/core/environments/types';
import type { TaskContext } from '../../../src/extension/core/ports';
import { silentLogger } from '../../../src/extension/core/ports';
import { DEFAULT_TREE, generateTree, prng } from '../backup/tree';
import { childCpu, eventLoopMaxBlock, fresh, idleMaxBlock, median } from '../measure';

const ROOT = resolve(__dirname, '../../../..'); // out/test/bench/restic -> repo
const TMP = join(ROOT, 'test/bench/tmp');
const TREE = join(TMP, 'backup-tree');
const WORK = join(TMP, 'restic-work');
const OUT = join(TMP, 'restic-out');
const RESULTS = join(ROOT, 'test/bench/results/restic.json');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const VERSIONS = 10;
const INCREMENTALS = 3;
const PASSWORD = 'bench password';

const ctx: TaskContext = {
  taskId: 0,
  signal: new AbortController().signal,
  clock: { now: () => Date.now(), monotonic: () => performance.now() },
  log: (level, text) => level !== 'info' && level !== 'debug' && console.log(`  [${level}] ${text}`),
  progress: () => undefined,
};

function envFor(repository: string): Environment {
  return {
    id: 'bench', name: 'bench', type: 'folder', source: WORK, command: undefined, destination: repository, schedule: '0 3 * * *', timezone: undefined,
    enabled: true, exclude: [], useGitignore: true, retention: undefined, missedRun: 'runOnce', timeoutMinutes: undefined, skipIfUnchanged: false, verify: false,
    origin: 'user', engine: 'restic', repository,
  };
}

function engineFor(repository: string): ResticEngine {
  const secrets = { get: async (name: string) => (name === passwordKey(repository) ? PASSWORD : undefined) };
  return new ResticEngine({ clock: ctx.clock, logger: silentLogger, secrets, defaultCwd: undefined, settings: {} });
}

function bare(repository: string, args: string[], cwd?: string): void {
  const r = spawnSync('restic', args, { cwd, env: { ...process.env, RESTIC_REPOSITORY: repository, RESTIC_PASSWORD: PASSWORD, RESTIC_PROGRESS_FPS: '2' }, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`restic ${args.join(' ')} failed: ${r.stderr}`);
}

/** Bare restic as a user would run it by hand: the same tree, the same tags, JSON output. */
function bareBackup(repository: string): void {
  bare(repository, ['backup', '--json', '--tag', 'backup-scheduler,env:bench', '.'], WORK);
}

/** One file from the middle of the tree, `/`-separated and relative (as the snapshot holds it: backed up as "."). */
function middleFile(): string {
  const all: string[] = [];
  const walk = (rel: string) => {
    for (const d of readdirSync(join(WORK, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${d.name}` : d.name;
      if (d.isDirectory()) walk(r);
      else if (d.isFile()) all.push(r);
    }
  };
  walk('');
  all.sort();
  return all[Math.floor(all.length / 2)];
}

/** Bare `restic dump` of one file to a pipe, as a script would run it; its bytes are checked against ours. */
function bareDump(repository: string, snapshot: string, rel: string): Buffer {
  const r = spawnSync('restic', ['dump', '--no-lock', snapshot, `/${rel}`], { env: { ...process.env, RESTIC_REPOSITORY: repository, RESTIC_PASSWORD: PASSWORD }, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`restic dump failed: ${r.stderr}`);
  return r.stdout;
}

function duBytes(dir: string): number {
  let n = 0;
  for (const d of readdirSync(dir, { withFileTypes: true })) n += d.isDirectory() ? duBytes(join(dir, d.name)) : statSync(join(dir, d.name)).size;
  return n;
}

/** Rewrites 1% of the text files (a fresh sentence appended), deterministically per `seed`. */
function change1Percent(seed: number): number {
  const rand = prng(seed);
  const files: string[] = [];
  for (const pkg of readdirSync(WORK)) {
    if (!pkg.startsWith('pkg')) continue;
    for (const mod of readdirSync(join(WORK, pkg))) for (const f of readdirSync(join(WORK, pkg, mod))) files.push(join(WORK, pkg, mod, f));
  }
  files.sort();
  const n = Math.max(1, Math.round(files.length / 100));
  for (let i = 0; i < n; i++) {
    const f = files[Math.floor(rand() * files.length)];
    writeFileSync(f, `${readFileSync(f, 'utf8')}\nchanged in round ${seed}: ${rand()}\n`);
  }
  return n;
}


interface Sample {
  wall: number;
  /** restic's CPU plus ours (the walk, parsing): less moved by other load than wall time. */
  cpu: number;
  /** Longest stall of this (the host's) thread during the run: a 1 ms ticker's longest gap, ms. */
  maxBlockMs: number;
  /** The most CPU this thread itself used inside one of those gaps (see measure.ts), ms. */
  maxBlockCpuMs: number;
}

/** `tick`: also watch the main thread with a 1 ms ticker (off in the paired timings: its wake-ups cost CPU). */
async function timed(fn: () => unknown, tick = false): Promise<Sample> {
  const c0 = process.cpuUsage();
  const k0 = childCpu();
  const t0 = performance.now();
  let maxBlockMs = NaN;
  let maxBlockCpuMs = NaN;
  if (tick) ({ maxBlockMs, maxBlockCpuMs = NaN } = await eventLoopMaxBlock(async () => fn()));
  else await fn();
  const wall = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1e6 + childCpu() - k0, maxBlockMs, maxBlockCpuMs };
}


async function main(): Promise<void> {
  console.log(`generating tree in ${TREE} ...`);
  const tree = generateTree(TREE, DEFAULT_TREE);
  // A working copy: the 1% changes must not touch the backup bench's tree.
  rmSync(WORK, { recursive: true, force: true });
  execFileSync('cp', ['-a', TREE, WORK]);
  const version = execFileSync('restic', ['version'], { encoding: 'utf8' }).trim();
  console.log(`tree: ${tree.files} files, ${(tree.bytes / 1e6).toFixed(1)} MB; ${ROUNDS} rounds; ${version}`);

  const s = { oursFirst: [] as Sample[], bareFirst: [] as Sample[], oursIncremental: [] as Sample[], bareIncremental: [] as Sample[] };
  const reads = { ours: [] as number[], bare: [] as number[], maxBlockMs: [] as number[], maxBlockCpuMs: [] as number[] };
  const others = { verify: [] as Sample[], restore: [] as Sample[], bareRestore: [] as Sample[], backupTicked: [] as Sample[], unchanged: [] as Sample[], bareUnchanged: [] as Sample[] };
  const readPath = middleFile();
  let readBytes = 0;
  const loads: number[] = [];
  let changed = 0;
  for (let round = 0; round < ROUNDS; round++) {
    loads.push(loadavg()[0]);
    const repoOurs = join(OUT, `ours-${round}`);
    const repoBare = join(OUT, `bare-${round}`);
    fresh(OUT);
    bare(repoOurs, ['init']);
    bare(repoBare, ['init']);
    const engine = engineFor(repoOurs);
    const env = envFor(repoOurs);
    const ours = () => timed(() => engine.backup(ctx, env, { trigger: 'scheduled' }));
    const theirs = () => timed(() => bareBackup(repoBare));
    const pair = async (a: Sample[], b: Sample[]) => {
      if (round % 2 === 0) {
        a.push(await ours());
        b.push(await theirs());
      } else {
        b.push(await theirs());
        a.push(await ours());
      }
    };
    await pair(s.oursFirst, s.bareFirst);
    // Incremental runs are short (about a second), so a second of someone else's load swings one
    // pair's ratio: INCREMENTALS pairs per round, 1% changed before each, the order alternating.
    let snapshotId: string | undefined;
    const oursIncr = () => timed(async () => (snapshotId = (await engine.backup(ctx, env, { trigger: 'scheduled' })).snapshotId));
    for (let k = 0; k < INCREMENTALS; k++) {
      changed = change1Percent(1000 + round * INCREMENTALS + k);
      if ((round + k) % 2 === 0) {
        s.oursIncremental.push(await oursIncr());
        s.bareIncremental.push(await theirs());
      } else {
        s.bareIncremental.push(await theirs());
        s.oursIncremental.push(await oursIncr());
      }
    }
    // One more incremental with the ticker on (the host thread's longest stall), then an
    // unchanged run with skipIfUnchanged beside bare restic on the same unchanged tree.
    changed = change1Percent(5000 + round);
    others.backupTicked.push(await timed(async () => (snapshotId = (await engine.backup(ctx, env, { trigger: 'scheduled' })).snapshotId), true));
    const skipEnv = { ...env, skipIfUnchanged: true };
    const base = await engine.backup(ctx, skipEnv, { trigger: 'scheduled' });
    const previous = { manifestHash: base.manifestHash!, finishedAt: Date.now(), snapshotId: base.snapshotId ?? snapshotId };
    snapshotId = previous.snapshotId;
    bareBackup(repoBare); // bare's parent is the same unchanged tree too
    for (let k = 0; k < INCREMENTALS; k++) {
      const oursSkip = async () => others.unchanged.push(await timed(async () => {
        if ((await engine.backup(ctx, skipEnv, { trigger: 'scheduled', previous })).unchangedSince === undefined) throw new Error('unchanged run was not skipped');
      }));
      const bareSkip = async () => others.bareUnchanged.push(await timed(() => bareBackup(repoBare)));
      if ((round + k) % 2 === 0) {
        await oursSkip();
        await bareSkip();
      } else {
        await bareSkip();
        await oursSkip();
      }
    }
    // Single-file read from the snapshot our engine just made, three pairs per round, alternating.
    for (let k = 0; k < 3; k++) {
      const readOurs = async () => {
        const t0 = performance.now();
        const { result: data, maxBlockMs, maxBlockCpuMs = NaN } = await eventLoopMaxBlock(() => engine.readFile(env, snapshotId!, readPath));
        reads.ours.push(performance.now() - t0);
        reads.maxBlockMs.push(maxBlockMs);
        reads.maxBlockCpuMs.push(maxBlockCpuMs);
        return Buffer.from(data);
      };
      const readBare = () => {
        const t0 = performance.now();
        const data = bareDump(repoOurs, snapshotId!, readPath);
        reads.bare.push(performance.now() - t0);
        return data;
      };
      let a: Buffer;
      let b: Buffer;
      if ((round + k) % 2 === 0) {
        a = await readOurs();
        b = readBare();
      } else {
        b = readBare();
        a = await readOurs();
      }
      if (!a.equals(b) || !a.equals(readFileSync(join(WORK, readPath)))) throw new Error(`restic dump of ${readPath}: our engine and bare restic disagree`);
      readBytes = a.length;
    }
    // A verify (restic check) and a whole restore of that snapshot, beside a bare `restic restore`.
    others.verify.push(await timed(() => engine.verify(ctx, env, {}), true));
    const restoreOurs = async () => {
      fresh(join(OUT, 'restore-ours'));
      others.restore.push(await timed(() => engine.restore(ctx, env, { backupId: snapshotId!, target: join(OUT, 'restore-ours'), overwrite: false }), true));
    };
    const restoreBare = async () => {
      fresh(join(OUT, 'restore-bare'));
      others.bareRestore.push(await timed(() => bare(repoOurs, ['restore', '--no-lock', snapshotId!, '--target', join(OUT, 'restore-bare')])));
    };
    if (round % 2 === 0) {
      await restoreOurs();
      await restoreBare();
    } else {
      await restoreBare();
      await restoreOurs();
    }
    const f = (x: Sample) => `${x.wall.toFixed(2)} s (CPU ${x.cpu.toFixed(2)} s)`;
    console.log(`round ${round + 1}: first ours ${f(s.oursFirst.at(-1)!)}, bare ${f(s.bareFirst.at(-1)!)}; after ${changed} files changed: ours ${s.oursIncremental.slice(-INCREMENTALS).map(f).join(', ')}; bare ${s.bareIncremental.slice(-INCREMENTALS).map(f).join(', ')}; read one file ours ${reads.ours.slice(-3).map((x) => x.toFixed(0)).join('/')} ms, bare dump ${reads.bare.slice(-3).map((x) => x.toFixed(0)).join('/')} ms (load ${loads.at(-1)!.toFixed(1)})`);
  }

  // Ten versions, 1% changed before each after the first: one restic repository vs ten archives.
  fresh(OUT);
  const repo = join(OUT, 'versions-repo');
  const archives = join(OUT, 'versions-archives');
  mkdirSync(archives);
  bare(repo, ['init']);
  const engine = engineFor(repo);
  const env = envFor(repo);
  let t = Date.UTC(2026, 0, 1);
  const perVersion: { restic: number; archive: number }[] = [];
  for (let v = 0; v < VERSIONS; v++) {
    if (v > 0) change1Percent(2000 + v);
    await engine.backup(ctx, env, { trigger: 'scheduled' });
    await runFolderBackup({ ...ctx, clock: { ...ctx.clock, now: () => (t += 60_000) } }, { envId: 'bench', source: WORK, destination: archives, exclude: [], useGitignore: true, skipIfUnchanged: false });
    perVersion.push({ restic: duBytes(repo), archive: duBytes(archives) });
    console.log(`version ${v + 1}: restic repository ${(perVersion.at(-1)!.restic / 1e6).toFixed(1)} MB, archives ${(perVersion.at(-1)!.archive / 1e6).toFixed(1)} MB`);
  }
  const ten = perVersion.at(-1)!;

  const paired = (a: Sample[], b: Sample[], k: keyof Sample = 'wall') => median(a.map((x, i) => x[k] / b[i][k]));
  // The host thread's longest stall per operation: the median over runs, and the worst run. On a
  // loaded machine the OS also stalls an idle ticker (idleMs): that much is not ours.
  // maxBlockCpuMs: the most CPU the thread itself used in one gap (our own blocking, whatever the load).
  const blocks = (xs: number[], cpu: number[]) => ({ maxBlockMs: median(xs), worstMs: Math.max(...xs), maxBlockCpuMs: median(cpu), worstCpuMs: Math.max(...cpu), runs: xs.length });
  const ticked = (xs: Sample[]) => blocks(xs.map((x) => x.maxBlockMs), xs.map((x) => x.maxBlockCpuMs));
  const eventLoop = {
    idleMs: await idleMaxBlock(),
    backup: ticked(others.backupTicked),
    verify: ticked(others.verify),
    restore: ticked(others.restore),
    singleFileRead: blocks(reads.maxBlockMs, reads.maxBlockCpuMs),
    goalMs: 20,
  };
  const med = (xs: Sample[], k: keyof Sample = 'wall') => median(xs.map((x) => x[k]));
  const results = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, restic: version, loadAvgAtEnd: loadavg() },
    tree: { ...tree, spec: DEFAULT_TREE, changedPerVersion: changed },
    rounds: ROUNDS,
    incrementalPairsPerRound: INCREMENTALS,
    medians: {
      firstBackup: { oursS: med(s.oursFirst), bareResticS: med(s.bareFirst), oursCpuS: med(s.oursFirst, 'cpu'), bareResticCpuS: med(s.bareFirst, 'cpu') },
      incrementalBackup: { oursS: med(s.oursIncremental), bareResticS: med(s.bareIncremental), oursCpuS: med(s.oursIncremental, 'cpu'), bareResticCpuS: med(s.bareIncremental, 'cpu') },
      verify: { oursS: med(others.verify) },
      restore: { oursS: med(others.restore), bareResticS: med(others.bareRestore) },
      unchangedRun: { oursS: med(others.unchanged), bareResticS: med(others.bareUnchanged), oursCpuS: med(others.unchanged, 'cpu'), bareResticCpuS: med(others.bareUnchanged, 'cpu') },
    },
    /** The host thread's longest stall (1 ms ticker) during each operation: median over runs, worst run. */
    eventLoop,
    /** Median over rounds of (our engine / bare restic) wall time within the same round. */
    ratios: {
      firstBackupVsBareRestic: paired(s.oursFirst, s.bareFirst),
      incrementalVsBareRestic: paired(s.oursIncremental, s.bareIncremental),
      restoreVsBareRestic: paired(others.restore, others.bareRestore),
      /** skipIfUnchanged on an unchanged tree (no snapshot made) vs bare restic backup of it. */
      unchangedVsBareRestic: paired(others.unchanged, others.bareUnchanged),
    },
    /** The same with CPU seconds (restic's and ours), which other load moves less. */
    cpuRatios: {
      firstBackupVsBareRestic: paired(s.oursFirst, s.bareFirst, 'cpu'),
      incrementalVsBareRestic: paired(s.oursIncremental, s.bareIncremental, 'cpu'),
    },
    /** One file from the middle of the snapshot: our engine's readFile vs bare `restic dump --no-lock`, medians (ms) and the median of the paired ratios. */
    singleFileRead: {
      path: readPath,
      bytes: readBytes,
      engineMs: median(reads.ours),
      bareDumpMs: median(reads.bare),
      ratio: median(reads.ours.map((x, i) => x / reads.bare[i])),
      samples: reads,
    },
    storage: {
      tenVersions: { restic: ten.restic, archive: ten.archive, ratio: ten.restic / ten.archive },
      perVersion,
    },
    targets: { firstBackupVsBareRestic: 1.05, incrementalVsBareRestic: 1.0, eventLoopMaxBlockMs: 20 },
    loadAverages: loads,
    busyMachine: Math.max(...loads) > cpus().length,
    samples: s,
  };
  mkdirSync(join(RESULTS, '..'), { recursive: true });
  writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);

  const row = (name: string, a: Sample[], b: Sample[]) =>
    `${name.padEnd(24)}${med(a).toFixed(2).padStart(8)}${med(b).toFixed(2).padStart(12)}${paired(a, b).toFixed(2).padStart(8)}${med(a, 'cpu').toFixed(2).padStart(10)}${med(b, 'cpu').toFixed(2).padStart(10)}${paired(a, b, 'cpu').toFixed(2).padStart(8)}`;
  console.log(`\n${''.padEnd(24)}${'wall s'.padStart(8)}${''.padStart(12)}${''.padStart(8)}${'CPU s'.padStart(10)}`);
  console.log(`${'median'.padEnd(24)}${'ours'.padStart(8)}${'bare restic'.padStart(12)}${'ratio*'.padStart(8)}${'ours'.padStart(10)}${'bare'.padStart(10)}${'ratio*'.padStart(8)}   (target: first <= 1.05, after changes <= 1.0)`);
  console.log(row('first backup', s.oursFirst, s.bareFirst));
  console.log(row(`after ${changed} files changed`, s.oursIncremental, s.bareIncremental));
  console.log(row('unchanged (skipIfUnchanged)', others.unchanged, others.bareUnchanged) + '   (goal: several times faster)');
  console.log(`restore: ours ${med(others.restore).toFixed(2)} s, bare restic restore ${med(others.bareRestore).toFixed(2)} s (${results.ratios.restoreVsBareRestic.toFixed(2)}x*); verify ${med(others.verify).toFixed(2)} s`);
  console.log(`event loop, longest stall (ms, median of runs / worst; goal <= 20): ${(['backup', 'verify', 'restore', 'singleFileRead'] as const).map((k) => `${k} ${eventLoop[k].maxBlockMs.toFixed(1)}/${eventLoop[k].worstMs.toFixed(1)}`).join(', ')}; an idle ticker ${eventLoop.idleMs.toFixed(1)}`);
  console.log(`single-file read (${readPath}, ${readBytes} bytes): ours ${results.singleFileRead.engineMs.toFixed(0)} ms, bare restic dump ${results.singleFileRead.bareDumpMs.toFixed(0)} ms (${results.singleFileRead.ratio.toFixed(2)}x*)`);
  console.log(`storage after ${VERSIONS} versions: restic ${(ten.restic / 1e6).toFixed(1)} MB, archive engine ${(ten.archive / 1e6).toFixed(1)} MB (${(ten.restic / ten.archive).toFixed(3)}x)`);
  console.log('* median of the per-round ratios');
  if (results.busyMachine) console.log(`WARNING: load average reached ${Math.max(...loads).toFixed(1)} on ${cpus().length} cores: wall-time ratios are noisy`);
  console.log(`results: ${RESULTS}`);
  rmSync(OUT, { recursive: true, force: true });
  rmSync(WORK, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
