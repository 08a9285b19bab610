// The launcher a window puts on PATH: it must run the first copy of the bundle still there with
// its runtime, pass every argument through untouched, name its storage folder even when paths
// hold spaces, quotes, `$` or braces, and say what to do when every copy is gone.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cmdLauncher, writeLauncher } from '../../../src/extension/core/client/launcher';

describe('backup-scheduler launcher', () => {
  let root: string;
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'bs-launcher-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('runs the bundle with its arguments and defaults the storage folder', () => {
    const odd = join(root, `it's a "$HOME" {x} \`f\``);
    mkdirSync(odd);
    const cliJs = join(odd, 'cli.js');
    writeFileSync(cliJs, 'console.log(JSON.stringify({ argv: process.argv.slice(2), storage: process.env.BACKUP_SCHEDULER_STORAGE, electron: process.env.ELECTRON_RUN_AS_NODE }))');
    // The first copy is gone (the extension was updated): the next one runs.
    const launcher = writeLauncher(join(odd, 'bin'), [{ node: process.execPath, cliJs: join(root, 'old-extension', 'cli.js') }, { node: process.execPath, cliJs }], odd);
    const run = (env: NodeJS.ProcessEnv) => JSON.parse(spawnSync(launcher, ['run', 'a b', '--wait', '$x'], { encoding: 'utf8', env: { PATH: process.env.PATH, ...env } }).stdout) as { argv: string[]; storage: string; electron: string };
    assert.deepEqual(run({}), { argv: ['run', 'a b', '--wait', '$x'], storage: odd, electron: '1' });
    assert.equal(run({ BACKUP_SCHEDULER_STORAGE: '/elsewhere' }).storage, '/elsewhere');
    rmSync(cliJs);
    const gone = spawnSync(launcher, ['status'], { encoding: 'utf8' });
    assert.equal(gone.status, 1);
    assert.match(gone.stderr, /its program is gone .* open VS Code once/);
  });

  it('writes a cmd.exe form for Windows', () => {
    const text = cmdLauncher([{ node: 'C:\\Program Files\\node.exe', cliJs: 'C:\\x\\cli.js' }], 'C:\\Users\\a%b\\storage');
    assert.match(text, /if not defined BACKUP_SCHEDULER_STORAGE set "BACKUP_SCHEDULER_STORAGE=C:\\Users\\a%%b\\storage"/);
    assert.match(text, /if exist "C:\\x\\cli.js" if exist "C:\\Program Files\\node.exe" \("C:\\Program Files\\node.exe" "C:\\x\\cli.js" %\*& exit \/b\)/);
  });
});
