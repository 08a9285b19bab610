// The names-only walk (restic engine without skipIfUnchanged) must leave out exactly what the
// full walk leaves out: the judge is walkTree itself, on nested .gitignore files with negations,
// exclude globs, links and a skipped destination folder.
import * as assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { walkTree, type WalkOptions } from '../../../src/extension/core/source/walk';
import { walkNames } from '../../../src/extension/core/source/walkNames';
import { cleanupTemp, tempDir } from '../archive/helpers';

const FILES: Record<string, string> = {
  '.gitignore': ['*.log', '!keep.log', '/anchored.txt', 'build/', 'cache/*', '!cache/important', '**/deep/**/*.tmp', 'vendor', ''].join('\n'),
  'sub/.gitignore': ['!*.log', '/local.txt', '*.md', '!README.md', ''].join('\n'),
  'sub/inner/.gitignore': ['*.txt', '!keep.txt', ''].join('\n'),
};
const PLAIN = [
  'plain.txt', 'app.log', 'keep.log', 'anchored.txt', 'sub/anchored.txt', 'build/x.js', 'sub/build', 'cache/a', 'cache/important',
  'x/deep/y/z.tmp', 'x/z.tmp', 'vendor/lib.js', 'sub/debug.log', 'sub/local.txt', 'sub/deeper/local.txt', 'sub/notes.md', 'sub/README.md',
  'sub/inner/a.txt', 'sub/inner/keep.txt', 'node_modules/m/index.js', 'src/node_modules/x.js', 'src/a.tmp.bak', 'src/b.ts', 'dest/old.tar.gz',
];

function makeTree(): string {
  const src = tempDir('bk-names-');
  for (const f of PLAIN) {
    mkdirSync(dirname(join(src, f)), { recursive: true });
    writeFileSync(join(src, f), `${f}\n`);
  }
  for (const [f, text] of Object.entries(FILES)) writeFileSync(join(src, f), text);
  symlinkSync('keep.log', join(src, 'link.log'));
  symlinkSync('sub', join(src, 'link-to-sub'));
  symlinkSync('missing', join(src, 'dangling'));
  return src;
}

async function both(src: string, opts: Omit<WalkOptions, 'warn' | 'onExcluded'>) {
  const full = { excluded: [] as string[], files: 0, dirs: 0, symlinks: 0, warnings: [] as string[] };
  for await (const e of walkTree(src, { ...opts, warn: (w) => full.warnings.push(w), onExcluded: (rel, isDir) => full.excluded.push(`${rel}${isDir ? '/' : ''}`) })) {
    if (e.type === 'file') full.files++;
    else if (e.type === 'dir') full.dirs++;
    else full.symlinks++;
  }
  const names = { excluded: [] as string[], warnings: [] as string[] };
  const counts = await walkNames(src, { ...opts, warn: (w) => names.warnings.push(w), onExcluded: (rel, isDir) => names.excluded.push(`${rel}${isDir ? '/' : ''}`) });
  return { full, names: { ...names, ...counts } };
}

describe('walkNames: the walk without lstat', function () {
  this.timeout(30_000);
  afterEach(cleanupTemp);

  it('leaves out the same entries, in the same order, and counts the same files, folders and links as walkTree', async () => {
    const src = makeTree();
    const opts = { exclude: ['node_modules', '*.bak', 'sub/deeper/'], useGitignore: true, skipAbs: [join(src, 'dest')] };
    const { full, names } = await both(src, opts);
    assert.ok(full.excluded.includes('app.log') && full.excluded.includes('sub/inner/a.txt') && full.excluded.includes('dest/'), full.excluded.join(','));
    assert.ok(!full.excluded.includes('sub/debug.log'));
    assert.deepEqual(names.excluded, full.excluded);
    assert.deepEqual([names.files, names.dirs, names.symlinks], [full.files, full.dirs, full.symlinks]);
    assert.deepEqual(names.warnings, full.warnings);
  });

  it('agrees without .gitignore rules too, and with no rules at all excludes nothing', async () => {
    const src = makeTree();
    const a = await both(src, { exclude: ['*.log'], useGitignore: false });
    assert.deepEqual(a.names.excluded, a.full.excluded);
    assert.equal(a.names.files, a.full.files);
    const b = await both(src, { exclude: [], useGitignore: false });
    assert.deepEqual(b.names.excluded, []);
    assert.equal(b.names.files, b.full.files);
  });

  it('fails, as walkTree does, when the source itself cannot be listed', async () => {
    const src = join(tempDir('bk-names-'), 'nope');
    await assert.rejects(walkNames(src, { exclude: [], useGitignore: false, warn: () => undefined }), /ENOENT/);
    await assert.rejects(async () => {
      for await (const _ of walkTree(src, { exclude: [], useGitignore: false, warn: () => undefined })) void _;
    }, /ENOENT/);
  });
});
