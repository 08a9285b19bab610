// The webview's request/reply bus: replies matched by id, notices routed, malformed host messages
// reported (not thrown), and a lost reply rejected after the timeout instead of hanging a poll.
import { strict as assert } from 'node:assert';
import * as FakeTimers from '@sinonjs/fake-timers';
import { HostBus } from '../../../src/webview/hostBus';
import type { HostNotice } from '../../../src/shared/protocol';

function setup(timeoutMs = 1000) {
  const posted: Array<Record<string, unknown>> = [];
  const notices: HostNotice[] = [];
  const api = { postMessage: (m: unknown) => { posted.push(m as Record<string, unknown>); }, getState: () => undefined, setState: () => {} };
  return { posted, notices, bus: new HostBus(api, (n) => notices.push(n), timeoutMs) };
}

describe('webview host bus', () => {
  it('numbers requests and resolves each with the reply carrying its id', async () => {
    const { posted, bus } = setup();
    const a = bus.request({ type: 'getTask', taskId: 1 });
    const b = bus.request({ type: 'getTask', taskId: 2 });
    assert.deepEqual(posted.map((m) => m.id), [1, 2]);
    bus.receive({ type: 'task', id: 2, task: null });
    bus.receive({ type: 'task', id: 1, task: null });
    assert.deepEqual([await a, await b], [{ type: 'task', id: 1, task: null }, { type: 'task', id: 2, task: null }]);
  });

  it('routes pushed notices and reports malformed messages to the host log instead of throwing', () => {
    const { posted, notices, bus } = setup();
    bus.receive({ type: 'focusTask', taskId: 3 });
    bus.receive({ type: 'showEnvironment', envId: 'db' });
    bus.receive({ type: 'focusTask', taskId: -1 });
    bus.receive('garbage');
    bus.receive({ type: 'task', id: 99, task: null }); // nobody waits for it: ignored
    assert.deepEqual(notices, [{ type: 'focusTask', taskId: 3 }, { type: 'showEnvironment', envId: 'db' }]);
    assert.deepEqual(posted.map((m) => [m.type, m.level]), [['log', 'warn'], ['log', 'warn']]);
  });

  it('rejects a request whose reply never comes, and ignores the reply if it comes later', async () => {
    const clock = FakeTimers.install({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const { bus } = setup(1000);
      const p = bus.request({ type: 'ready' });
      const outcome = p.then(() => 'resolved', (e: Error) => e.message);
      clock.tick(1000);
      assert.equal(await outcome, 'no reply to ready in 1000 ms');
      bus.receive({ type: 'init', id: 1, pollMs: 2000, environments: [], envVersion: 'v' });
    } finally {
      clock.uninstall();
    }
  });

  it('waits longer for a poll the host may hold (its own timeout), and still gives up', async () => {
    const clock = FakeTimers.install({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const { bus } = setup(1000);
      const held = bus.request({ type: 'poll', cursor: 0, query: {} }, 3000).then((r) => r.type, (e: Error) => e.message);
      const lost = bus.request({ type: 'poll', cursor: 0, query: {} }, 3000).then((r) => r.type, (e: Error) => e.message);
      clock.tick(2500);
      bus.receive({ type: 'unchanged', id: 1 });
      assert.equal(await held, 'unchanged');
      clock.tick(500);
      assert.equal(await lost, 'no reply to poll in 3000 ms');
    } finally {
      clock.uninstall();
    }
  });
});
