// The archive holds what git would: the judge is git itself (`git ls-files --cached --others
// --exclude-standard`) on a tree of tricky rules. A file git keeps but the backup leaves out is a
// file silently missing from a backup.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { runFolderBackup } from '../../../src/extension/core/engines/archive/operations';
import { cleanupTemp, gnuList, makeCtx, tempDir } from '../archive/helpers';

const RULES: Record<string, string> = {
  '.gitignore': [
    '# a comment, not a rule',
    '\\#not-a-comment.txt',
    '\\!important.txt',
    '*.log',
    '!keep.log',
    '/anchored.txt',
    'build/',
    '!build/keep.js', // cannot re-include: its folder is excluded
    'logs/',
    '**/deep/**/*.tmp',
    'doc/**/*.pdf',
    '[Tt]emp*.dat',
    'x[!0-9].cfg',
    'file?.bak',
    'trailing.txt   ',
    'escaped-space.txt\\ ',
    'cache/*',
    '!cache/important',
    'a/**/b',
    '*.o',
    '!special.o',
    'vendor',
    'out/**',
    '**/gen',
    'sub/nested/only-here.txt',
    '',
  ].join('\n'),
  'sub/.gitignore': ['!*.log', '/local.txt', '*.md', '!README.md', ''].join('\n'),
  'sub/inner/.gitignore': ['*.txt', '!keep.txt', '#*.log', ''].join('\n'),
};

const FILES = [
  '#not-a-comment.txt', '!important.txt', 'plain.txt',
  'app.log', 'keep.log', 'UPPER.LOG', 'Mixed.Log',
  'anchored.txt', 'sub/anchored.txt',
  'build/x.js', 'build/keep.js', 'sub/build', 'logs/today.txt', 'sub/logs',
  'x/deep/y/z.tmp', 'x/deep/z.tmp', 'x/z.tmp', 'x/deep/keep.txt',
  'doc/a.pdf', 'doc/b/c.pdf', 'doc/readme.txt', 'doc/A.PDF',
  'Temp1.dat', 'temp2.dat', 'TEMP3.dat',
  'xa.cfg', 'x1.cfg', 'file1.bak', 'file10.bak',
  'trailing.txt', 'escaped-space.txt ', 'escaped-space.txt',
  'cache/a', 'cache/important',
  'a/b', 'a/x/b', 'a/x/c',
  'main.o', 'special.o', 'vendor/lib.js', 'sub/vendor',
  'out/o.txt', 'out/sub/o.txt', 'src/gen/code.c', 'gen', 'general.txt',
  'sub/nested/only-here.txt', 'sub/debug.log', 'sub/local.txt', 'sub/deeper/local.txt', 'sub/notes.md', 'sub/README.md', 'sub/NOTES.MD',
  'sub/inner/a.txt', 'sub/inner/keep.txt', 'sub/inner/x.log', 'sub/inner/KEEP.TXT',
];

function git(repo: string, ...args: string[]): string {
  // Only the repository's own rules: no user or system excludes file, no global core.ignorecase.
  const env = { ...process.env, HOME: repo, XDG_CONFIG_HOME: repo, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' };
  return execFileSync('git', ['-C', repo, ...args], { encoding: 'utf8', env });
}

function makeRepo(): string {
  const src = tempDir('bk-git-');
  for (const [path, text] of Object.entries(RULES)) {
    mkdirSync(dirname(join(src, path)), { recursive: true });
    writeFileSync(join(src, path), text);
  }
  for (const f of FILES) {
    mkdirSync(dirname(join(src, f)), { recursive: true });
    writeFileSync(join(src, f), `${f}\n`);
  }
  symlinkSync('keep.log', join(src, 'link-to-keep'));
  symlinkSync('keep.log', join(src, 'link.log'));
  git(src, 'init', '-q');
  git(src, 'add', 'plain.txt', 'sub/README.md'); // some tracked, the rest untracked
  return src;
}

function gitKeeps(repo: string): string[] {
  return git(repo, 'ls-files', '--cached', '--others', '--exclude-standard', '-z').split('\0').filter(Boolean).sort();
}

async function archived(src: string): Promise<string[]> {
  const r = await runFolderBackup(makeCtx(), { envId: 'g', source: src, destination: tempDir(), exclude: [], useGitignore: true, skipIfUnchanged: false });
  return gnuList(r.archivePath!).filter((p) => !p.endsWith('/') && !p.startsWith('.git/')).sort();
}

describe('.gitignore as git reads it', function () {
  this.timeout(30_000);
  afterEach(cleanupTemp);

  it('the archive holds exactly what git ls-files lists (case-sensitive on Linux)', async function () {
    if (process.platform !== 'linux') this.skip(); // the case rule under test is Linux's
    const src = makeRepo();
    const want = gitKeeps(src);
    assert.ok(want.includes('UPPER.LOG') && want.includes('sub/inner/KEEP.TXT') && want.includes('escaped-space.txt'), `git's own view changed: ${want.join(', ')}`);
    assert.deepEqual(await archived(src), want);
  });

  it('follows the repository\'s core.ignorecase when it is set', async () => {
    const src = makeRepo();
    git(src, 'config', 'core.ignorecase', 'true');
    const want = gitKeeps(src);
    assert.ok(!want.includes('UPPER.LOG'), 'git with core.ignorecase=true leaves UPPER.LOG out');
    assert.deepEqual(await archived(src), want);
    git(src, 'config', 'core.ignorecase', 'false');
    assert.deepEqual(await archived(src), gitKeeps(src));
  });

  it('a source inside a repository follows that repository\'s core.ignorecase', async () => {
    const repo = makeRepo();
    for (const [setting, keepsUpper] of [['true', false], ['false', true]] as const) {
      git(repo, 'config', 'core.ignorecase', setting);
      const got = await archived(join(repo, 'sub'));
      assert.equal(got.includes('NOTES.MD'), keepsUpper, `core.ignorecase=${setting}: ${got.join(', ')}`);
      assert.ok(!got.includes('notes.md') && got.includes('README.md'), got.join(', '));
    }
  });
  it('a linked worktree reads core.ignorecase from its main repository', async () => {
    const repo = makeRepo();
    git(repo, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'start');
    const wt = join(tempDir('bk-wt-'), 'wt');
    git(repo, 'worktree', 'add', '-q', wt);
    writeFileSync(join(wt, '.gitignore'), '*.log\n');
    writeFileSync(join(wt, 'UPPER.LOG'), 'x\n');
    for (const [setting, kept] of [['true', false], ['false', true]] as const) {
      git(repo, 'config', 'core.ignorecase', setting);
      assert.equal(gitKeeps(wt).includes('UPPER.LOG'), kept, `git itself, core.ignorecase=${setting}`);
      assert.equal((await archived(wt)).includes('UPPER.LOG'), kept, `backup, core.ignorecase=${setting}`);
    }
  });
});
