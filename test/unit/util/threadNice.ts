import { readdirSync, readFileSync } from 'node:fs';

/** Each thread of this process and its nice value, by the kernel's own account (Linux /proc). */
export function niceByThread(): Map<number, number> {
  const out = new Map<number, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces) start at ") ": nice is field 19.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(tid), Number(fields[19 - 3]));
    } catch {
      // the thread ended while we listed
    }
  }
  return out;
}

/** Threads started since `before`, with their nice values. */
export function newThreads(before: Map<number, number>): [tid: number, nice: number][] {
  return [...niceByThread()].filter(([tid]) => !before.has(tid));
}
