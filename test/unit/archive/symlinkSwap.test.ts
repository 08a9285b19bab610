// A source file swapped for a symbolic link after the walk listed it (by another user sharing the
// folder, or a tool) must not be followed: the link could point at a file the source never held
// (~/.ssh/id_ed25519), which would then sit in the archive under an innocent name.
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runFolderBackup } from '../../../src/extension/core/engines/archive/operations';
import { cleanupTemp, gnuExtract, gnuList, makeCtx, tempDir } from './helpers';

/** Every file of the archive, extracted by GNU tar, as one text. */
function extractedText(archive: string): string {
  const into = tempDir();
  gnuExtract(archive, into);
  return execFileSync('sh', ['-c', 'find . -type f -exec cat {} +'], { cwd: into, encoding: 'utf8' });
}

describe('a file swapped for a link between listing and reading', function () {
  this.timeout(20_000);
  afterEach(cleanupTemp);

  it('is skipped with a warning, small (read ahead) or large (read in turn); the link target never enters the archive', async () => {
    const src = tempDir();
    const outside = tempDir();
    const secret = join(outside, 'id_ed25519');
    writeFileSync(secret, 'TOP SECRET KEY MATERIAL\n'.repeat(20_000));
    for (let i = 0; i < 200; i++) writeFileSync(join(src, `f${String(i).padStart(3, '0')}.txt`), `file ${i}\n`);
    writeFileSync(join(src, 'zz-large.bin'), randomBytes(400_000));
    let swapped = false;
    const swap = (name: string) => {
      renameSync(join(src, name), join(outside, `${name}.old`));
      symlinkSync(secret, join(src, name));
    };
    // f010 is being archived: the folder is listed (lstat said "file" for all), f150 and the large file are not read yet.
    const ctx = makeCtx({
      onProgress: (p) => {
        if (p.current !== 'f010.txt' || swapped) return;
        swapped = true;
        swap('f150.txt');
        swap('zz-large.bin');
      },
    });
    const r = await runFolderBackup(ctx, { envId: 'e', source: src, destination: tempDir(), exclude: [], useGitignore: false, skipIfUnchanged: false });
    assert.ok(swapped);
    const listed = gnuList(r.archivePath!);
    assert.ok(!listed.includes('f150.txt') && !listed.includes('zz-large.bin'), listed.join(' '));
    assert.equal(listed.length, 199);
    assert.doesNotMatch(extractedText(r.archivePath!), /SECRET/);
    assert.deepEqual(ctx.warnings().sort(), [
      'Cannot read f150.txt: it became a symbolic link after it was listed; links are not followed (skipped)',
      'Cannot read zz-large.bin: it became a symbolic link after it was listed; links are not followed (skipped)',
    ]);
  });

  it('a folder swapped for a link is not read through: the file opened must be the one listed', async () => {
    const src = tempDir();
    const ssh = tempDir();
    writeFileSync(join(ssh, 'id_ed25519'), 'TOP SECRET KEY MATERIAL\n');
    for (let i = 0; i < 100; i++) writeFileSync(join(src, `f${String(i).padStart(3, '0')}.txt`), `file ${i}\n`);
    // A decoy with the name of the file to steal, in a folder the walk lists ahead of reading it.
    mkdirSync(join(src, 'sub'));
    writeFileSync(join(src, 'sub', 'id_ed25519'), 'decoy\n');
    let swapped = false;
    const ctx = makeCtx({
      onProgress: (p) => {
        if (p.current !== 'f010.txt' || swapped) return;
        swapped = true;
        renameSync(join(src, 'sub'), join(tempDir(), 'sub.old'));
        symlinkSync(ssh, join(src, 'sub'));
      },
    });
    const r = await runFolderBackup(ctx, { envId: 'e', source: src, destination: tempDir(), exclude: [], useGitignore: false, skipIfUnchanged: false });
    assert.ok(swapped);
    assert.ok(!gnuList(r.archivePath!).includes('sub/id_ed25519'));
    assert.doesNotMatch(extractedText(r.archivePath!), /SECRET/);
    assert.deepEqual(ctx.warnings(), ['Folder sub was replaced after it was listed, or swapped for a link; links are not followed (skipped)']);
  });

  it('a folder swapped for a link after it was walked into: the files opened through the link are refused', async () => {
    const src = tempDir();
    const ssh = tempDir();
    writeFileSync(join(ssh, 'id_ed25519'), 'TOP SECRET KEY MATERIAL\n');
    mkdirSync(join(src, 'a'));
    // 90 files: those after the swap and id_ed25519 stay within the first 100 warnings a backup keeps.
    for (let i = 0; i < 90; i++) writeFileSync(join(src, 'a', `f${String(i).padStart(3, '0')}.txt`), `file ${i}\n`);
    writeFileSync(join(src, 'a', 'id_ed25519'), 'decoy\n');
    let swapped = false;
    // a/f010 is being archived: "a" was listed and checked, its last files are not read yet.
    const ctx = makeCtx({
      onProgress: (p) => {
        if (p.current !== 'a/f010.txt' || swapped) return;
        swapped = true;
        renameSync(join(src, 'a'), join(tempDir(), 'a.old'));
        symlinkSync(ssh, join(src, 'a'));
      },
    });
    const r = await runFolderBackup(ctx, { envId: 'e', source: src, destination: tempDir(), exclude: [], useGitignore: false, skipIfUnchanged: false });
    assert.ok(swapped);
    assert.doesNotMatch(extractedText(r.archivePath!), /SECRET/);
    assert.ok(!gnuList(r.archivePath!).includes('a/id_ed25519'));
    // Every file left in "a" is refused with a warning; only the first 100 are listed, then a count.
    const warns = ctx.warnings();
    const refused = 'Cannot read a/id_ed25519: it was replaced after it was listed, or a folder on its path by a link; the next backup takes it (skipped)';
    if (r.warnings <= 100) assert.ok(warns.includes(refused), warns.slice(-3).join('\n'));
    else assert.equal(warns.at(-1), `… and ${r.warnings - 100} more warnings like these (only the first 100 are listed)`);
  });

  it('a file swapped for a FIFO is skipped too, without blocking the backup', async () => {
    const src = tempDir();
    for (let i = 0; i < 100; i++) writeFileSync(join(src, `f${String(i).padStart(3, '0')}.txt`), `file ${i}\n`);
    let swapped = false;
    const ctx = makeCtx({
      onProgress: (p) => {
        if (p.current !== 'f001.txt' || swapped) return;
        swapped = true;
        renameSync(join(src, 'f090.txt'), join(tempDir(), 'old'));
        execFileSync('mkfifo', [join(src, 'f090.txt')]);
      },
    });
    const r = await runFolderBackup(ctx, { envId: 'e', source: src, destination: tempDir(), exclude: [], useGitignore: false, skipIfUnchanged: false });
    assert.equal(gnuList(r.archivePath!).length, 99);
    assert.deepEqual(ctx.warnings(), ['Cannot read f090.txt: it is no longer a regular file (FIFO, socket or device) (skipped)']);
  });
});
