// Our own order of operations on one repository (restic's locks would make a second operation
// fail rather than wait): backups share it, prune, check and unlock hold it alone. A waiting
// exclusive operation goes before later backups, so a busy schedule cannot starve a prune.
import { CancelledError } from '../../util/errors';

interface Waiter {
  exclusive: boolean;
  grant(): void;
}

class RwLock {
  readers = 0;
  writer = false;
  readonly queue: Waiter[] = [];

  private canGrant(w: Waiter): boolean {
    return w.exclusive ? !this.writer && this.readers === 0 : !this.writer;
  }

  pump(): void {
    while (this.queue.length && this.canGrant(this.queue[0])) {
      const w = this.queue.shift()!;
      if (w.exclusive) this.writer = true;
      else this.readers++;
      w.grant();
    }
  }

  get idle(): boolean {
    return !this.writer && this.readers === 0 && this.queue.length === 0;
  }
}

const locks = new Map<string, RwLock>();

/**
 * Runs `fn` holding the repository's lock. `onWait` is told once when the lock is not free at
 * once (for the task log). A cancel while waiting gives up the place in the queue.
 */
export async function withRepositoryLock<T>(
  key: string,
  exclusive: boolean,
  fn: () => Promise<T>,
  opts: { signal?: AbortSignal; onWait?(): void } = {},
): Promise<T> {
  if (opts.signal?.aborted) throw new CancelledError(exclusive ? 'Repository operation' : 'Backup');
  let lock = locks.get(key);
  if (!lock) locks.set(key, (lock = new RwLock()));
  const l = lock;
  await new Promise<void>((resolve, reject) => {
    const w: Waiter = {
      exclusive,
      grant: () => {
        opts.signal?.removeEventListener('abort', onAbort);
        resolve();
      },
    };
    const onAbort = () => {
      const i = l.queue.indexOf(w);
      if (i >= 0) {
        l.queue.splice(i, 1);
        l.pump();
        reject(new CancelledError(exclusive ? 'Repository operation' : 'Backup'));
      }
    };
    opts.signal?.addEventListener('abort', onAbort);
    l.queue.push(w);
    l.pump();
    if (l.queue.includes(w)) opts.onWait?.();
  });
  try {
    return await fn();
  } finally {
    if (exclusive) l.writer = false;
    else l.readers--;
    l.pump();
    if (l.idle) locks.delete(key);
  }
}
