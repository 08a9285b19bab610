// The strict validator of webview messages: each rule of the brief has a case that must be refused,
// next to a valid message that must pass, so a rule that stops rejecting fails here.
import { strict as assert } from 'node:assert';
import { environmentsVersion, salvageRequestId, validateHostMessage, validateWebviewMessage } from '../../../src/shared/protocol';

const poll = { type: 'poll', id: 1, cursor: 0, query: { statuses: ['failed'], sort: 'startedAt', descending: true, offset: 0, limit: 50 } };
const withQuery = (q: Record<string, unknown>) => ({ ...poll, query: { ...poll.query, ...q } });

describe('protocol validation', () => {
  it('accepts well-formed messages', () => {
    for (const m of [
      { type: 'ready', id: 0 }, poll, { ...poll, refresh: true, known: [1, 2], envVersion: 'v', selectedTaskId: 3, logAfterSeq: 10 },
      { type: 'getTask', id: 2, taskId: 5 }, { type: 'action', id: 3, action: 'revealArchive', taskId: 5 },
      { type: 'copyLog', id: 4, taskId: 5, minLevel: 'warn' }, { type: 'log', level: 'error', message: 'x' },
      withQuery({ envIds: ['docs'], kinds: ['backup'], triggers: ['catch-up'], text: 'disk', from: 0, to: 1 }),
    ]) assert.ok(validateWebviewMessage(m).ok, JSON.stringify(m));
  });

  const cases: Array<[string, unknown]> = [
    ['not an object', 'ready'], ['array', [1]], ['null', null], ['class instance', new Date()],
    ['unknown type', { type: 'drop', id: 1 }], ['missing id', { type: 'ready' }], ['unknown field', { type: 'ready', id: 1, extra: 1 }],
    ['string id', { type: 'ready', id: '1' }], ['negative id', { type: 'ready', id: -1 }], ['huge id', { type: 'ready', id: 2 ** 40 }],
    ['NaN cursor', { ...poll, cursor: NaN }], ['fractional cursor', { ...poll, cursor: 1.5 }], ['Infinity cursor', { ...poll, cursor: Infinity }],
    ['negative offset', withQuery({ offset: -1 })], ['huge limit', withQuery({ limit: 1e6 })], ['zero limit', withQuery({ limit: 0 })],
    ['unknown status', withQuery({ statuses: ['exploded'] })], ['unknown sort', withQuery({ sort: 'size; DROP TABLE' })],
    ['oversized text', withQuery({ text: 'x'.repeat(201) })], ['oversized env list', withQuery({ envIds: Array(101).fill('a') })],
    ['control char env id', withQuery({ envIds: ['a\u0000'] })], ['from after to', withQuery({ from: 5, to: 4 })],
    ['unknown query field', withQuery({ where: '1=1' })], ['too many known ids (a page of runs holds their follow-ups: up to 2000)', { ...poll, known: Array(2001).fill(1) }],
    ['unknown action', { type: 'action', id: 1, action: 'delete', taskId: 1 }], ['negative task id', { type: 'getTask', id: 1, taskId: -3 }],
    ['oversized webview log', { type: 'log', level: 'info', message: 'x'.repeat(2001) }], ['bad log level', { type: 'log', level: 'fatal', message: '' }],
  ];
  for (const [name, m] of cases) {
    it(`rejects ${name}`, () => {
      const r = validateWebviewMessage(m);
      assert.equal(r.ok, false);
    });
  }

  it('salvages a request id from a bad message so the reply can carry it', () => {
    assert.equal(salvageRequestId({ type: 'poll', id: 12, cursor: NaN }), 12);
    assert.equal(salvageRequestId({ type: 'poll', id: 'x' }), undefined);
    assert.equal(salvageRequestId(7), undefined);
  });

  it('shape-checks host messages in the webview', () => {
    assert.ok(validateHostMessage({ type: 'unchanged', id: 1 }).ok);
    assert.ok(validateHostMessage({ type: 'changes', id: 1, cursor: 3, log: { taskId: 1, lines: [[1, 2, 0, 'a']], more: false } }).ok);
    assert.equal(validateHostMessage({ type: 'changes', id: 1, cursor: 3, log: { taskId: 1, lines: [[1, 2, 9, 'a']], more: false } }).ok, false);
    assert.equal(validateHostMessage({ type: 'init', id: 1 }).ok, false);
    assert.ok(validateHostMessage({ type: 'showEnvironment', envId: 'db' }).ok);
    assert.equal(validateHostMessage({ type: 'showEnvironment', envId: 'x'.repeat(129) }).ok, false);
  });

  it('versions an environment list by content', () => {
    const a = environmentsVersion([{ id: 'a', name: 'A' }]);
    assert.equal(a, environmentsVersion([{ id: 'a', name: 'A' }]));
    assert.notEqual(a, environmentsVersion([{ id: 'a', name: 'B' }]));
  });
});
