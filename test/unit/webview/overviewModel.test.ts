// The overview's words and shapes (src/webview/overviewModel.ts): the health line, the strip's
// hover text, the stored-size series and the sparkline geometry.
import { strict as assert } from 'node:assert';
import type { EnvOverview, OverviewRun } from '../../../src/shared/overview';
import { healthLine, runLabel, sparkBars, sparkPoints, series, storedSeries, toneOf } from '../../../src/webview/overviewModel';

const H = 3_600_000;
const NOW = Date.UTC(2026, 11, 2, 12);
const env = (o: Partial<EnvOverview> = {}): EnvOverview => ({
  id: 'docs', name: 'Docs', engine: 'archive', schedule: '0 * * * *', scheduleText: 'Every hour', enabled: true, runs: [], failuresInRow: 0, ...o,
});
const run = (id: number, o: Partial<OverviewRun> = {}): OverviewRun => ({ id, status: 'succeeded', trigger: 'scheduled', queuedAt: NOW - id * H, startedAt: NOW - id * H, finishedAt: NOW - id * H + 5000, duration: 5000, ...o });

describe('overview model', () => {
  it('words the health line as people say it: last good, failures in a row, overdue', () => {
    assert.deepEqual(healthLine(env({ lastGoodAt: NOW - 3 * H - 10 * 60_000, dueAt: NOW + H, overdueAt: NOW + 2 * H }), NOW), { parts: ['last good backup 3 h ago'], tone: 'ok' });
    assert.deepEqual(healthLine(env({ lastGoodAt: NOW - 3 * H, failuresInRow: 2, dueAt: NOW - 2 * H, overdueAt: NOW - H }), NOW),
      { parts: ['last good backup 3 h ago', '2 failures in a row', 'overdue by 2 h'], tone: 'error' });
    assert.deepEqual(healthLine(env({ lastGoodAt: NOW - 3 * H, dueAt: NOW - H, overdueAt: NOW - 1 }), NOW).tone, 'warn');
    assert.deepEqual(healthLine(env({ failuresInRow: 30, failuresCapped: true }), NOW).parts, ['no good backup yet', '30+ failures in a row']);
    assert.deepEqual(healthLine(env({ failuresInRow: 1, lastGoodAt: NOW - 90_000 }), NOW).parts, ['last good backup 2 min ago', 'last run failed']);
    assert.deepEqual(healthLine(env({ enabled: false, lastGoodAt: NOW - H }), NOW), { parts: ['last good backup 1 h ago', 'disabled'], tone: 'idle' });
  });

  it('names the outcome, the failed step, the duration and the size in a strip cell\'s text; colours by outcome', () => {
    const label = runLabel(run(1, { status: 'failed', worstKind: 'verify', added: 2048, duration: 65_000 }));
    assert.match(label, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d · 1 min 5 s · failed \(verify\) · 2\.0 KB added$/);
    assert.deepEqual(['succeeded', 'failed', 'interrupted', 'running', 'cancelled', 'skipped'].map((s) => toneOf(s as OverviewRun['status'])), ['ok', 'error', 'warn', 'busy', 'idle', 'idle']);
  });

  it('stored size: what the runs recorded, holding the last figure over a run without one; else the size added, added up', () => {
    const recorded = storedSeries([run(3, { stored: 100 }), run(2, { status: 'failed' }), run(1, { stored: 90 })]);
    assert.deepEqual([recorded.recorded, recorded.series!.values], [true, [100, 100, 90]]);
    const summed = storedSeries([run(3, { added: 10 }), run(2, { status: 'failed' }), run(1, { added: 5 })]);
    assert.deepEqual([summed.recorded, summed.series!.values], [false, [10, undefined, 15]]);
    assert.equal(storedSeries([run(1)]).series, undefined);
  });

  it('draws inside its box: the largest value at the top, gaps where a run has none, bars from zero', () => {
    const s = series([10, undefined, 30, 20])!;
    assert.equal(sparkPoints(s, 100, 20), '2,18 66,2 98,10');
    const bars = sparkBars(s, 100, 20);
    assert.deepEqual(bars.map((b) => b.i), [0, 2, 3]);
    assert.ok(bars.every((b) => b.y >= 0 && b.y + b.h <= 20.01));
    assert.equal(Math.max(...bars.map((b) => b.h)), 18);
  });
});
