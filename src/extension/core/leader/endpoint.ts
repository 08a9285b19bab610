// Where the leader's channel listens. A Unix socket path must fit in sun_path (108 bytes on
// Linux, 104 on macOS, counting the NUL), and VS Code's global storage path can be longer, so a
// long one moves to a private folder under the temp dir, named by a hash of the storage folder.
// The pid is part of the name: a new leader never fights a dying one for the same path.
import { createHash } from 'node:crypto';
import { chmodSync, lstatSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** Safe on every Unix we support (macOS is the strictest at 103 usable bytes). */
export const MAX_SOCKET_PATH_BYTES = 100;

const shortHash = (s: string): string => createHash('sha256').update(s).digest('hex').slice(0, 12);

export const isNamedPipe = (endpoint: string): boolean => endpoint.startsWith('\\\\.\\pipe\\') || endpoint.startsWith('\\\\?\\pipe\\');

/** The endpoint a host with `pid` uses for the storage folder `storageDir`. */
export function channelEndpointFor(storageDir: string, pid: number = process.pid, platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') return `\\\\.\\pipe\\backup-scheduler-${shortHash(storageDir)}-${pid}`;
  const inStorage = join(storageDir, 'leader', `rpc-${pid}.sock`);
  if (Buffer.byteLength(inStorage) <= MAX_SOCKET_PATH_BYTES) return inStorage;
  return join(privateTempDir(), `${shortHash(storageDir)}-${pid}.sock`);
}

function privateTempDir(): string {
  const uid = typeof process.getuid === 'function' ? process.getuid() : 'user';
  return join(tmpdir(), `backup-scheduler-${uid}`);
}

/**
 * Makes a Unix socket's folder ready and removes a stale socket file at `path` (only the elected
 * leader listens, and the pid in the name is ours, so whatever is there is a leftover). The temp
 * folder must be ours and private: another local user who owned it could swap our socket.
 */
export function prepareSocketPath(path: string): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (dir === privateTempDir()) {
    const st = lstatSync(dir);
    const uid = typeof process.getuid === 'function' ? process.getuid() : st.uid;
    if (!st.isDirectory() || st.uid !== uid) throw new Error(`${dir} is not a folder owned by this user; refusing to listen there`);
    if ((st.mode & 0o077) !== 0) chmodSync(dir, 0o700);
  }
  rmSync(path, { force: true });
}
