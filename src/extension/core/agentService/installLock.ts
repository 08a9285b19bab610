// Two windows of a new version start together and both find an older agent to replace: one
// lock file (created with O_EXCL) lets one of them install while the other waits, then finds the
// work done. A lock whose owner died, or that is very old, is taken over.
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { pidAlive } from './agentProcess';

const STALE_MS = 5 * 60_000;

function tryTake(path: string): boolean {
  try {
    const fd = openSync(path, 'wx', 0o600);
    writeSync(fd, String(process.pid));
    closeSync(fd);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    return false;
  }
}

function stale(path: string): boolean {
  try {
    const owner = Number(readFileSync(path, 'utf8'));
    return !owner || !pidAlive(owner) || Date.now() - statSync(path).mtimeMs > STALE_MS;
  } catch {
    return false; // gone meanwhile: the next try takes it
  }
}

export async function withInstallLock<T>(path: string, work: () => Promise<T>, waitMs = 120_000): Promise<T> {
  mkdirSync(dirname(path), { recursive: true });
  const until = Date.now() + waitMs;
  while (!tryTake(path)) {
    if (stale(path)) rmSync(path, { force: true });
    else if (Date.now() > until) throw new Error(`another window is installing the agent (${path}); try again in a minute`);
    else await new Promise((r) => setTimeout(r, 250));
  }
  try {
    return await work();
  } finally {
    rmSync(path, { force: true });
  }
}
