// What the leader accepts from a follower over the channel, checked as strictly as settings and
// webview messages are. The channel is reachable only by this user (endpoint.ts), but a follower
// of another version, a confused one, or any process of the user must not get the leader to run
// something no window's settings define, nor to restore into a place no user picked.
//
// Registration rule: a follower registers the environments its own window's settings define, for
// its own folders. Each entry is parsed again by the leader exactly as a settings entry is (what
// the follower sent is only input); one bound to a workspace folder must name a folder that window
// has open, under the id that folder gives it; and a command that would be blocked in its window
// (not trusted there) is refused.
import { promises as fs } from 'node:fs';
import * as nodePath from 'node:path';
import type { RestoreRequest } from '../engines/types';
import { trustBlock } from '../environments/lookup';
import { folderKey, parseEnvironments, RESOLVED_ID_PATTERN } from '../environments/parse';
import type { Environment } from '../environments/types';

export interface Registration {
  windowId: string;
  /** The follower window's workspace folders. */
  folders: string[];
  /** Whether that window's workspace is trusted. */
  trusted: boolean;
  envs: Environment[];
  /** Entries not accepted, each with the reason (also sent back to the follower). */
  refused: { id: string; reason: string }[];
}

const WINDOW_ID = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_ENTRIES = 500;
const MAX_FOLDERS = 100;

function isAbsolutePath(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= 4096 && !v.includes('\0') && nodePath.isAbsolute(v);
}

/** Throws on a malformed request; refuses (and lists) entries one by one. */
export function checkRegistration(params: unknown, ctx: { home: string; env: NodeJS.ProcessEnv }): Registration {
  if (!params || typeof params !== 'object' || Array.isArray(params)) throw new Error('parameters must be an object');
  const p = params as Record<string, unknown>;
  if (typeof p.windowId !== 'string' || !WINDOW_ID.test(p.windowId)) throw new Error('"windowId" must be a window id');
  if (!Array.isArray(p.entries) || p.entries.length > MAX_ENTRIES) throw new Error(`"entries" must be a list of at most ${MAX_ENTRIES} environments`);
  const folders = p.folders ?? [];
  if (!Array.isArray(folders) || folders.length > MAX_FOLDERS || !folders.every(isAbsolutePath)) throw new Error('"folders" must be a list of absolute paths');
  const trusted = p.trusted ?? false;
  if (typeof trusted !== 'boolean') throw new Error('"trusted" must be true or false');
  const reg: Registration = { windowId: p.windowId, folders: folders.map((f) => nodePath.resolve(f)), trusted, envs: [], refused: [] };
  for (const raw of p.entries) {
    const r = checkEntry(raw, reg, ctx);
    if (typeof r === 'string') reg.refused.push({ id: idOf(raw), reason: r });
    else reg.envs.push(r);
  }
  return reg;
}

function idOf(raw: unknown): string {
  const id = raw && typeof raw === 'object' ? (raw as { id?: unknown }).id : undefined;
  return typeof id === 'string' ? id.slice(0, 100) : '?';
}

function checkEntry(raw: unknown, reg: Registration, ctx: { home: string; env: NodeJS.ProcessEnv }): Environment | string {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return 'not an object';
  const { origin, folder, id, ...fields } = raw as Record<string, unknown>;
  if (typeof id !== 'string' || !RESOLVED_ID_PATTERN.test(id)) return 'bad id';
  if (origin !== 'user' && origin !== 'workspace') return '"origin" must be user or workspace';
  const [base, key] = id.split('@');
  if (key !== undefined || folder !== undefined) {
    if (!isAbsolutePath(folder)) return 'bound to a folder, but names no absolute folder';
    const f = nodePath.resolve(folder);
    if (!reg.folders.includes(f)) return `bound to ${f}, which that window does not have open`;
    if (key !== folderKey(f)) return `its id does not match its folder ${f}`;
  }
  // Parsed again as a settings entry: paths already expanded stay as they are, and every field is
  // checked the way the settings are.
  const parsed = parseEnvironments([{ ...fields, id: base }], {
    home: ctx.home,
    env: ctx.env,
    workspaceFolder: typeof folder === 'string' ? folder : undefined,
    workspaceIds: origin === 'workspace' ? new Set([base]) : undefined,
  })[0];
  if (!parsed?.valid) return parsed ? parsed.errors.join('; ') : 'empty';
  // Its window expanded every path; a relative one would land wherever the leader happens to run.
  for (const k of ['source', 'destination', 'passwordFile'] as const) {
    const v = parsed.environment[k];
    if (v !== undefined && !isAbsolutePath(v)) return `"${k}" must be an absolute path`;
  }
  const env: Environment = { ...parsed.environment, id, origin, ...(typeof folder === 'string' ? { folder: nodePath.resolve(folder) } : {}) };
  const blocked = trustBlock(env, reg.trusted, reg.trusted ? [] : reg.folders);
  return blocked ?? env;
}

/**
 * A restore asked for over the channel gets the checks a user's choice has in the picker: the
 * backup is one of the environment's own backups, the target an existing folder given by an
 * absolute path, and the paths inside the backup relative and without `..`.
 */
export async function checkRestoreRequest(req: RestoreRequest, listedBackupIds: readonly string[]): Promise<void> {
  if (!listedBackupIds.includes(req.backupId)) throw new Error(`"${req.backupId.slice(0, 200)}" is not one of this environment's backups`);
  if (!isAbsolutePath(req.target)) throw new Error('the restore target must be an absolute path');
  let st;
  try {
    st = await fs.stat(req.target);
  } catch (e) {
    throw new Error(`the restore target ${req.target} does not exist (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (!st.isDirectory()) throw new Error(`the restore target ${req.target} is not a folder`);
  for (const p of req.paths ?? []) {
    const parts = p.split(/[\\/]+/);
    if (p.length === 0 || p.includes('\0') || nodePath.isAbsolute(p) || /^[A-Za-z]:/.test(p) || parts.includes('..')) throw new Error(`"${p.slice(0, 200)}" is not a path inside the backup`);
  }
}
