// The follower -> leader channel over a real socket: concurrent calls from several follower
// processes are each answered exactly once, hostile input does not take the leader down, and a
// client reports a timeout, a vanished leader, and reconnects on its next call.
import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { connectLeaderChannel, LeaderChannelError, serveLeaderChannel } from '../../../src/extension/core/leader/channel';
import { channelEndpointFor, MAX_SOCKET_PATH_BYTES } from '../../../src/extension/core/leader/endpoint';
import { silentLogger } from '../../../src/extension/core/ports';
import { cleanUp, sleep, spawnMember, tempStorage } from './helpers';

/** Sends raw bytes on a fresh connection, then collects reply lines until `n` or the end. */
function raw(endpoint: string, chunks: (string | Buffer)[], n: number, end = false): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const s = createConnection(endpoint);
    let buf = '';
    const replies: unknown[] = [];
    const done = (): void => {
      s.destroy();
      resolve(replies);
    };
    s.on('error', reject);
    s.on('data', (d) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop()!;
      replies.push(...lines.map((l) => JSON.parse(l)));
      if (replies.length >= n) done();
    });
    s.on('close', () => resolve(replies));
    s.on('connect', () => {
      for (const c of chunks) s.write(c);
      if (end) s.end();
      if (n === 0) setTimeout(done, 200);
    });
  });
}

describe('leader channel', function () {
  this.timeout(30_000);
  afterEach(cleanUp);

  it('3 followers x 50 concurrent calls: every call answered exactly once, to its caller', async () => {
    const storage = tempStorage();
    const leader = spawnMember({ storage });
    const served = await leader.waitFor((r) => r.ev === 'serving', 10_000, 'serving');
    const followers = [0, 1, 2].map(() => spawnMember({ storage, calls: 50 }));
    await Promise.all(followers.map((f) => f.waitFor((r) => r.ev === 'ready', 10_000, 'ready')));
    writeFileSync(join(storage, 'go'), ''); // all three fire at once
    const results = await Promise.all(followers.map((f) => f.waitFor((r) => r.ev === 'calls', 20_000, 'calls done')));
    for (const r of results) assert.deepEqual([r.ok, r.mismatched, r.errors], [50, 0, []]);
    const client = connectLeaderChannel(served.endpoint as string, { timeoutMs: 5000 });
    assert.deepEqual(await client.call('stats'), { served: 150, distinct: 150 });
    client.dispose();
  });

  it('garbage, wrong shapes, unknown methods, a huge line and a cut-off message do not crash the leader', async () => {
    const storage = tempStorage();
    const leader = spawnMember({ storage });
    const endpoint = (await leader.waitFor((r) => r.ev === 'serving', 10_000, 'serving')).endpoint as string;
    const replies = await raw(
      endpoint,
      [
        'garbage\n',
        '\n',
        '{"id":1}\n',
        '[1,2]\n',
        'null\n',
        '{"id":2,"method":"__proto__"}\n',
        '{"id":3,"method":"constructor"}\n',
        '{"id":{"x":1},"method":"echo"}\n',
        Buffer.alloc(2 * 1024 * 1024, 0x61), // 2 MB without a newline: dropped as it streams
        '\n{"id":4,"method":"echo","params":{"id":"after"}}\n',
      ],
      9,
    );
    assert.deepEqual(replies, [
      { id: null, error: { message: 'bad request: not JSON' } },
      { id: 1, error: { message: 'bad request: needs id and method' } },
      { id: null, error: { message: 'bad request: needs id and method' } },
      { id: null, error: { message: 'bad request: needs id and method' } },
      { id: 2, error: { message: 'unknown method: __proto__' } },
      { id: 3, error: { message: 'unknown method: constructor' } },
      { id: null, error: { message: 'bad request: needs id and method' } },
      { id: null, error: { message: 'message too large (over 1048576 bytes)' } },
      // The oversized line did not cost the connection its framing.
      { id: 4, result: { id: 'after', by: leader.pid } },
    ]);
    const rest = await raw(endpoint, ['{"id":5,"method":"echo","params":{"id":"x"}}\n'], 1);
    assert.deepEqual(rest, [{ id: 5, result: { id: 'x', by: leader.pid } }]);
    await raw(endpoint, ['{"id":6,"method":"ec'], 0, true); // half a message, then close
    await raw(endpoint, [Buffer.from([0xff, 0xfe, 0x0a])], 1); // invalid UTF-8
    const client = connectLeaderChannel(endpoint, { timeoutMs: 5000 });
    assert.deepEqual(await client.call('stats'), { served: 2, distinct: 2 });
    client.dispose();
    assert.equal(leader.child.exitCode, null, 'the leader is still running');
  });

  it('a call pending when the leader is SIGKILLed fails with "went away"; the next call reconnects', async () => {
    const storage = tempStorage();
    const leader = spawnMember({ storage });
    const path = (await leader.waitFor((r) => r.ev === 'serving', 10_000, 'serving')).endpoint as string;
    const client = connectLeaderChannel(path, { timeoutMs: 20_000 });
    assert.deepEqual(await client.call('echo', { id: 'a' }), { id: 'a', by: leader.pid });
    const pending = client.call('sleep', 60_000);
    await sleep(100);
    leader.child.kill('SIGKILL');
    await assert.rejects(pending, (e: LeaderChannelError) => e.code === 'gone' && /leader window went away/.test(e.message));
    await leader.exited; // until then its listening socket may still accept a connection
    await assert.rejects(client.call('echo', {}), (e: LeaderChannelError) => e.code === 'unavailable');
    // Its socket file is left behind; a new server on the same path removes it and listens.
    const server = await serveLeaderChannel({ path, logger: silentLogger, handlers: { ping: async () => 'pong' } });
    assert.equal(await client.call('ping'), 'pong');
    client.dispose();
    server.dispose();
  });

  it('a call the leader never answers times out; a remote error is reported as such', async () => {
    const path = channelEndpointFor(tempStorage());
    const server = await serveLeaderChannel({
      path,
      logger: silentLogger,
      handlers: { hang: () => new Promise(() => undefined), fail: async () => Promise.reject(new Error('no such task')) },
    });
    const client = connectLeaderChannel(path, { timeoutMs: 300 });
    await assert.rejects(client.call('hang'), (e: LeaderChannelError) => e.code === 'timeout');
    await assert.rejects(client.call('fail'), (e: LeaderChannelError) => e.code === 'remote' && e.message === 'no such task');
    await assert.rejects(client.call('nope'), (e: LeaderChannelError) => e.code === 'remote' && /unknown method/.test(e.message));
    client.dispose();
    server.dispose();
  });

  it('a storage path too long for a socket gets an endpoint under the temp dir that works', async function () {
    if (process.platform === 'win32') this.skip();
    const storage = join(tempStorage(), 'x'.repeat(120));
    const path = channelEndpointFor(storage);
    assert.ok(Buffer.byteLength(path) <= MAX_SOCKET_PATH_BYTES, path);
    assert.ok(!path.startsWith(storage));
    assert.notEqual(channelEndpointFor(`${storage}2`), path, 'another storage folder gets another socket');
    const server = await serveLeaderChannel({ path, logger: silentLogger, handlers: { ping: async () => 'pong' } });
    const client = connectLeaderChannel(path);
    assert.equal(await client.call('ping'), 'pong');
    client.dispose();
    server.dispose();
  });
});
