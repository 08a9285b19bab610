// Turns the raw `backupScheduler.environments` setting into typed environments. Each entry is
// checked on its own and collects every problem it has, so the user fixes them in one go and a
// broken entry never takes the others down with it.
import { createHash } from 'node:crypto';
import * as nodePath from 'node:path';
import { cronError, isValidTimeZone } from '../scheduler/cron';
import { parseEngineFields } from './engineFields';
import { expandPath, type ExpandContext } from './expand';
import type { Environment, EnvironmentEntry, RetentionPolicy } from './types';

import { ENV_ID_PATTERN } from './ids';
export { ENV_ID_PATTERN, RESOLVED_ID_PATTERN } from './ids';
const RETENTION_KEYS = ['keepLast', 'keepDaily', 'keepWeekly', 'keepMonthly'] as const;

export interface ParseContext extends ExpandContext {
  /** Ids of entries that come from workspace (not user) settings. */
  workspaceIds?: ReadonlySet<string>;
  /**
   * The list's entries follow the window's folders: an entry that depends on the workspace
   * folder (`${workspaceFolder}` in a path, or no `source`) becomes one environment per folder
   * in `folders`, with the id `<id>@<folder key>`; with no folder open it cannot run here.
   * Set for user settings and a multi-root workspace's own settings, where "the" folder is
   * a different one in each window or folder.
   */
  perFolder?: boolean;
}

export function parseEnvironments(raw: unknown, ctx: ParseContext): EnvironmentEntry[] {
  return parseEnvironmentLists([{ raw, ctx }]);
}

/** Several lists (user or workspace settings, each folder's own) as one, ids unique across them. */
export function parseEnvironmentLists(lists: readonly { raw: unknown; ctx: ParseContext }[]): EnvironmentEntry[] {
  const entries: EnvironmentEntry[] = [];
  for (const { raw, ctx } of lists) {
    if (raw === undefined || raw === null) continue;
    if (!Array.isArray(raw)) {
      entries.push({ index: entries.length, valid: false, id: undefined, name: 'backupScheduler.environments', errors: ['the setting must be an array of environments'] });
      continue;
    }
    for (const item of raw) {
      for (const e of ctx.perFolder && dependsOnFolder(item) ? perFolderEntries(item, entries.length, ctx) : [parseEntry(item, entries.length, ctx)]) {
        entries.push({ ...e, index: entries.length });
      }
    }
  }
  markDuplicates(entries);
  return entries;
}

const FOLDER_VAR = /\$\{workspaceFolder\}/;

/** Whether an entry means "the window's folder": `${workspaceFolder}` in a path, or a source left to default. */
export function dependsOnFolder(item: unknown): boolean {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return false;
  const o = item as Record<string, unknown>;
  if ((o.source === undefined || o.source === '') && o.type === 'command') return true;
  return ['source', 'destination', 'repository', 'passwordFile'].some((k) => typeof o[k] === 'string' && FOLDER_VAR.test(o[k] as string));
}

/** Short, stable, readable key of a folder: its name and a hash of its path (two "app" folders differ). */
export function folderKey(folderPath: string): string {
  const base = nodePath.basename(folderPath).toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 24) || 'folder';
  return `${base}-${createHash('sha256').update(nodePath.resolve(folderPath)).digest('hex').slice(0, 6)}`;
}

function perFolderEntries(item: unknown, index: number, ctx: ParseContext): EnvironmentEntry[] {
  const folders = ctx.folders ?? (ctx.workspaceFolder ? [{ name: nodePath.basename(ctx.workspaceFolder), path: ctx.workspaceFolder }] : []);
  const o = item as Record<string, unknown>;
  if (folders.length === 0) {
    const id = typeof o.id === 'string' ? o.id : undefined;
    const name = typeof o.name === 'string' && o.name ? o.name : (id ?? `entry ${index + 1}`);
    return [{ index, valid: false, id, name, errors: ['runs in each open workspace folder (its source is the workspace folder): no folder is open in this window'] }];
  }
  return folders.map((f) => {
    const e = parseEntry(item, index, { ...ctx, workspaceFolder: f.path });
    if (!e.valid) return e.id ? { ...e, id: `${e.id}@${folderKey(f.path)}` } : e;
    const env = e.environment;
    return { ...e, environment: { ...env, id: `${env.id}@${folderKey(f.path)}`, name: `${env.name} (${f.name})`, folder: f.path } };
  });
}

function markDuplicates(entries: EnvironmentEntry[]): void {
  const seen = new Map<string, number>();
  entries.forEach((entry, i) => {
    const id = entry.valid ? entry.environment.id : entry.id;
    if (id === undefined) return;
    const first = seen.get(id);
    if (first === undefined) {
      seen.set(id, i);
      return;
    }
    // The first entry with an id keeps it; later ones are invalid, so history never mixes two environments.
    const error = `duplicate id "${id}": entry ${first + 1} already uses it`;
    entries[i] = entry.valid
      ? { index: entry.index, valid: false, id, name: entry.environment.name, errors: [error] }
      : { ...entry, errors: [...entry.errors, error] };
  });
}

function parseEntry(item: unknown, index: number, ctx: ParseContext): EnvironmentEntry {
  const errors: string[] = [];
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    return { index, valid: false, id: undefined, name: `entry ${index + 1}`, errors: ['must be an object'] };
  }
  const o = item as Record<string, unknown>;
  const str = (key: string, required: boolean): string | undefined => {
    const v = o[key];
    if (v === undefined || v === null || v === '') {
      if (required) errors.push(`"${key}" is required`);
      return undefined;
    }
    if (typeof v !== 'string') {
      errors.push(`"${key}" must be a string`);
      return undefined;
    }
    return v;
  };
  const bool = (key: string, fallback: boolean): boolean => {
    const v = o[key];
    if (v === undefined) return fallback;
    if (typeof v !== 'boolean') {
      errors.push(`"${key}" must be true or false`);
      return fallback;
    }
    return v;
  };
  const path = (key: string, required: boolean): string | undefined => {
    const v = str(key, required);
    if (v === undefined) return undefined;
    const r = expandPath(v, ctx);
    if ('error' in r) {
      errors.push(`"${key}": ${r.error}`);
      return undefined;
    }
    return r.value;
  };

  const id = str('id', true);
  if (id !== undefined && !ENV_ID_PATTERN.test(id)) errors.push(`"id" must use only a-z, 0-9, "_" and "-" (got "${id}")`);
  const name = str('name', false) ?? id ?? `entry ${index + 1}`;
  const type = str('type', true);
  if (type !== undefined && type !== 'folder' && type !== 'command') errors.push(`"type" must be "folder" or "command" (got "${type}")`);
  const source = path('source', type === 'folder');
  const command = str('command', type === 'command');
  const engineFields = parseEngineFields(o, ctx, errors);
  const restic = engineFields.engine === 'restic';
  // A restic environment stores into its repository; "destination" is for the archive engine.
  const destination = path('destination', !restic) ?? (restic ? engineFields.repository : undefined);
  const schedule = str('schedule', true);
  if (schedule !== undefined) {
    const e = cronError(schedule);
    if (e) errors.push(e);
  }
  const timezone = str('timezone', false);
  if (timezone !== undefined && !isValidTimeZone(timezone)) errors.push(`unknown time zone "${timezone}" (use an IANA name such as "Europe/Berlin")`);
  const enabled = bool('enabled', true);
  const useGitignore = bool('useGitignore', true);
  const skipIfUnchanged = bool('skipIfUnchanged', false);
  const verify = bool('verify', false);
  const inheritEnv = bool('inheritEnv', false);
  let exclude: string[] = [];
  if (o.exclude !== undefined) {
    if (!Array.isArray(o.exclude) || o.exclude.some((x) => typeof x !== 'string')) errors.push('"exclude" must be a list of glob strings');
    else exclude = o.exclude as string[];
  }
  let missedRun: Environment['missedRun'] = 'runOnce';
  if (o.missedRun !== undefined) {
    if (o.missedRun === 'runOnce' || o.missedRun === 'skip') missedRun = o.missedRun;
    else errors.push(`"missedRun" must be "runOnce" or "skip"`);
  }
  let timeoutMinutes: number | undefined;
  if (o.timeoutMinutes !== undefined) {
    if (typeof o.timeoutMinutes !== 'number' || !(o.timeoutMinutes > 0)) errors.push('"timeoutMinutes" must be a positive number');
    else timeoutMinutes = o.timeoutMinutes;
  }
  const retention = parseRetention(o.retention, errors);
  const healthcheckUrl = parseHealthcheckUrl(str('healthcheckUrl', false), errors);
  if (!restic && type === 'folder' && source && destination && isInside(destination, source)) {
    errors.push('"destination" is inside "source": each backup would contain the previous ones');
  }

  if (errors.length > 0 || id === undefined || destination === undefined || schedule === undefined) {
    return { index, valid: false, id, name, errors };
  }
  return {
    index,
    valid: true,
    environment: {
      id,
      name,
      type: type as Environment['type'],
      source: source ?? ctx.workspaceFolder,
      command,
      destination,
      schedule: schedule.trim(),
      timezone,
      enabled,
      exclude,
      useGitignore,
      retention,
      missedRun,
      timeoutMinutes,
      skipIfUnchanged,
      verify,
      inheritEnv,
      origin: ctx.workspaceIds?.has(id) ? 'workspace' : 'user',
      ...engineFields,
      ...(healthcheckUrl ? { healthcheckUrl } : {}),
    },
  };
}

function parseRetention(v: unknown, errors: string[]): RetentionPolicy | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    errors.push('"retention" must be an object such as { "keepLast": 7 }');
    return undefined;
  }
  const out: RetentionPolicy = {};
  for (const [k, n] of Object.entries(v)) {
    if (!(RETENTION_KEYS as readonly string[]).includes(k)) {
      errors.push(`"retention.${k}" is not known (use ${RETENTION_KEYS.join(', ')})`);
    } else if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) {
      errors.push(`"retention.${k}" must be a whole number of 0 or more`);
    } else {
      out[k as (typeof RETENTION_KEYS)[number]] = n;
    }
  }
  return out;
}

/** Only http(s): a monitor's ping URL, never a file or another scheme a request would follow. */
function parseHealthcheckUrl(v: string | undefined, errors: string[]): string | undefined {
  if (v === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    errors.push(`"healthcheckUrl" is not a valid URL`);
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    errors.push(`"healthcheckUrl" must start with http:// or https:// (got "${url.protocol}")`);
    return undefined;
  }
  return v;
}

function isInside(child: string, parent: string): boolean {
  const rel = nodePath.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !nodePath.isAbsolute(rel));
}
