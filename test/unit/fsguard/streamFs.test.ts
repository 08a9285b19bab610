// Streams over a file on a path that stops answering fail like single calls do (verify reads its
// archive through such a stream). The hang is real: an open of a named pipe nobody writes to.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, constants, createReadStream, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FsGuard, guardedStreamFs, UnresponsiveError } from '../../../src/extension/core/fsguard';
import { cleanupTemp, tempDir } from '../archive/helpers';

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let out = '';
  for await (const chunk of stream) out += String(chunk);
  return out;
}

describe('guarded streams', () => {
  afterEach(cleanupTemp);

  it('read a file that answers exactly as a plain stream does', async () => {
    const dir = tempDir();
    const file = join(dir, 'a.txt');
    writeFileSync(file, 'x'.repeat(200_000));
    const guard = new FsGuard();
    assert.equal(await readAll(createReadStream(file, { highWaterMark: 4096, fs: guardedStreamFs(guard, dir, 'destination') })), 'x'.repeat(200_000));
  });

  it('fail with "did not respond" when an open never returns, and refuse the path afterwards', async function () {
    if (process.platform === 'win32') this.skip();
    const dir = tempDir();
    const fifo = join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    const guard = new FsGuard({ callTimeoutMs: 300, slowMs: 50 });
    try {
      await assert.rejects(readAll(createReadStream(fifo, { fs: guardedStreamFs(guard, dir, 'destination') })), (e: Error) => {
        assert.ok(e instanceof UnresponsiveError);
        assert.match(e.message, /^The destination .* did not respond/);
        return true;
      });
      assert.match(guard.refusal(dir)!, /did not respond/);
    } finally {
      closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK)); // lets the blocked open return
    }
  });
});
