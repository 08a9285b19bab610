// What the background agent tells the user on the desktop while it runs the schedules: a failed
// or interrupted backup (and its verify or prune) when no VS Code window is open to say it, and
// an environment that became overdue (windows that follow the agent do not alert that, so the
// agent does, once per overdue spell, remembered in a file across restarts).
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { formatDateTime } from '../../../shared/format';
import type { TaskRecord } from '../../../shared/model';
import type { Backups } from '../backups';
import { OverdueWatch, type KeyValueState } from '../health/overdue';
import type { Clock, Logger } from '../ports';
import type { Disposable } from '../util/emitter';
import type { DesktopNotifier } from './notify';

export interface AgentAlertsOptions {
  backups: Pick<Backups, 'role' | 'environments' | 'environment' | 'reader' | 'blockedReason' | 'onDidChangeTask' | 'onDidChangeEnvironments'>;
  notifier: DesktopNotifier;
  clock: Clock;
  /** True while a VS Code window is open: it tells the user about failures itself. */
  windowsOpen(): boolean;
  /** Where overdue spells already alerted are kept (JSON). */
  stateFile: string;
  logger: Logger;
  checkEveryMs?: number;
}

const KINDS = new Set(['backup', 'verify', 'prune']);

/** A small JSON file as the overdue watch's memory; written by temp + rename. */
export function fileState(path: string, logger: Logger): KeyValueState {
  let data: Record<string, string> = {};
  try {
    data = JSON.parse(readFileSync(path, 'utf8')) as Record<string, string>;
  } catch {
    /* first run */
  }
  return {
    get: (key) => data[key],
    set: (key, value) => {
      data[key] = value;
      try {
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(`${path}.tmp`, JSON.stringify(data), { mode: 0o600 });
        renameSync(`${path}.tmp`, path);
      } catch (e) {
        logger.warn(`cannot save ${path}: ${(e as Error).message}`);
      }
    },
  };
}

export function failureText(t: TaskRecord, name: string): { title: string; body: string } | undefined {
  if (!KINDS.has(t.kind) || (t.status !== 'failed' && t.status !== 'interrupted')) return undefined;
  const what = t.kind === 'backup' ? 'Backup' : t.kind === 'verify' ? 'Verify' : 'Prune';
  return { title: `Backup Scheduler: ${what} of ${name} ${t.status}`, body: t.error ?? 'see the Task Log' };
}

export function watchAgentAlerts(o: AgentAlertsOptions): Disposable {
  const seen = new Set<number>();
  const name = (id: string) => o.backups.environment(id)?.name ?? id;
  const failures = o.backups.onDidChangeTask((t) => {
    if (t.finishedAt === null || seen.has(t.id) || o.backups.role !== 'leader') return;
    seen.add(t.id);
    if (seen.size > 1000) seen.delete(seen.values().next().value!);
    const text = failureText(t, name(t.envId));
    if (!text || o.windowsOpen()) return;
    o.logger.info(`desktop notification: ${text.title}`);
    o.notifier.notify(text.title, text.body);
  });
  const overdue = new OverdueWatch({
    backups: o.backups,
    clock: o.clock,
    state: fileState(o.stateFile, o.logger),
    checkEveryMs: o.checkEveryMs,
    alert: (env, since) => {
      const title = `Backup Scheduler: ${env.name} is overdue`;
      o.logger.info(`desktop notification: ${title}`);
      o.notifier.notify(title, `No good backup since ${formatDateTime(since)}.`);
    },
  });
  return { dispose: () => (failures.dispose(), overdue.dispose()) };
}
