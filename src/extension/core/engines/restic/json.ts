// restic's JSON output, one parser per message type. Lines that are not JSON (warnings printed
// by the backend or by older versions) are handed back as text for the log.
import { constants as osConstants } from 'node:os';
import type { BackupEntry, BackupEntryType } from '../types';

export interface BackupStatus {
  message_type: 'status';
  seconds_elapsed?: number;
  seconds_remaining?: number;
  percent_done?: number;
  total_files?: number;
  files_done?: number;
  total_bytes?: number;
  bytes_done?: number;
  error_count?: number;
  current_files?: string[];
}

export interface BackupError {
  message_type: 'error';
  /** Newer versions: { message }; 0.14 serializes Go's error: { Op, Path, Err (errno) }. */
  error?: { message?: string; Op?: string; Err?: number } | string;
  during?: string;
  item?: string;
}

export interface BackupSummary {
  message_type: 'summary';
  files_new: number;
  files_changed: number;
  files_unmodified: number;
  dirs_new?: number;
  dirs_changed?: number;
  dirs_unmodified?: number;
  data_added: number;
  total_files_processed: number;
  total_bytes_processed: number;
  total_duration?: number;
  /** Short on 0.14, full from 0.15; absent when 0.17's --skip-if-unchanged wrote nothing. */
  snapshot_id?: string;
}

/** A line that is not one of restic's messages (a warning in plain text). */
export interface TextLine {
  message_type: 'text';
  text: string;
}

export type BackupMessage = BackupStatus | BackupError | BackupSummary | TextLine | { message_type: 'verbose_status' | 'exit_error' };

export function parseBackupLine(line: string): BackupMessage {
  const t = line.trim();
  const text: TextLine = { message_type: 'text', text: line };
  if (!t.startsWith('{')) return text;
  try {
    const m = JSON.parse(t) as BackupMessage;
    return typeof m === 'object' && m && typeof m.message_type === 'string' && m.message_type !== 'text' ? m : text;
  } catch {
    return text;
  }
}

const ERRNO_NAMES = new Map(Object.entries(osConstants.errno).map(([name, n]) => [n, name]));

function shorten(text: string, max = 300): string {
  return text.length > max ? `${text.slice(0, max / 2)}…${text.slice(-max / 2)}` : text;
}

export function errorMessage(e: BackupError): string {
  const err = e.error;
  let msg: string;
  if (typeof err === 'string') msg = err;
  else if (err?.message) msg = err.message;
  else if (err && typeof err.Err === 'number') msg = `${err.Op ? `${err.Op}: ` : ''}${ERRNO_NAMES.get(err.Err) ?? `errno ${err.Err}`}`;
  else msg = 'error';
  return shorten(e.item ? `${e.item}: ${msg}` : msg);
}

export interface SnapshotJson {
  id: string;
  short_id?: string;
  time: string;
  paths?: string[];
  hostname?: string;
  tags?: string[] | null;
  parent?: string;
  summary?: { total_bytes_processed?: number; data_added?: number };
}

export function parseSnapshots(stdout: string): SnapshotJson[] {
  const t = stdout.trim();
  if (!t) return [];
  const start = t.indexOf('[');
  const arr = JSON.parse(start > 0 ? t.slice(start) : t) as unknown;
  if (!Array.isArray(arr)) throw new Error('restic snapshots printed something that is not a list');
  return arr as SnapshotJson[];
}

interface LsNode {
  struct_type?: string;
  message_type?: string;
  name?: string;
  type?: string;
  path?: string;
  size?: number;
  mtime?: string;
  mode?: number;
  link?: string;
}

function entryType(t: string | undefined): BackupEntryType {
  return t === 'file' ? 'file' : t === 'dir' ? 'dir' : t === 'symlink' ? 'symlink' : 'other';
}

/** One `ls --json` line as an entry, or undefined for the snapshot line and anything else. */
export function parseLsLine(line: string): BackupEntry | undefined {
  const t = line.trim();
  if (!t.startsWith('{')) return undefined;
  let n: LsNode;
  try {
    n = JSON.parse(t) as LsNode;
  } catch {
    return undefined;
  }
  // 0.14 marks nodes with struct_type, later versions with message_type.
  const kind = n.message_type ?? n.struct_type;
  if (kind !== 'node' || typeof n.path !== 'string') return undefined;
  const path = n.path.replace(/^\/+/, '');
  if (!path) return undefined;
  const mtime = n.mtime ? Date.parse(n.mtime) : NaN;
  return {
    path,
    type: entryType(n.type),
    size: n.size ?? 0,
    mtime: Number.isFinite(mtime) ? mtime : undefined,
    // Go's FileMode keeps the type in high bits; the permission bits are the low nine.
    mode: typeof n.mode === 'number' ? n.mode & 0o777 : undefined,
    linkTarget: n.link,
  };
}

export interface StatsJson {
  total_size: number;
  total_file_count?: number;
  total_blob_count?: number;
  snapshots_count?: number;
}
