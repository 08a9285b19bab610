// After a wake (or a boot) the network, a NAS or a USB disk is often not back yet when the
// catch-up run starts: failing it at once would turn every morning's catch-up into a failure
// alert. A catch-up whose destination or repository cannot be reached is tried again with
// back-off for a few minutes; any other error (a wrong password, a full disk) fails at once.
import type { TaskContext } from '../ports';
import { ResticError } from './restic/errors';
import { UnresponsiveError } from '../fsguard/guard';
import { CancelledError, errCode, errorText } from '../util/errors';

/** 15 s, 30 s, then every minute: about four minutes in all before the run fails. */
export const CATCH_UP_RETRY_DELAYS_MS: readonly number[] = [15_000, 30_000, 60_000, 60_000, 60_000];

const UNREACHABLE_CODES = new Set(['ENOTCONN', 'ESTALE', 'EHOSTDOWN', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'ENOMEDIUM']);
// Engines wrap some errors in their own words; the system's code still shows in the message.
const UNREACHABLE_TEXT = new RegExp(`\\b(${[...UNREACHABLE_CODES].join('|')})\\b|did not respond`);

/**
 * True for an error that says "cannot reach it" rather than "it is wrong": a network or mount
 * error, a destination that did not respond, a restic repository that cannot be reached or is
 * not there (a local repository on a disk that is not mounted yet looks like that).
 */
export function isUnreachable(e: unknown): boolean {
  if (e instanceof ResticError) return e.kind === 'unreachable' || e.kind === 'missing-repository';
  if (e instanceof UnresponsiveError) return true;
  const code = errCode(e);
  if (code && UNREACHABLE_CODES.has(code)) return true;
  return UNREACHABLE_TEXT.test(errorText(e));
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new CancelledError('Backup'));
    const t = setTimeout(() => (signal.removeEventListener('abort', onAbort), resolve()), ms);
    const onAbort = () => (clearTimeout(t), reject(new CancelledError('Backup')));
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Runs `attempt`; while it fails as unreachable, waits the next delay (logged in the task) and tries again. */
export async function retryWhileUnreachable<T>(ctx: TaskContext, delaysMs: readonly number[], attempt: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await attempt();
    } catch (e) {
      if (ctx.signal.aborted || i >= delaysMs.length || !isUnreachable(e)) throw e;
      const s = Math.round(delaysMs[i] / 1000);
      ctx.log('info', `not reachable yet (${errorText(e)}); after a wake or a start the network or a disk may still be coming up: try ${i + 2} of ${delaysMs.length + 1} in ${s} s`);
      await sleep(delaysMs[i], ctx.signal);
    }
  }
}
