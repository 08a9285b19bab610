// Words and colours of a task in the table: the result line per status and the warning look.
import { strict as assert } from 'node:assert';
import type { TaskRecord } from '../../../src/shared/model';
import { resultText, statusLook } from '../../../src/webview/present';

const base: TaskRecord = {
  id: 1, envId: 'docs', kind: 'backup', trigger: 'manual', status: 'succeeded', queuedAt: 0, startedAt: 0, finishedAt: 1,
  progress: null, result: null, error: null, skipReason: null, warnings: 0, logCount: 0, lastSeq: 0, revision: 1,
};

describe('task presentation', () => {
  it('says what happened, per status', () => {
    assert.equal(resultText({ ...base, status: 'failed', error: 'disk full' }), 'disk full');
    assert.equal(resultText({ ...base, status: 'skipped', skipReason: 'already running' }), 'already running');
    assert.equal(resultText({ ...base, result: { archivePath: '/d/docs-20261128-101500.tar.gz', fileCount: 12 } }), 'docs-20261128-101500.tar.gz, 12 files');
    assert.equal(resultText({ ...base, status: 'running', progress: { percent: 41.6, files: 3, current: 'a.txt' } }), '42% · 3 files · a.txt');
  });

  it('marks a success with warnings apart from a clean one, in words as well as colour', () => {
    assert.equal(statusLook(base).label, 'succeeded');
    const w = statusLook({ status: 'succeeded', warnings: 2 });
    assert.equal(w.label, 'succeeded with 2 warnings');
    assert.deepEqual([w.tone, statusLook(base).tone], ['warn', 'ok']);
  });

  it('shows a stalled running task as stalled, with when it last moved and that Cancel frees it', () => {
    const since = new Date(2026, 10, 29, 14, 5, 0).getTime();
    const t: TaskRecord = { ...base, status: 'running', finishedAt: null, progress: { files: 3, current: 'big.iso', stalledSince: since } };
    assert.deepEqual(statusLook(t), { glyph: '⚠', tone: 'warn', label: 'stalled' });
    assert.equal(resultText(t), 'stalled since 14:05: no progress, no log line (Cancel frees the environment) · big.iso');
    const moving = { ...t, progress: { files: 3, current: 'big.iso' } };
    assert.equal(statusLook(moving).label, 'running');
    assert.equal(resultText(moving), '3 files · big.iso');
  });
});
