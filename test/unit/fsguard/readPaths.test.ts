// The read side goes through the stuck-path guard too: reading one file of an archive (Browse,
// Compare), listing an archive and restoring one. The hang is real: an archive that is a named pipe
// nobody writes to, so opening it blocks a pool thread as a hung mount would.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, constants, openSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fsGuard, UnresponsiveError } from '../../../src/extension/core/fsguard';
import { clearArchiveIndexCache, listArchiveEntries, readArchiveFile, restoreArchive, runFolderBackup } from '../../../src/extension/core/engines/archive/operations';
import { cleanupTemp, makeCtx, tempDir } from '../archive/helpers';
import { writeFileSync } from 'node:fs';

describe('stuck-path guard on the read and restore paths', function () {
  this.timeout(30_000);
  let fifos: string[] = [];

  /** Lets every blocked open of the pipes return (a writer appears and goes). */
  function releasePipes(): void {
    for (const f of fifos) {
      for (let i = 0; i < 8; i++) {
        try {
          closeSync(openSync(f, constants.O_WRONLY | constants.O_NONBLOCK));
        } catch {
          break; // ENXIO: no reader is blocked any more
        }
      }
    }
    fifos = [];
  }

  /** A destination folder holding an "archive" whose open never returns. */
  function stuckArchive(): { dir: string; archive: string } {
    const dir = tempDir('bs-stuck-read-');
    const archive = join(dir, 'e-20260101-000000.tar.gz');
    execFileSync('mkfifo', [archive]);
    fifos.push(archive);
    return { dir, archive };
  }

  before(function () {
    if (process.platform === 'win32') this.skip();
  });
  beforeEach(() => {
    clearArchiveIndexCache();
    fsGuard.configure({ callTimeoutMs: 1500, slowMs: 200, unresponsiveMs: 600_000 });
  });
  afterEach(async () => {
    releasePipes();
    await new Promise((r) => setTimeout(r, 200));
    fsGuard.configure({ callTimeoutMs: 180_000, slowMs: 2000, unresponsiveMs: 600_000 });
    cleanupTemp();
  });

  const didNotRespond = (dir: string) => (e: Error) => {
    assert.ok(e instanceof UnresponsiveError || /did not respond/.test(e.message), e.stack);
    assert.match(e.message, new RegExp(`${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.* did not respond`));
    return true;
  };

  it('reading one file of an archive whose destination hangs fails with "did not respond", then at once', async () => {
    const { dir, archive } = stuckArchive();
    await assert.rejects(readArchiveFile(archive, 'a.txt'), didNotRespond(dir));
    const started = Date.now();
    await assert.rejects(listArchiveEntries(archive), didNotRespond(dir));
    assert.ok(Date.now() - started < 1500, 'refused without a new call');
  });

  it('a restore from an archive whose destination hangs fails with "did not respond", writing nothing', async () => {
    const { dir, archive } = stuckArchive();
    const target = tempDir('bs-target-');
    await assert.rejects(restoreArchive(makeCtx(), { archivePath: archive, target, overwrite: false }), didNotRespond(dir));
    assert.deepEqual(readdirSync(target), []);
  });

  it('inside the restore worker too: an index that hangs when read fails the restore with "did not respond"', async () => {
    const src = tempDir('bs-src-');
    writeFileSync(join(src, 'a.txt'), 'alpha\n');
    const dest = tempDir('bs-dest-');
    const r = await runFolderBackup(makeCtx(), { envId: 'e', source: src, destination: dest, exclude: [], useGitignore: false, skipIfUnchanged: false });
    // The archive answers (the host's checks pass); its index, read in the worker, never does.
    const { unlinkSync } = await import('node:fs');
    unlinkSync(`${r.archivePath!}.idx`);
    execFileSync('mkfifo', [`${r.archivePath!}.idx`]);
    fifos.push(`${r.archivePath!}.idx`);
    const target = tempDir('bs-target-');
    await assert.rejects(restoreArchive(makeCtx(), { archivePath: r.archivePath!, target, overwrite: false }), didNotRespond(dest));
    assert.deepEqual(readdirSync(target), []);
  });

  it('a destination known not to answer refuses reads of its good archives at once', async () => {
    const src = tempDir('bs-src-');
    writeFileSync(join(src, 'a.txt'), 'alpha\n');
    const dest = tempDir('bs-dest-');
    const r = await runFolderBackup(makeCtx(), { envId: 'e', source: src, destination: dest, exclude: [], useGitignore: false, skipIfUnchanged: false });
    clearArchiveIndexCache();
    // A call on the destination that never returns marks it unresponsive.
    const pipe = join(dest, 'pipe');
    execFileSync('mkfifo', [pipe]);
    fifos.push(pipe);
    const { promises: fsp } = await import('node:fs');
    await assert.rejects(fsGuard.run(dest, 'destination', () => fsp.open(pipe, 'r')), UnresponsiveError);
    await assert.rejects(readArchiveFile(r.archivePath!, 'a.txt'), didNotRespond(dest));
    await assert.rejects(restoreArchive(makeCtx(), { archivePath: r.archivePath!, target: tempDir('bs-target-'), overwrite: false }), didNotRespond(dest));
  });
});
