// Tells an outside monitor about every backup, so someone notices when backups fail or silently
// stop even with VS Code closed: an environment's `healthcheckUrl` is pinged when a backup starts,
// when it succeeds and when it fails. It listens to task changes (not inside the engines, so
// every engine and every trigger gets it), pings in the background with a time limit, one ping
// at a time per environment (a monitor must see /start before the result), and a ping that
// fails is logged: it never changes, delays or blocks the backup.
import * as http from 'node:http';
import * as https from 'node:https';
import type { TaskRecord } from '../../../shared/model';
import type { Backups } from '../backups';
import type { Logger } from '../ports';
import type { Disposable } from '../util/emitter';

export type PingKind = 'start' | 'success' | 'fail';

export interface Ping {
  url: URL;
  method: 'GET' | 'POST';
  body?: string;
}

const DEFAULT_TIMEOUT_MS = 10_000;
/** Most characters of an error sent along with /fail (healthchecks.io keeps 100 kB of a body). */
const MAX_BODY = 10_000;

/**
 * The request for one event. healthchecks.io (and its clones): `<url>/start`, `<url>`,
 * `<url>/fail`, with the log excerpt as a POST body. An Uptime Kuma push URL (`/api/push/<token>`)
 * has no start signal and takes the result as `?status=up|down&msg=`.
 */
export function pingFor(base: string, kind: PingKind, message: string): Ping | undefined {
  const url = new URL(base);
  if (/\/api\/push\/[^/]+\/?$/.test(url.pathname)) {
    if (kind === 'start') return undefined;
    url.searchParams.set('status', kind === 'success' ? 'up' : 'down');
    url.searchParams.set('msg', message.slice(0, 250));
    return { url, method: 'GET' };
  }
  if (kind !== 'success') url.pathname = `${url.pathname.replace(/\/+$/, '')}/${kind}`;
  return { url, method: 'POST', body: message.slice(0, MAX_BODY) };
}

/** The URL without what may be a secret (the check's token in the path or query), for the log. */
export function redact(url: URL): string {
  return `${url.protocol}//${url.host}/…`;
}

/** Sends one ping; resolves with the HTTP status, rejects on a network error or after timeoutMs. */
export function sendPing(ping: Ping, timeoutMs: number, signal?: AbortSignal): Promise<number> {
  const mod = ping.url.protocol === 'https:' ? https : http;
  return new Promise<number>((resolve, reject) => {
    const body = ping.body === undefined ? undefined : Buffer.from(ping.body, 'utf8');
    const req = mod.request(ping.url, {
      method: ping.method,
      signal,
      headers: { 'user-agent': 'backup-scheduler', ...(body ? { 'content-type': 'text/plain; charset=utf-8', 'content-length': body.length } : {}) },
    }, (res) => {
      res.resume();
      res.on('end', () => {
        clearTimeout(timer);
        resolve(res.statusCode ?? 0);
      });
      res.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
    // One limit for the whole exchange: a server that accepts and then trickles is cut off too.
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    req.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    req.end(body);
  });
}

export interface HealthcheckOptions {
  backups: Pick<Backups, 'role' | 'onDidChangeTask' | 'environment'>;
  logger: Logger;
  timeoutMs?: number;
  /** Called after each ping settles (tests wait on it). */
  onDidPing?: (envId: string, kind: PingKind, outcome: number | Error) => void;
}

/** Starts pinging; dispose stops listening and aborts pings in flight. */
export function watchHealthchecks(opts: HealthcheckOptions): Disposable {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const stop = new AbortController();
  const started = new Set<number>();
  const queues = new Map<string, Promise<void>>();

  const enqueue = (envId: string, kind: PingKind, message: string) => {
    const base = opts.backups.environment(envId)?.healthcheckUrl;
    if (!base || stop.signal.aborted) return;
    let ping: Ping | undefined;
    try {
      ping = pingFor(base, kind, message);
    } catch (e) {
      opts.logger.warn(`health check of ${envId}: bad URL: ${(e as Error).message}`);
      return;
    }
    if (!ping) return;
    const p = ping;
    const previous = queues.get(envId) ?? Promise.resolve();
    const next = previous.then(async () => {
      if (stop.signal.aborted) return;
      let outcome: number | Error;
      try {
        outcome = await sendPing(p, timeoutMs, stop.signal);
        if (outcome < 200 || outcome >= 300) opts.logger.warn(`health check ${kind} of ${envId} (${redact(p.url)}): HTTP ${outcome}`);
        else opts.logger.debug(`health check ${kind} of ${envId}: HTTP ${outcome}`);
      } catch (e) {
        outcome = e instanceof Error ? e : new Error(String(e));
        if (!stop.signal.aborted) opts.logger.warn(`health check ${kind} of ${envId} (${redact(p.url)}) failed: ${outcome.message}`);
      }
      opts.onDidPing?.(envId, kind, outcome);
    });
    queues.set(envId, next);
    void next.then(() => {
      if (queues.get(envId) === next) queues.delete(envId);
    });
  };

  const onTask = (t: TaskRecord) => {
    // Only the window that runs the tasks pings; the others see the same tasks second-hand.
    if (opts.backups.role !== 'leader') return;
    if (t.kind === 'backup' && t.status === 'running' && !started.has(t.id)) {
      started.add(t.id);
      if (started.size > 1000) started.delete(started.values().next().value!);
      return enqueue(t.envId, 'start', `backup task #${t.id} started (${t.trigger})`);
    }
    if (t.finishedAt === null) return;
    const wasStarted = started.delete(t.id);
    if (t.kind === 'backup' && t.status === 'succeeded') {
      enqueue(t.envId, 'success', `backup task #${t.id} succeeded${t.result?.archivePath ? `: ${t.result.archivePath}` : t.result?.summary ? `: ${t.result.summary}` : ''}`);
    } else if (t.status === 'failed' || t.status === 'interrupted' || (t.status === 'cancelled' && wasStarted)) {
      // A verify that fails after a good backup means the backup is not good after all.
      if (t.kind === 'backup' || t.kind === 'verify') enqueue(t.envId, 'fail', `${t.kind} task #${t.id} ${t.status}: ${t.error ?? ''}`);
    }
  };

  const sub = opts.backups.onDidChangeTask(onTask);
  return {
    dispose: () => {
      sub.dispose();
      stop.abort();
    },
  };
}
