// What starting a program costs the thread that starts it (issue 19 item 2). On Linux spawn()
// forks, and the fork copies the page tables of the whole process on the calling thread, so the
// cost grows with the process's size. The extension host is a large process (every extension's
// heap) and its thread is every extension's.
// Side by side in one run, at this process's own size and again with about 1 GB of it in use
// (touched buffers, as an extension host with many extensions has):
//   mainThread   child_process.spawn from this thread (how restic and command environments
//                were started before offThreadSpawn.ts)
//   offThread    spawnOffThread: the same program started from the spawner thread
// Each mode starts `restic version` (`true` without restic, or with BENCH_TRUE=1) ROUNDS times, one after another,
// each to its end, under a 1 ms ticker: maxBlockMs is the ticker's longest gap over those starts.
// perSpawnMs is the median time from the call to the child's close.
// Results: test/bench/results/spawn.json.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnOffThread } from '../../../src/extension/core/util/offThreadSpawn';
import { eventLoopMaxBlock, idleMaxBlock, median } from '../measure';

const ROOT = resolve(__dirname, '../../../..'); // out/test/bench/spawn -> repo
const RESULTS = join(ROOT, 'test/bench/results/spawn.json');
const ROUNDS = 10;
const BIG_MB = 1024;

const program = !process.env.BENCH_TRUE && spawnSync('restic', ['version']).status === 0 ? { file: 'restic', args: ['version'] } : { file: 'true', args: [] };
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

function onThisThread(): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(program.file, program.args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.resume();
    child.stderr.resume();
    child.once('error', fail);
    child.once('close', () => done());
  });
}

async function offThisThread(): Promise<void> {
  const child = await spawnOffThread({ ...program, env });
  child.stdout.resume();
  child.stderr.resume();
  await new Promise((r) => child.once('close', r));
}

const rssMb = () => Math.round(process.memoryUsage().rss / 1048576);

async function measure(start: () => Promise<void>): Promise<{ maxBlockMs: number; maxBlockCpuMs: number; perSpawnMs: number }> {
  await start(); // the first start of a mode warms up (the spawner thread boots once)
  const times: number[] = [];
  const { maxBlockMs, maxBlockCpuMs = NaN } = await eventLoopMaxBlock(async () => {
    for (let i = 0; i < ROUNDS; i++) {
      const t = performance.now();
      await start();
      times.push(performance.now() - t);
    }
  });
  const r1 = (x: number) => Math.round(x * 10) / 10;
  return { maxBlockMs: r1(maxBlockMs), maxBlockCpuMs: r1(maxBlockCpuMs), perSpawnMs: r1(median(times)) };
}

async function both(): Promise<{ rssMb: number; mainThread: Awaited<ReturnType<typeof measure>>; offThread: Awaited<ReturnType<typeof measure>> }> {
  const mainThread = await measure(onThisThread);
  const offThread = await measure(offThisThread);
  return { rssMb: rssMb(), mainThread, offThread };
}

async function main(): Promise<void> {
  const idleMs = await idleMaxBlock();
  const small = await both();
  // Filled, so every page is really there (a zeroed allocation may not be).
  const ballast: Buffer[] = [];
  for (let i = 0; i < BIG_MB / 64; i++) ballast.push(Buffer.alloc(64 * 1048576, i + 1));
  const big = await both();
  const results = {
    when: new Date().toISOString(),
    program: [program.file, ...program.args].join(' '),
    rounds: ROUNDS,
    eventLoop: { idleMs: Math.round(idleMs * 10) / 10, small, big, goalMs: 20 },
    note: 'maxBlockMs: longest gap of a 1 ms ticker over the starts (wall); maxBlockCpuMs: most CPU this thread used inside one gap; perSpawnMs: median call-to-close time',
    loadAvg: loadavg().map((x) => Math.round(x * 10) / 10),
  };
  if (ballast.length === 0) throw new Error('unreachable'); // keeps the ballast alive to here
  mkdirSync(join(ROOT, 'test/bench/results'), { recursive: true });
  writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
  console.log(JSON.stringify(results, null, 2));
  const line = (name: string, x: typeof small) =>
    `${name} (${x.rssMb} MB): main thread ${x.mainThread.maxBlockMs} ms, spawner thread ${x.offThread.maxBlockMs} ms (per start ${x.mainThread.perSpawnMs} / ${x.offThread.perSpawnMs} ms)`;
  console.log(`event loop, longest stall while starting ${results.program} (goal <= 20 ms): ${line('this process', small)}; ${line('at 1 GB', big)}; idle ${results.eventLoop.idleMs} ms`);
  console.log(`results: ${RESULTS}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
