// RPC from followers to the leader over a local socket (Unix socket, or a named pipe on Windows):
// newline-delimited JSON, {id, method, params} -> {id, result} | {id, error: {message}}.
// The server never trusts a line: bad framing, bad JSON, a wrong shape, an unknown method or an
// oversized message gets an error reply (or is dropped) and a log line, never a crash.
// Calls are at-most-once: the client never resends, so a timed-out call may still have run on
// the leader; callers that need more make their commands idempotent.
import { chmodSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { Logger } from '../ports';
import type { Disposable } from '../util/emitter';
import { isNamedPipe, prepareSocketPath } from './endpoint';
import { LineFramer } from './framing';

export const MAX_MESSAGE_BYTES = 1024 * 1024;

export type Handlers = Record<string, (params: unknown) => Promise<unknown>>;

export interface LeaderChannelServer extends Disposable {
  readonly endpoint: string;
}

export interface ServeOptions {
  path: string;
  handlers: Handlers;
  logger: Logger;
  maxMessageBytes?: number;
}

type Id = string | number;
const isId = (v: unknown): v is Id => typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));
const errText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export async function serveLeaderChannel(o: ServeOptions): Promise<LeaderChannelServer> {
  const max = o.maxMessageBytes ?? MAX_MESSAGE_BYTES;
  const pipe = isNamedPipe(o.path);
  if (!pipe) prepareSocketPath(o.path);
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    // ECONNRESET and friends: the follower went away; nothing to do for the leader.
    socket.on('error', (e) => o.logger.debug(`Leader channel: connection error: ${errText(e)}`));
    const reply = (msg: { id: Id | null; result?: unknown; error?: { message: string } }): void => {
      let line = JSON.stringify(msg);
      if (Buffer.byteLength(line) > max) line = JSON.stringify({ id: msg.id, error: { message: 'result too large' } });
      if (!socket.destroyed && socket.writable) socket.write(`${line}\n`);
    };
    const framer = new LineFramer(
      max,
      (line) => void handle(line, reply),
      () => {
        o.logger.warn(`Leader channel: dropped a message over ${max} bytes`);
        reply({ id: null, error: { message: `message too large (over ${max} bytes)` } });
      },
    );
    socket.on('data', (chunk: Buffer) => framer.push(chunk));
  });

  async function handle(line: string, reply: (msg: { id: Id | null; result?: unknown; error?: { message: string } }) => void): Promise<void> {
    let req: unknown;
    try {
      req = JSON.parse(line);
    } catch {
      o.logger.warn('Leader channel: dropped a line that is not JSON');
      return reply({ id: null, error: { message: 'bad request: not JSON' } });
    }
    const r = req as { id?: unknown; method?: unknown; params?: unknown } | null;
    const id = r !== null && typeof r === 'object' && isId(r.id) ? r.id : null;
    if (id === null || typeof r?.method !== 'string') {
      o.logger.warn('Leader channel: dropped a request without id or method');
      return reply({ id, error: { message: 'bad request: needs id and method' } });
    }
    // hasOwn: `constructor`, `__proto__` and friends are not methods a follower may call.
    const handler = Object.hasOwn(o.handlers, r.method) ? o.handlers[r.method] : undefined;
    if (typeof handler !== 'function') return reply({ id, error: { message: `unknown method: ${r.method}` } });
    try {
      reply({ id, result: (await handler(r.params)) ?? null });
    } catch (e) {
      reply({ id, error: { message: errText(e) } });
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.path, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (e) => o.logger.error(`Leader channel: ${errText(e)}`));
  // Connecting to a Unix socket needs write permission on it: keep other local users out.
  if (!pipe) chmodSync(o.path, 0o600);
  o.logger.info(`Leader channel: listening on ${o.path}`);

  let disposed = false;
  return {
    endpoint: o.path,
    dispose() {
      if (disposed) return;
      disposed = true;
      server.close();
      for (const s of sockets) s.destroy();
      if (!pipe) rmSync(o.path, { force: true });
    },
  };
}

export type ChannelErrorCode = 'timeout' | 'gone' | 'unavailable' | 'remote' | 'disposed';

export class LeaderChannelError extends Error {
  constructor(
    readonly code: ChannelErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'LeaderChannelError';
  }
}

export interface LeaderChannelClient extends Disposable {
  call(method: string, params?: unknown): Promise<unknown>;
}

export interface ConnectOptions {
  /** Per call, including connecting. Default 10 s. */
  timeoutMs?: number;
  maxMessageBytes?: number;
}

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

/** Connects lazily on the first call, and again on the next call after a disconnect. */
export function connectLeaderChannel(endpoint: string, options: ConnectOptions = {}): LeaderChannelClient {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const max = options.maxMessageBytes ?? MAX_MESSAGE_BYTES;
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let socket: Socket | undefined;
  let connecting: Promise<Socket> | undefined;
  let disposed = false;

  const settle = (id: number): Pending | undefined => {
    const p = pending.get(id);
    if (p) {
      pending.delete(id);
      clearTimeout(p.timer);
    }
    return p;
  };

  const onLine = (line: string): void => {
    let msg: { id?: unknown; result?: unknown; error?: { message?: unknown } };
    try {
      msg = JSON.parse(line);
    } catch {
      return; // not from our leader; the call it belongs to (if any) times out
    }
    if (typeof msg?.id !== 'number') return;
    const p = settle(msg.id);
    if (!p) return; // answered after its timeout: already rejected
    if (msg.error !== undefined) p.reject(new LeaderChannelError('remote', String(msg.error?.message ?? 'the leader reported an error')));
    else p.resolve(msg.result);
  };

  function connect(): Promise<Socket> {
    if (socket && !socket.destroyed) return Promise.resolve(socket);
    connecting ??= new Promise<Socket>((resolve, reject) => {
      const s = createConnection(endpoint);
      const framer = new LineFramer(max, onLine, () => undefined);
      s.on('data', (chunk: Buffer) => framer.push(chunk));
      s.once('connect', () => {
        connecting = undefined;
        if (disposed) {
          s.destroy();
          return reject(new LeaderChannelError('disposed', 'the leader channel is closed'));
        }
        socket = s;
        resolve(s);
      });
      s.on('error', (e) => {
        if (socket !== s) {
          connecting = undefined;
          reject(new LeaderChannelError('unavailable', `no leader window is listening at ${endpoint} (${errText(e)})`));
        }
      });
      s.on('close', () => {
        if (socket !== s) return;
        socket = undefined;
        // Replies can only come over this connection: every call still open on it is lost.
        for (const id of [...pending.keys()]) settle(id)?.reject(new LeaderChannelError('gone', 'the leader window went away before answering'));
      });
    });
    return connecting;
  }

  return {
    call(method, params) {
      if (disposed) return Promise.reject(new LeaderChannelError('disposed', 'the leader channel is closed'));
      const id = nextId++;
      return new Promise<unknown>((resolve, reject) => {
        const timer = setTimeout(() => {
          settle(id);
          reject(new LeaderChannelError('timeout', `the leader did not answer ${method} within ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, { resolve, reject, timer });
        connect().then(
          (s) => {
            if (!pending.has(id)) return; // timed out while connecting
            const line = JSON.stringify({ id, method, params });
            if (Buffer.byteLength(line) > max) return settle(id)?.reject(new LeaderChannelError('remote', `${method}: request too large`));
            s.write(`${line}\n`);
          },
          (e: Error) => settle(id)?.reject(e),
        );
      });
    },
    dispose() {
      disposed = true;
      for (const id of [...pending.keys()]) settle(id)?.reject(new LeaderChannelError('disposed', 'the leader channel is closed'));
      socket?.destroy();
      socket = undefined;
    },
  };
}
