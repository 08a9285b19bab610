// Read-only looks into a repository: snapshots, the files of one, one file's content, the
// repository's size. They run with --no-lock, as a browser should: a long `check` holding the
// repository must not freeze a picker.
import { parentEntry } from '../../browse/backupUri';
import type { Environment } from '../../environments/types';
import type { BackupEntry, BackupRef } from '../types';
import type { ResticCli } from './cli';
import { exactArgPattern } from './excludes';
import { parseLsLine, parseSnapshots, type StatsJson } from './json';
import { ownSnapshots } from './tags';

const MAX_READ_BYTES = 512 * 1024 * 1024;

/** This environment's snapshots made on this machine (tags and host), newest first. */
export async function listSnapshots(cli: ResticCli, env: Environment, signal?: AbortSignal): Promise<BackupRef[]> {
  const r = await cli.run('Listing snapshots', ['snapshots', '--json', '--no-lock', ...ownSnapshots(env.id)], { signal });
  return parseSnapshots(r.stdout.toString('utf8'))
    .map((s) => ({
      id: s.id,
      label: s.short_id ?? s.id.slice(0, 8),
      time: Date.parse(s.time),
      size: s.summary?.total_bytes_processed,
      host: s.hostname,
      kind: env.type,
    }))
    .sort((a, b) => b.time - a.time);
}

/** A snapshot id as restic takes it: hex only, so nothing can be read as an option. */
export function snapshotArg(id: string): string {
  if (!/^[0-9a-f]{8,64}$/.test(id)) throw new Error(`"${id}" is not a restic snapshot id`);
  return id;
}

export async function listFiles(cli: ResticCli, backupId: string, signal?: AbortSignal): Promise<BackupEntry[]> {
  const out: BackupEntry[] = [];
  await cli.run('Listing files', ['ls', '--json', '--no-lock', snapshotArg(backupId)], {
    signal,
    onStdoutLine: (l) => {
      const e = parseLsLine(l);
      if (e) out.push(e);
    },
  });
  return out;
}

/** `/rel` for restic's ls/dump: the path inside the snapshot, refused when it could leave it. */
function snapshotPath(path: string): string {
  const rel = path.replace(/^\/+/, '').replace(/\/+$/, '');
  if (rel.split('/').includes('..')) throw new Error(`"${path}" is not a path inside the backup`);
  return `/${rel}`;
}

/**
 * The entries directly in one folder: `restic ls SNAPSHOT /dir` (0.14 and later) walks only the
 * trees on the way to that folder and prints the folder itself and its children, so the cost
 * and the memory are those of one folder, not of the snapshot.
 */
export async function listFolder(cli: ResticCli, backupId: string, dir: string, signal?: AbortSignal): Promise<BackupEntry[]> {
  const at = snapshotPath(dir);
  const parent = at.slice(1);
  const out: BackupEntry[] = [];
  await cli.run('Listing a folder', ['ls', '--json', '--no-lock', snapshotArg(backupId), at], {
    signal,
    onStdoutLine: (l) => {
      const e = parseLsLine(l);
      if (e && e.path !== parent && parentEntry(e.path) === parent) out.push(e);
    },
  });
  return out;
}

/** One entry, or undefined: `restic ls SNAPSHOT /path` prints that node first (and a folder's children after it). */
export async function statEntry(cli: ResticCli, backupId: string, path: string, signal?: AbortSignal): Promise<BackupEntry | undefined> {
  const at = snapshotPath(path);
  if (at === '/') return { path: '', type: 'dir', size: 0 };
  let found: BackupEntry | undefined;
  await cli.run('Looking up a file', ['ls', '--json', '--no-lock', snapshotArg(backupId), at], {
    signal,
    onStdoutLine: (l) => {
      if (found) return;
      const e = parseLsLine(l);
      if (e && e.path === at.slice(1)) found = e;
    },
  });
  return found;
}

export async function readFile(cli: ResticCli, backupId: string, path: string, signal?: AbortSignal): Promise<Uint8Array> {
  const rel = path.replace(/^\/+/, '');
  if (!rel || rel.split('/').includes('..')) throw new Error(`"${path}" is not a path inside the backup`);
  const r = await cli.run('Reading a file', ['dump', '--no-lock', snapshotArg(backupId), `/${rel}`], { signal, maxStdoutBytes: MAX_READ_BYTES });
  return new Uint8Array(r.stdout.buffer, r.stdout.byteOffset, r.stdout.byteLength);
}

export async function repositorySize(cli: ResticCli, signal?: AbortSignal): Promise<number | undefined> {
  const r = await cli.run('Repository size', ['stats', '--json', '--no-lock', '--mode', 'raw-data'], { signal });
  const line = r.stdout.toString('utf8').split('\n').find((l) => l.trim().startsWith('{'));
  return line ? (JSON.parse(line) as StatsJson).total_size : undefined;
}

/** restic --include patterns selecting exactly these paths of a snapshot (and what is below them). */
export function includeArgs(paths: string[] | undefined): string[] {
  return (paths ?? []).flatMap((p) => {
    const rel = p.replace(/^\/+/, '').replace(/\/+$/, '');
    if (!rel || rel.split('/').includes('..')) throw new Error(`"${p}" is not a path inside the backup`);
    return ['--include', exactArgPattern(`/${rel}`)];
  });
}
