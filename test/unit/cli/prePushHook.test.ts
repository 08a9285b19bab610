// The command line in a git hook, as a user would set it up: a real repository whose `pre-push`
// hook runs `backup-scheduler run <env> --wait` through the launcher a window puts on PATH. A
// good backup lets the push through; a failed one stops it.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { writeLauncher } from '../../../src/extension/core/client/launcher';
import { CLI, testEnvironments, until, Window } from './helpers';

describe('command line in a pre-push git hook', function () {
  this.timeout(240_000);
  let root: string;
  let window: Window;
  let bin: string;

  const git = (cwd: string, ...args: string[]) => {
    const r = spawnSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH}`, BACKUP_SCHEDULER_STORAGE: '', NO_COLOR: '1', GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' } });
    return { code: r.status, out: `${r.stdout}${r.stderr}` };
  };
  const remoteHead = () => git(join(root, 'remote.git'), 'rev-parse', '--verify', '-q', 'refs/heads/main').out.trim();

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'bs-hook-'));
    const storage = join(root, 'storage');
    mkdirSync(storage);
    mkdirSync(join(root, 'src'));
    writeFileSync(join(root, 'src', 'schema.sql'), 'create table t (id int);\n');
    window = new Window(storage, testEnvironments(root));
    bin = join(storage, 'bin');
    writeLauncher(bin, [{ node: process.execPath, cliJs: CLI }], storage);
    await until('the window to lead', () => window.leads, 90_000);
  });
  after(async () => {
    await window.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('pushes after a good backup, refuses the push when the backup fails, and pushes after one with warnings', () => {
    const repo = join(root, 'repo');
    mkdirSync(repo);
    assert.equal(git(root, 'init', '-q', '--bare', '-b', 'main', 'remote.git').code, 0);
    assert.equal(git(repo, 'init', '-q', '-b', 'main').code, 0);
    git(repo, 'remote', 'add', 'origin', join(root, 'remote.git'));
    writeFileSync(join(repo, 'README'), 'one\n');
    git(repo, 'add', '.');
    assert.equal(git(repo, 'commit', '-q', '-m', 'one').code, 0);
    const hook = join(repo, '.git', 'hooks', 'pre-push');
    const setHook = (env: string) => {
      // The README's example, word for word but the environment.
      writeFileSync(hook, `#!/bin/sh
# Back up before anything leaves this machine. A failed backup stops the push; warnings (3) do not.
backup-scheduler run ${env} --wait
rc=$?
[ $rc -eq 0 ] || [ $rc -eq 3 ] || { echo "pre-push: the backup of ${env} failed, not pushing" >&2; exit 1; }
`);
      chmodSync(hook, 0o755);
    };

    setHook('notes');
    const good = git(repo, 'push', '-q', 'origin', 'main');
    assert.equal(good.code, 0, good.out);
    assert.match(good.out, /backup #\d+ succeeded/);
    assert.equal(remoteHead(), git(repo, 'rev-parse', 'HEAD').out.trim());
    assert.equal(readdirSync(join(root, 'dest')).filter((f) => /^notes-.*\.tar\.gz$/.test(f)).length, 1);

    writeFileSync(join(repo, 'README'), 'two\n');
    git(repo, 'commit', '-q', '-am', 'two');
    setHook('broken');
    const before = remoteHead();
    const bad = git(repo, 'push', '-q', 'origin', 'main');
    assert.notEqual(bad.code, 0, bad.out);
    assert.match(bad.out, /no such database/);
    assert.match(bad.out, /pre-push: the backup of broken failed, not pushing/);
    assert.equal(remoteHead(), before, 'the push went through');

    // A backup with warnings (exit 3) lets the push through, as the README's hook says.
    setHook('warny');
    const warned = git(repo, 'push', '-q', 'origin', 'main');
    assert.equal(warned.code, 0, warned.out);
    assert.match(warned.out, /succeeded with 1 warning/);
    assert.equal(remoteHead(), git(repo, 'rev-parse', 'HEAD').out.trim());
  });
});
