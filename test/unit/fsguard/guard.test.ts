// The guard with injected calls that hang (promises nobody settles) and a fake clock.
import * as assert from 'node:assert/strict';
import * as FakeTimers from '@sinonjs/fake-timers';
import { CancelledError } from '../../../src/extension/core/util/errors';
import { FsGuard, UnresponsiveError } from '../../../src/extension/core/fsguard';

/** A call the test settles by hand, counting how many of them were really started. */
function hanging() {
  const started: { answer(v?: unknown): void }[] = [];
  const fn = () => new Promise((resolve) => started.push({ answer: (v) => resolve(v ?? 'late') }));
  return { fn, started };
}

describe('FsGuard', () => {
  let clock: ReturnType<typeof FakeTimers.install>;
  let guard: FsGuard;
  const events: string[] = [];
  beforeEach(() => {
    clock = FakeTimers.install({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    events.length = 0;
    guard = new FsGuard({ callTimeoutMs: 180_000, unresponsiveMs: 600_000, slowMs: 2000, maxSlowCalls: 2, maxPerPath: 2, now: () => clock.now, onChange: (p, r, s) => events.push(`${r} ${p} ${s}`) });
  });
  afterEach(() => clock.uninstall());

  it('passes answers and errors of a path that answers through unchanged', async () => {
    assert.equal(await guard.run('/d', 'destination', async () => 42), 42);
    const enoent = Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' });
    await assert.rejects(guard.run('/d', 'destination', async () => Promise.reject(enoent)), (e) => e === enoent);
  });

  it('a call that never returns fails after the bound with "did not respond", and later calls fail at once', async () => {
    const h = hanging();
    const first = guard.run('/mnt/nfs/backups', 'destination', h.fn);
    const seen: Error[] = [];
    first.catch((e: Error) => seen.push(e));
    await clock.tickAsync(179_000);
    assert.equal(seen.length, 0, 'still within the bound');
    await clock.tickAsync(1_500);
    assert.ok(seen[0] instanceof UnresponsiveError);
    assert.equal(seen[0].message, 'The destination /mnt/nfs/backups did not respond: a file-system call on it did not return within 3 minutes.');
    assert.deepEqual(events, ['destination /mnt/nfs/backups unresponsive']);

    await assert.rejects(guard.run('/mnt/nfs/backups', 'destination', h.fn), /^UnresponsiveError: The destination \/mnt\/nfs\/backups did not respond: .* left alone until it answers again/);
    assert.equal(h.started.length, 1, 'no second call went into the pool');
    assert.match(guard.refusal('/mnt/nfs/backups')!, /did not respond/);
    assert.equal(guard.refusal('/elsewhere'), undefined);
  });

  it('when the stuck call finally returns, the path answers again and the next call runs normally', async () => {
    const h = hanging();
    guard.run('/usb', 'source', h.fn).catch(() => undefined);
    await clock.tickAsync(181_000);
    await assert.rejects(guard.run('/usb', 'source', async () => 1), /The source \/usb did not respond/);
    h.started[0].answer();
    await clock.tickAsync(0);
    assert.deepEqual(events, ['source /usb unresponsive', 'source /usb answering']);
    assert.equal(await guard.run('/usb', 'source', async () => 'ok'), 'ok');
    assert.equal(guard.slowCallsInPool, 0);
  });

  it('after the refusal time one probe goes through: a prompt answer clears the path, a second caller meanwhile is refused', async () => {
    const h = hanging();
    guard.run('/smb', 'destination', h.fn).catch(() => undefined);
    await clock.tickAsync(181_000);
    await clock.tickAsync(600_000);
    let answerProbe!: (v: string) => void;
    const probe = guard.run('/smb', 'destination', () => new Promise<string>((r) => (answerProbe = r)));
    await assert.rejects(guard.run('/smb', 'destination', async () => 'x'), /did not respond/, 'one probe at a time');
    answerProbe('back');
    assert.equal(await probe, 'back');
    assert.equal(await guard.run('/smb', 'destination', async () => 'x'), 'x');
    assert.deepEqual(events, ['destination /smb unresponsive', 'destination /smb answering']);
  });

  it('a probe that hangs again renews the refusal', async () => {
    const h = hanging();
    guard.run('/smb', 'destination', h.fn).catch(() => undefined);
    await clock.tickAsync(181_000 + 600_000);
    guard.run('/smb', 'destination', h.fn).catch(() => undefined);
    await clock.tickAsync(181_000);
    await assert.rejects(guard.run('/smb', 'destination', h.fn), /did not respond/);
    assert.equal(h.started.length, 2);
  });

  it('a burst on a path that hangs puts at most maxPerPath calls in the pool; the rest wait outside and fail with it', async () => {
    const h = hanging();
    const results = Array.from({ length: 50 }, () => guard.run('/hung', 'source', h.fn).then(() => 'ok', (e: Error) => e));
    await clock.tickAsync(10_000);
    assert.equal(h.started.length, 2);
    assert.equal(guard.slowCallsInPool, 2);
    await clock.tickAsync(180_000);
    const settled = await Promise.all(results);
    assert.ok(settled.every((r) => r instanceof UnresponsiveError), 'every call failed');
    assert.equal(h.started.length, 2, 'still only two calls ever entered the pool');
  });

  it('while one path hangs, another path keeps answering at full speed', async () => {
    const h = hanging();
    guard.run('/hung', 'destination', h.fn).catch(() => undefined);
    guard.run('/hung', 'destination', h.fn).catch(() => undefined);
    await clock.tickAsync(5_000);
    assert.equal(guard.slowCallsInPool, 2);
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => guard.run('/fine', 'destination', async () => i)));
    assert.equal(answers.length, 20);
    // A third path that turns slow while our share for slow paths is used gets one call at a time.
    const h2 = hanging();
    for (let i = 0; i < 5; i++) guard.run('/also-hung', 'source', h2.fn).catch(() => undefined);
    await clock.tickAsync(5_000);
    assert.equal(h2.started.length, 1);
    await assert.rejects(guard.run('/also-hung', 'source', h2.fn), /not answering/);
  });

  it('cancel ends a waiting call and a stuck call at once (the stuck one stays counted until it returns)', async () => {
    const h = hanging();
    const ac = new AbortController();
    const inPool = guard.run('/hung', 'destination', h.fn, ac.signal).catch((e) => e);
    const inPool2 = guard.run('/hung', 'destination', h.fn, ac.signal).catch((e) => e);
    const waiting = guard.run('/hung', 'destination', h.fn, ac.signal).catch((e) => e);
    await clock.tickAsync(3_000);
    ac.abort();
    for (const p of [inPool, inPool2, waiting]) assert.ok((await p) instanceof CancelledError);
    assert.equal(h.started.length, 2);
    assert.equal(guard.slowCallsInPool, 2, 'the stuck calls still hold their threads');
    h.started.forEach((s) => s.answer());
    await clock.tickAsync(0);
    assert.equal(guard.slowCallsInPool, 0);
  });

  it('the watchdog runs only while calls are outstanding', async () => {
    assert.equal(clock.countTimers(), 0);
    const h = hanging();
    guard.run('/x', 'source', h.fn).catch(() => undefined);
    assert.equal(clock.countTimers(), 1);
    h.started[0].answer();
    await clock.tickAsync(0);
    assert.equal(clock.countTimers(), 0);
  });
});
