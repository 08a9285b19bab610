// Lowers the calling thread's own scheduling priority, for threads that do background work
// (saving the history, compressing a backup) beside a thread that must stay responsive: the
// extension host's, which every extension shares. On a machine with few cores, a thread of ours at
// normal priority takes a core from it for a whole time slice; at nice 10 the host's thread gets a
// core as soon as it wakes, and ours use what is left.
import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/** The nice value background threads run at (Linux; 0 is normal, 19 the lowest). */
export const BACKGROUND_NICE = 10;

/**
 * Sets this thread's nice value and returns the value now in force, or undefined where a single
 * thread's priority cannot be set: only Linux gives each thread an id that setpriority(2) takes
 * (/proc/thread-self); elsewhere the call would change the whole process.
 */
export function lowerThisThreadPriority(nice = BACKGROUND_NICE): number | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(tid) || tid <= 0) return undefined;
    setPriority(tid, nice);
    return getPriority(tid);
  } catch {
    return undefined; // a container without /proc, or a priority we may not set: run as we are
  }
}
