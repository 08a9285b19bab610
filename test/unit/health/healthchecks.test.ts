// Health-check pings against a real HTTP server on the loopback interface, fed by a real
// TaskManager (over the in-memory store): what a monitor receives, in which order, and that a
// monitor that never answers changes nothing about the backup.
import * as assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TaskRecord, TaskResult } from '../../../src/shared/model';
import type { Environment } from '../../../src/extension/core/environments/types';
import { pingFor, watchHealthchecks, type PingKind } from '../../../src/extension/core/health/healthchecks';
import { systemClock, type Logger } from '../../../src/extension/core/ports';
import { TaskManager } from '../../../src/extension/core/tasks/taskManager';
import type { Disposable } from '../../../src/extension/core/util/emitter';
import { MemoryStore } from '../fakes/memoryStore';

interface Hit { method: string; path: string; body: string }

async function startServer(handler?: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; base: string; hits: Hit[] }> {
  const hits: Hit[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      hits.push({ method: req.method ?? '', path: req.url ?? '', body });
      if (handler) return handler(req, res);
      res.end('OK');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits };
}

function env(id: string, healthcheckUrl: string | undefined): Environment {
  return {
    id, name: id, type: 'command', source: undefined, command: 'true', destination: '/tmp', schedule: '0 3 * * *', timezone: undefined, enabled: true,
    exclude: [], useGitignore: true, retention: undefined, missedRun: 'runOnce', timeoutMinutes: undefined, skipIfUnchanged: false, verify: false, origin: 'user', healthcheckUrl,
  };
}

describe('health checks', () => {
  let store: MemoryStore;
  let tm: TaskManager;
  let envs: Map<string, Environment>;
  let role: 'leader' | 'follower';
  let pinged: { envId: string; kind: PingKind; outcome: number | Error }[];
  let warnings: string[];
  let watch: Disposable | undefined;
  const servers: Server[] = [];

  const logger: Logger = { debug() {}, info() {}, warn: (m) => warnings.push(m), error: (m) => warnings.push(m) };

  function start(timeoutMs = 2000) {
    watch = watchHealthchecks({
      backups: { get role() { return role; }, onDidChangeTask: (l) => tm.onDidChangeTask(l), environment: (id) => envs.get(id) },
      logger,
      timeoutMs,
      onDidPing: (envId, kind, outcome) => pinged.push({ envId, kind, outcome }),
    });
  }

  async function pings(n: number): Promise<void> {
    while (pinged.length < n) await new Promise((r) => setTimeout(r, 10));
  }

  async function run(envId: string, work: () => Promise<TaskResult>, kind: TaskRecord['kind'] = 'backup'): Promise<TaskRecord> {
    const out = tm.start({ envId, kind, trigger: 'manual', work });
    assert.ok(out.kind === 'started' || out.kind === 'queued');
    return out.done;
  }

  beforeEach(() => {
    store = new MemoryStore();
    tm = new TaskManager({ store, clock: systemClock, logger });
    envs = new Map();
    role = 'leader';
    pinged = [];
    warnings = [];
  });

  afterEach(async () => {
    watch?.dispose();
    await tm.dispose();
    for (const s of servers.splice(0)) {
      s.closeAllConnections();
      s.close();
    }
  });

  it('pings <url>/start, then <url> with the archive, for a backup that succeeds', async () => {
    const { server, base, hits } = await startServer();
    servers.push(server);
    envs.set('docs', env('docs', `${base}/ping/abc-123`));
    start();
    const t = await run('docs', async () => ({ archivePath: '/tmp/docs-1.tar.gz' }));
    assert.equal(t.status, 'succeeded');
    await pings(2);
    assert.deepEqual(hits.map((h) => `${h.method} ${h.path}`), ['POST /ping/abc-123/start', 'POST /ping/abc-123']);
    assert.match(hits[1].body, /succeeded: \/tmp\/docs-1\.tar\.gz/);
    assert.deepEqual(warnings, []);
  });

  it('pings <url>/fail with the error for a backup that fails, keeping the query string', async () => {
    const { server, base, hits } = await startServer();
    servers.push(server);
    envs.set('db', env('db', `${base}/ping/xyz/?create=1`));
    start();
    const t = await run('db', async () => {
      throw new Error('pg_dump exited with code 1');
    });
    assert.equal(t.status, 'failed');
    await pings(2);
    assert.deepEqual(hits.map((h) => h.path), ['/ping/xyz/start?create=1', '/ping/xyz/fail?create=1']);
    assert.match(hits[1].body, /failed: pg_dump exited with code 1/);
  });

  it('Uptime Kuma push URLs get status=up / status=down and no start ping', async () => {
    const { server, base, hits } = await startServer();
    servers.push(server);
    envs.set('kuma', env('kuma', `${base}/api/push/Tok3n?status=up&msg=OK&ping=`));
    start();
    await run('kuma', async () => ({ summary: 'done' }));
    await run('kuma', async () => {
      throw new Error('disk full');
    });
    await pings(2);
    const urls = hits.map((h) => new URL(h.path, base));
    assert.deepEqual(urls.map((u) => `${u.pathname} ${u.searchParams.get('status')}`), ['/api/push/Tok3n up', '/api/push/Tok3n down']);
    assert.match(urls[1].searchParams.get('msg') ?? '', /disk full/);
    assert.ok(hits.every((h) => h.method === 'GET'));
  });

  it('a monitor that never answers neither delays nor changes the backup; the ping gives up after its timeout', async () => {
    const { server, base } = await startServer(() => undefined); // accepts, never answers
    servers.push(server);
    envs.set('docs', env('docs', `${base}/hang`));
    start(1000);
    const t = await run('docs', async () => ({ summary: 'ok' }));
    assert.equal(t.status, 'succeeded');
    assert.equal(pinged.length, 0, 'the task finished while its /start ping was still waiting');
    await pings(2);
    assert.deepEqual(pinged.map((p) => p.kind), ['start', 'success']);
    assert.ok(pinged.every((p) => p.outcome instanceof Error && /no answer within 1000 ms/.test(p.outcome.message)));
    assert.equal(warnings.length, 2);
    assert.ok(warnings.every((w) => !w.includes('/hang')), 'the URL path (a secret token) stays out of the log');
  });

  it('a refused connection and an HTTP error are logged, never thrown', async () => {
    const { server, base } = await startServer((_req, res) => {
      res.statusCode = 404;
      res.end('no such check');
    });
    servers.push(server);
    envs.set('a', env('a', `${base}/missing`));
    envs.set('b', env('b', 'http://127.0.0.1:1/nothing-listens'));
    start();
    assert.equal((await run('a', async () => ({}))).status, 'succeeded');
    assert.equal((await run('b', async () => ({}))).status, 'succeeded');
    await pings(4);
    assert.ok(warnings.some((w) => /success of a .*HTTP 404/.test(w)));
    assert.ok(warnings.some((w) => /success of b .*failed: .*ECONNREFUSED/.test(w)));
  });

  it('only the leader window pings; environments without a URL and other task kinds are left alone', async () => {
    const { server, base, hits } = await startServer();
    servers.push(server);
    envs.set('docs', env('docs', `${base}/p`));
    envs.set('plain', env('plain', undefined));
    start();
    role = 'follower';
    await run('docs', async () => ({}));
    role = 'leader';
    await run('plain', async () => ({}));
    await run('docs', async () => ({}), 'restore');
    await run('docs', async () => ({}), 'prune');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(hits.length, 0, JSON.stringify(hits));
    await run('docs', async () => {
      throw new Error('verify: checksum mismatch');
    }, 'verify');
    await pings(1);
    assert.deepEqual(hits.map((h) => h.path), ['/p/fail']);
  });

  it('pingFor builds healthchecks.io and Uptime Kuma requests', () => {
    assert.equal(pingFor('https://hc-ping.com/uuid', 'start', '')!.url.href, 'https://hc-ping.com/uuid/start');
    assert.equal(pingFor('https://hc-ping.com/uuid/', 'success', '')!.url.href, 'https://hc-ping.com/uuid/');
    assert.equal(pingFor('https://hc-ping.com/uuid/', 'fail', 'x')!.url.href, 'https://hc-ping.com/uuid/fail');
    assert.equal(pingFor('https://kuma.example/api/push/T', 'start', ''), undefined);
  });
});
