// A source with many unreadable entries: the backup keeps (and logs) the first 100 warnings and
// counts the rest, so memory and the task's log stay bounded; the result still counts them all.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runFolderBackup, type FolderBackupOptions } from '../../../src/extension/core/engines/archive/operations';
import { cleanupTemp, gnuList, makeCtx, tempDir } from './helpers';

const N = 250;

/** A source with one file and N FIFOs, each skipped with a warning (unreadable even for root). */
function sourceWithFifos(): string {
  const src = tempDir('src-');
  writeFileSync(join(src, 'a.txt'), 'a');
  execFileSync('bash', ['-c', `cd "$1" && for i in $(seq -w 1 ${N}); do mkfifo "pipe-$i"; done`, '-', src]);
  return src;
}

function opts(source: string, destination: string, extra: Partial<FolderBackupOptions> = {}): FolderBackupOptions {
  return { envId: 'many', source, destination, exclude: [], useGitignore: true, skipIfUnchanged: false, ...extra };
}

describe('folder backup: many unreadable entries', function () {
  this.timeout(60000);
  afterEach(cleanupTemp);

  it('logs the first 100 warnings and one line counting the rest; the result counts all', async () => {
    const src = sourceWithFifos();
    const ctx = makeCtx();
    const r = await runFolderBackup(ctx, opts(src, tempDir('dst-')));
    assert.equal(r.warnings, N);
    assert.match(r.summary!, new RegExp(`${N} warnings`));
    const warns = ctx.warnings();
    assert.equal(warns.filter((w) => /^Skipped pipe-\d+: not a regular file/.test(w)).length, 100, warns.slice(0, 3).join('\n'));
    assert.deepEqual(warns.filter((w) => !/^Skipped pipe-/.test(w)), [`… and ${N - 100} more warnings like these (only the first 100 are listed)`]);
    assert.deepEqual(gnuList(r.archivePath!), ['a.txt']);
  });

  it('skipIfUnchanged with nothing changed: the same first 100 and the count', async () => {
    const src = sourceWithFifos();
    const dst = tempDir('dst-');
    const first = await runFolderBackup(makeCtx(), opts(src, dst, { skipIfUnchanged: true }));
    const ctx = makeCtx();
    const r = await runFolderBackup(ctx, opts(src, dst, { skipIfUnchanged: true, previous: { manifestHash: first.manifestHash, finishedAt: Date.now(), archivePath: first.archivePath } }));
    assert.ok(r.unchangedSince);
    assert.equal(r.warnings, N);
    const warns = ctx.warnings();
    assert.equal(warns.length, 101, warns.slice(0, 3).join('\n'));
    assert.equal(warns[100], `… and ${N - 100} more warnings like these (only the first 100 are listed)`);
  });
});
