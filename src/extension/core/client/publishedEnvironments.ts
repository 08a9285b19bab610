// The environments windows publish for the background agent (`<storage>/agent/environments.json`,
// issue 16), read by the command line when nobody leads, so `list` and `status` still name every
// environment. Read tolerantly: a missing or unreadable file means "not known", never an error.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Environment, EnvironmentEntry } from '../environments/types';

export function publishedEnvironments(storageDir: string): { entries: EnvironmentEntry[] } | undefined {
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(join(storageDir, 'agent', 'environments.json'), 'utf8'));
  } catch {
    return undefined;
  }
  const list = Array.isArray(v) ? v : Array.isArray((v as { environments?: unknown })?.environments) ? (v as { environments: unknown[] }).environments : undefined;
  if (!list) return undefined;
  const envs: Environment[] = [];
  for (const item of list) {
    const e = (item && typeof item === 'object' && 'environment' in item ? (item as { environment: unknown }).environment : item) as Partial<Environment> | null;
    if (e && typeof e.id === 'string' && typeof e.schedule === 'string') envs.push({ name: e.id, enabled: true, origin: 'user', ...e } as Environment);
  }
  return { entries: envs.map((environment, index) => ({ index, valid: true, environment })) };
}
