// Fuzz: thousands of random and malformed messages (seeded, so a failure replays) at the host's
// message handler. Nothing may throw out of `handle`; every bad message is counted and logged and
// answered with nothing or an error reply; every good one gets the reply its request calls for.
import { strict as assert } from 'node:assert';
import { TaskLogController } from '../../../src/extension/ui/taskLogController';
import { validateHostMessage, validateWebviewMessage, type WebviewMessage } from '../../../src/shared/protocol';
import { SORT_COLUMNS, TASK_STATUSES } from '../../../src/shared/model';
import { FakeTaskLogSource } from './fakeTaskLogSource';

/** mulberry32: tiny, seedable, good enough to pick shapes. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  return { next, int, pick };
}
type Rng = ReturnType<typeof prng>;

const NASTY_NUMBERS = [NaN, Infinity, -Infinity, -1, -0, 0.5, 1e300, 2 ** 53, -(2 ** 31), 1e7, 201, 0, 1, 42];
const NASTY_STRINGS = ['', 'poll', 'ready', '__proto__', 'constructor', '\u0000', 'x'.repeat(10_000), '💥', '{"type":"poll"}', 'failed'];

/** Any value a structured-clone postMessage could deliver, nested a little. */
function randomValue(r: Rng, depth = 0): unknown {
  switch (r.int(depth > 2 ? 6 : 10)) {
    case 0: return r.pick(NASTY_NUMBERS);
    case 1: return r.pick(NASTY_STRINGS);
    case 2: return r.pick([true, false, null, undefined]);
    case 3: return r.int(1000);
    case 4: return r.pick([new Date(0), new Uint8Array(3), new Map([[1, 2]]), /re/, new Error('e')]);
    case 5: return 'abcdefghij'.slice(0, r.int(10));
    case 6: return Array.from({ length: r.int(5) }, () => randomValue(r, depth + 1));
    case 7: return Array.from({ length: r.pick([0, 201, 1000]) }, (_, i) => i);
    default: {
      const o: Record<string, unknown> = {};
      for (let i = r.int(5); i > 0; i--) o[r.pick(['type', 'id', 'query', 'cursor', 'taskId', 'x', 'known', 'action'])] = randomValue(r, depth + 1);
      return o;
    }
  }
}

/** A well-formed message, so mutations land close to the valid space where bugs hide. */
function validMessage(r: Rng, taskIds: number[]): WebviewMessage {
  const id = r.int(1000);
  const taskId = r.next() < 0.8 && taskIds.length ? r.pick(taskIds) : r.int(5000);
  switch (r.int(6)) {
    case 0: return { type: 'ready', id };
    case 1: return { type: 'getTask', id, taskId };
    case 2: return { type: 'action', id, action: r.pick(['cancel', 'retry', 'revealArchive', 'openLog'] as const), taskId };
    case 3: return { type: 'copyLog', id, taskId, minLevel: r.pick(['debug', 'info', 'warn', 'error'] as const) };
    case 4: return { type: 'log', level: r.pick(['info', 'warn', 'error'] as const), message: 'm' };
    default: return {
      type: 'poll', id, cursor: r.int(200), refresh: r.next() < 0.5, known: taskIds.slice(0, r.int(5)),
      query: { statuses: [r.pick(TASK_STATUSES)], sort: r.pick(SORT_COLUMNS), descending: r.next() < 0.5, offset: r.int(20), limit: 1 + r.int(200), text: r.pick(['', 'err']) },
      selectedTaskId: taskId, logAfterSeq: r.int(30),
    };
  }
}

function mutate(r: Rng, m: WebviewMessage): unknown {
  const o: Record<string, unknown> = JSON.parse(JSON.stringify(m));
  const keys = Object.keys(o);
  switch (r.int(4)) {
    case 0: o[r.pick(keys)] = randomValue(r); break;
    case 1: delete o[r.pick(keys)]; break;
    case 2: o[r.pick(['extra', 'ID', 'type2'])] = 1; break;
    default:
      if (o.query && typeof o.query === 'object') (o.query as Record<string, unknown>)[r.pick(['offset', 'limit', 'sort', 'statuses', 'from', 'text', 'bogus'])] = randomValue(r);
      else o[r.pick(keys)] = randomValue(r);
  }
  return o;
}

const EXPECTED: Record<WebviewMessage['type'], string[]> = {
  ready: ['init'], poll: ['changes', 'unchanged'], getTask: ['task'], action: ['actionResult', 'error'], copyLog: ['actionResult'], log: [],
};

describe('TaskLogController fuzz', () => {
  for (const seed of [1, 2, 3]) {
    it(`survives 4,000 random and malformed messages (seed ${seed})`, async () => {
      const r = prng(seed);
      const src = new FakeTaskLogSource();
      for (let i = 0; i < 30; i++) {
        const t = src.addTask({ status: r.pick(TASK_STATUSES) });
        for (let j = r.int(20); j > 0; j--) src.appendLog(t.id, r.pick(['debug', 'info', 'warn', 'error'] as const), `line ${j}`);
      }
      const warnings: string[] = [];
      const logger = { debug() {}, info() {}, warn: (m: string) => { if (m.startsWith('Task Log: ')) warnings.push(m); }, error() {} };
      const ctl = new TaskLogController(src, logger, { writeClipboard: async () => {} });
      const ids = [...src.tasks.keys()];
      let good = 0, bad = 0;
      for (let i = 0; i < 4000; i++) {
        const kind = r.int(3);
        const raw = kind === 0 ? randomValue(r) : kind === 1 ? mutate(r, validMessage(r, ids)) : validMessage(r, ids);
        const valid = validateWebviewMessage(raw);
        const before = ctl.rejected;
        let reply;
        try {
          reply = await ctl.handle(raw);
        } catch (e) {
          assert.fail(`handle threw on ${JSON.stringify(raw)?.slice(0, 200)}: ${e}`);
        }
        if (reply !== undefined) assert.ok(validateHostMessage(JSON.parse(JSON.stringify(reply))).ok, `reply is not a valid host message: ${JSON.stringify(reply).slice(0, 200)}`);
        if (!valid.ok) {
          bad++;
          assert.equal(ctl.rejected, before + 1, 'a bad message is counted (and logged)');
          assert.ok(reply === undefined || reply.type === 'error', `bad message answered with ${reply?.type}`);
        } else {
          good++;
          const want = EXPECTED[valid.value.type];
          assert.ok(want.length === 0 ? reply === undefined : want.includes(reply!.type), `${valid.value.type} answered with ${reply?.type}`);
          if (reply && 'id' in reply && 'id' in valid.value) assert.equal(reply.id, valid.value.id, 'the reply carries the request id');
        }
        if (i % 97 === 0) src.update(r.pick(ids), { status: r.pick(TASK_STATUSES) });
      }
      assert.ok(good > 1000 && bad > 1000, `both kinds exercised: ${good} good, ${bad} bad`);
      assert.ok(warnings.length >= 50 && warnings.length <= 51, 'bad messages are logged, up to a cap');
    });
  }

  it('turns a data source that throws into error replies, never a throw', async () => {
    const src = new FakeTaskLogSource();
    const boom = () => { throw new Error('db locked'); };
    Object.assign(src, { queryTasks: boom, changesSince: boom, getTask: boom, logAfter: boom, environments: boom });
    const ctl = new TaskLogController(src, { debug() {}, info() {}, warn() {}, error() {} });
    for (const m of [{ type: 'ready', id: 1 }, { type: 'poll', id: 2, cursor: 0, query: {} }, { type: 'getTask', id: 3, taskId: 1 }, { type: 'copyLog', id: 4, taskId: 1 }]) {
      const reply = await ctl.handle(m);
      assert.ok(reply?.type === 'error' || reply?.type === 'actionResult', JSON.stringify(reply));
    }
  });
});
