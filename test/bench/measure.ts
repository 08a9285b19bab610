// Small helpers every benchmark that times whole programs needs.
import { mkdirSync, readFileSync, rmSync } from 'node:fs';

/** CPU seconds of this process's finished (reaped) children (tar, gzip, restic), from /proc. */
export function childCpu(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[13]) + Number(f[14])) / 100; // cutime + cstime, in clock ticks (100 Hz)
}

export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** An empty folder at `d`, whatever was there. */
export function fresh(d: string): void {
  rmSync(d, { recursive: true, force: true });
  mkdirSync(d, { recursive: true });
}

/** The main thread's CPU time and time spent runnable but waiting for a core, in ms (Linux schedstat, nanoseconds); undefined elsewhere. */
function mainThreadSched(): { cpu: number; wait: number } | undefined {
  try {
    const [cpu, wait] = readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ').map(Number);
    return { cpu: cpu / 1e6, wait: wait / 1e6 };
  } catch {
    return undefined;
  }
}

/**
 * Each CPU's steal time so far, in ms (Linux /proc/stat, 10 ms ticks): time a virtual machine's
 * CPU was ready but its host ran something else. Undefined elsewhere.
 */
function stealPerCpu(): number[] | undefined {
  try {
    return readFileSync('/proc/stat', 'utf8')
      .split('\n')
      .filter((l) => /^cpu\d/.test(l))
      .map((l) => Number(l.split(/\s+/)[8]) * 10);
  } catch {
    return undefined;
  }
}

/**
 * The main thread's longest stall while `fn` runs: a 1 ms ticker notes the longest gap between
 * two of its ticks, less the 1 ms it asked for. The extension host's thread is shared with every
 * other extension, so this is what a user feels (completions, git) while an operation runs.
 * maxBlockCpuMs is the most CPU time the main thread itself used inside one gap: on a loaded
 * machine a gap is mostly the OS running other processes, and this tells our own blocking apart
 * (on a quiet machine the two agree). maxBlockWaitMs is how much of the longest gap the main
 * thread was ready to run but had no core (schedstat's run-queue time): the rest of a gap beyond
 * CPU and wait is the thread asleep (a lock, a page fault), or the whole virtual machine not
 * running: maxBlockStealMs is the most steal time any CPU had inside the longest gap (10 ms
 * steps; 2026-12-02: the prune's worst gaps, neither CPU nor wait, each held 10-20 ms of steal
 * on both CPUs). Undefined where schedstat or /proc/stat does not exist.
 */
export async function eventLoopMaxBlock<T>(fn: () => Promise<T>): Promise<{ result: T; maxBlockMs: number; maxBlockCpuMs?: number; maxBlockWaitMs?: number; maxBlockStealMs?: number }> {
  let last = performance.now();
  let lastSched = mainThreadSched();
  let worst = 0;
  let worstWait = 0;
  let worstCpu = 0;
  let lastSteal = stealPerCpu();
  let worstSteal = 0;
  const tick = () => {
    const now = performance.now();
    const sched = lastSched && mainThreadSched()!;
    const steal = lastSteal && stealPerCpu();
    if (now - last - 1 > worst) {
      worst = now - last - 1;
      if (sched) worstWait = sched.wait - lastSched!.wait;
      if (steal) worstSteal = Math.max(0, ...steal.map((x, i) => x - (lastSteal![i] ?? x)));
    }
    last = now;
    if (steal) lastSteal = steal;
    if (sched) {
      worstCpu = Math.max(worstCpu, sched.cpu - lastSched!.cpu);
      lastSched = sched;
    }
  };
  const timer = setInterval(tick, 1);
  try {
    const result = await fn();
    tick(); // a stall at the very end counts too
    return { result, maxBlockMs: Math.max(0, worst), ...(lastSched !== undefined ? { maxBlockCpuMs: worstCpu, maxBlockWaitMs: worstWait } : {}), ...(lastSteal !== undefined ? { maxBlockStealMs: worstSteal } : {}) };
  } finally {
    clearInterval(timer);
  }
}

/** The longest stall an idle 1 ms ticker sees over `ms`: what the machine's load alone costs. */
export async function idleMaxBlock(ms = 2000): Promise<number> {
  return (await eventLoopMaxBlock(() => new Promise<void>((r) => setTimeout(r, ms)))).maxBlockMs;
}
