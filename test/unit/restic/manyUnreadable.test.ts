// restic reporting many unreadable items (exit code 3): the task logs the first 100 and one line
// counting the rest, and the summary counts them all; memory and the log stay bounded.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cleanupTemp, makeCtx, tempDir } from '../archive/helpers';
import { newRepository, resticEnv, snapshots, usePrivateTmpdir, writeTree } from './helpers';

const N = 150;

describe('restic engine: many unreadable items', function () {
  this.timeout(120000);
  usePrivateTmpdir();
  afterEach(cleanupTemp);

  it('logs the first 100 "Cannot read" warnings and a count of the rest', async () => {
    const { repository, engine } = await newRepository();
    const src = tempDir('src-');
    writeTree(src, { 'ok.txt': 'fine' });
    // A folder just under PATH_MAX deep holding N folders whose paths are past it: restic can list
    // the folder but not one of them, root included.
    execFileSync('bash', ['-c', `cd "$1" && for i in $(seq 16); do mkdir ${'d'.repeat(250)} && cd ${'d'.repeat(250)}; done && for i in $(seq -w 1 ${N}); do mkdir "\${i}${'e'.repeat(120)}"; done`, '-', src]);
    try {
      const ctx = makeCtx();
      const r = await engine.backup(ctx, resticEnv({ id: 'many', repository, source: src }), { trigger: 'manual' });
      // restic reports each one twice: when it scans, and when it archives.
      const reported = 2 * N;
      assert.match(r.summary!, new RegExp(`; ${reported} items could not be read$`));
      const cannot = ctx.warnings().filter((w) => w.startsWith('Cannot read '));
      assert.equal(cannot.length, 100, ctx.warnings().slice(0, 3).join('\n'));
      assert.ok(ctx.warnings().includes(`… and ${reported - 100} more warnings like these (only the first 100 are listed)`), ctx.warnings().slice(-3).join('\n'));
      assert.equal(snapshots(repository).length, 1);
    } finally {
      execFileSync('rm', ['-rf', src]); // GNU rm walks paths longer than PATH_MAX; Node's rmSync cannot
    }
  });
});
