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
