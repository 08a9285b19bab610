// Where the leader's channel listens, and keeping it private. A Unix socket lives in a folder of
// its own, created 0700 before anything listens there (never wider, not even for a moment; the
// socket file's own mode, set only after listen(), does not matter then), so only this user can
// connect. A Unix socket path must fit in sun_path (108 bytes on Linux, 104 on macOS, counting the
// NUL), and VS Code's global storage path can be longer, so a long one moves to a private folder
// under the temp dir, named by a hash of the storage folder. On Windows a named pipe has no folder:
// its name carries 128 random bits, made per process and published only in the heartbeat inside
// the private leader folder, so another user cannot guess it to connect first or squat on it.
// (Windows' default pipe security already lets only the owner and administrators open it for
// writing, which every request needs; Node offers no way to narrow it further.)
// The pid is part of the name: a new leader never fights a dying one for the same path.
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, lstatSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** Safe on every Unix we support (macOS is the strictest at 103 usable bytes). */
export const MAX_SOCKET_PATH_BYTES = 100;

/** Per process, never written anywhere but the heartbeat in the private leader folder. */
const PROCESS_SECRET = randomBytes(16).toString('hex');

const shortHash = (s: string): string => createHash('sha256').update(s).digest('hex').slice(0, 12);

export const isNamedPipe = (endpoint: string): boolean => endpoint.startsWith('\\\\.\\pipe\\') || endpoint.startsWith('\\\\?\\pipe\\');

/** The endpoint a host with `pid` uses for the storage folder `storageDir`. */
export function channelEndpointFor(storageDir: string, pid: number = process.pid, platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') return `\\\\.\\pipe\\backup-scheduler-${shortHash(storageDir)}-${pid}-${PROCESS_SECRET}`;
  const inStorage = join(storageDir, 'leader', 'channel', `${pid}.sock`);
  if (Buffer.byteLength(inStorage) <= MAX_SOCKET_PATH_BYTES) return inStorage;
  return join(privateTempDir(), `${shortHash(storageDir)}-${pid}.sock`);
}

function privateTempDir(): string {
  const uid = typeof process.getuid === 'function' ? process.getuid() : 'user';
  return join(tmpdir(), `backup-scheduler-${uid}`);
}

/**
 * Makes a Unix socket's folder ready and removes a stale socket file at `path` (only the elected
 * leader listens, and the pid in the name is ours, so whatever is there is a leftover). The folder
 * must be ours and private before anything listens in it: another local user who could enter it
 * could connect to the leader, and one who owned it could swap our socket.
 */
export function prepareSocketPath(path: string): void {
  ensurePrivateDir(dirname(path));
  rmSync(path, { force: true });
}

/** Creates `dir` (and missing parents) 0700, or checks an existing one is this user's folder and makes it 0700. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = lstatSync(dir);
  const uid = typeof process.getuid === 'function' ? process.getuid() : st.uid;
  if (!st.isDirectory() || st.uid !== uid) throw new Error(`${dir} is not a folder owned by this user; refusing to listen there`);
  if ((st.mode & 0o077) !== 0) chmodSync(dir, 0o700);
}
