import * as assert from 'node:assert/strict';
import { parseArgs, sinceArg, taskIdArg, UsageError } from '../../../src/cli/args';

describe('command line arguments', () => {
  const opts = [{ name: '--wait', help: '' }, { name: '--env', value: 'E', repeat: true, help: '' }, { name: '--limit', value: 'N', help: '' }, { name: '--help', help: '' }];
  const args = [{ name: 'env', required: true, help: '' }];

  it('reads flags, values in both forms, repeats and positionals', () => {
    const p = parseArgs(['a', '--wait', '--env', 'x', '--env=y', '--limit=3'], opts, args, 'run');
    assert.deepEqual(p.positionals, ['a']);
    assert.equal(p.options.get('--wait'), true);
    assert.deepEqual(p.options.get('--env'), ['x', 'y']);
    assert.equal(p.options.get('--limit'), '3');
    assert.deepEqual(parseArgs(['--', '--wait'], opts, args, 'run').positionals, ['--wait']);
  });

  it('refuses what it does not know, or what is missing', () => {
    assert.throws(() => parseArgs(['a', '--nope'], opts, args, 'run'), (e: Error) => e instanceof UsageError && /unknown option --nope/.test(e.message));
    assert.throws(() => parseArgs([], opts, args, 'run'), /missing env/);
    assert.throws(() => parseArgs(['a', 'b'], opts, args, 'run'), /unexpected argument "b"/);
    assert.throws(() => parseArgs(['a', '--limit'], opts, args, 'run'), /needs a value/);
    assert.throws(() => parseArgs(['a', '--wait=1'], opts, args, 'run'), /takes no value/);
    assert.throws(() => parseArgs(['a', '--limit', '1', '--limit', '2'], opts, args, 'run'), /given twice/);
    assert.equal(parseArgs(['-h'], opts, args, 'run').options.get('--help'), true);
  });

  it('task ids and --since', () => {
    assert.equal(taskIdArg('12'), 12);
    assert.equal(taskIdArg('#12'), 12);
    assert.throws(() => taskIdArg('1.5'), UsageError);
    assert.throws(() => taskIdArg('0'), UsageError);
    const now = Date.UTC(2026, 11, 2, 12);
    assert.equal(sinceArg('2h', now), now - 2 * 3_600_000);
    assert.equal(sinceArg('7d', now), now - 7 * 86_400_000);
    assert.equal(sinceArg('30m', now), now - 30 * 60_000);
    assert.equal(sinceArg('2026-12-01', now), new Date(2026, 11, 1).getTime());
    assert.equal(sinceArg('2026-12-01T08:00:00Z', now), Date.UTC(2026, 11, 1, 8));
    assert.throws(() => sinceArg('soon', now), UsageError);
  });
});
