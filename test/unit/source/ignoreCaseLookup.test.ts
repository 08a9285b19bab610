// The walk asks git's core.ignorecase (a climb to the root, one stat per level) only when the
// tree has a .gitignore for it to apply to, and then once: on a busy host each of those stats is
// a wait in the thread pool, and a small folder's backup was mostly such waits.
import * as assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ignoreCaseOnce } from '../../../src/extension/core/source/gitConfig';
import { walkTree } from '../../../src/extension/core/source/walk';
import { walkNames } from '../../../src/extension/core/source/walkNames';
import { cleanupTemp, tempDir } from '../archive/helpers';

/** A guard stand-in that counts the lookups: the only guarded step whose answer is a boolean. */
function counting() {
  const counts = { lookups: 0 };
  const run = <T>(fn: () => Promise<T>) =>
    fn().then((v) => {
      if (typeof v === 'boolean') counts.lookups++;
      return v;
    });
  return { counts, run };
}

async function walk(src: string, run: <T>(fn: () => Promise<T>) => Promise<T>): Promise<string[]> {
  const out: string[] = [];
  for await (const e of walkTree(src, { exclude: [], useGitignore: true, run, warn: () => undefined })) out.push(e.rel);
  return out;
}

describe('core.ignorecase lookup', () => {
  afterEach(cleanupTemp);

  it('a tree without a .gitignore is walked without looking it up', async () => {
    const src = tempDir('bk-ic-');
    writeFileSync(join(src, 'notes.txt'), 'x');
    mkdirSync(join(src, 'sub'));
    writeFileSync(join(src, 'sub', 'A.LOG'), 'x');
    const { counts, run } = counting();
    assert.deepEqual(await walk(src, run), ['notes.txt', 'sub', 'sub/A.LOG']);
    await walkNames(src, { exclude: [], useGitignore: true, run, warn: () => undefined });
    assert.equal(counts.lookups, 0);
  });

  it('with .gitignore files at several levels it is looked up once and applied', async () => {
    const src = tempDir('bk-ic-');
    writeFileSync(join(src, '.gitignore'), '*.log\n');
    mkdirSync(join(src, 'sub'));
    writeFileSync(join(src, 'sub', '.gitignore'), '*.tmp\n');
    for (const f of ['keep.txt', 'a.log', 'sub/x.tmp', 'sub/y.txt']) writeFileSync(join(src, f), 'x');
    const { counts, run } = counting();
    assert.deepEqual(await walk(src, run), ['.gitignore', 'keep.txt', 'sub', 'sub/.gitignore', 'sub/y.txt']);
    assert.equal(counts.lookups, 1);
  });

  it('a value given by the caller is used as is, without a lookup', async () => {
    const { counts, run } = counting();
    const ask = ignoreCaseOnce('/nonexistent', true, run);
    assert.equal(counts.lookups, 0, 'nothing asked before the first .gitignore');
    assert.equal(await ask(), true);
    assert.equal(counts.lookups, 0);
  });
});
