// A leader that does not answer the command line's questions (an older version: its channel knows
// only the follower commands) must not look like "nobody leads": reads come from tasks.db, and a
// command says what is wrong instead of suggesting to start an agent.
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, until } from './helpers';

describe('command line with a leader of an older version', function () {
  this.timeout(120_000);
  let storage: string;
  let member: ChildProcess;
  let out = '';
  before(async () => {
    storage = mkdtempSync(join(tmpdir(), 'bs-cli-old-'));
    member = spawn(process.execPath, [join(__dirname, '..', 'leader', 'fixtures', 'member.js'), JSON.stringify({ storage })], { stdio: ['ignore', 'pipe', 'inherit'] });
    member.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    await until('it to serve', () => out.includes('"ev":"serving"'), 60_000);
  });
  after(() => {
    member.kill('SIGKILL');
    rmSync(storage, { recursive: true, force: true });
  });

  it('reads the history and says the leader is too old to take commands', async () => {
    const s = await cli(['--storage', storage, 'status', '--json']);
    assert.equal(s.code, 0, s.stderr);
    assert.equal((JSON.parse(s.stdout) as { leader: unknown }).leader, null);
    const run = await cli(['--storage', storage, 'run', 'notes']);
    assert.equal(run.code, 1);
    assert.match(run.stderr, new RegExp(`pid ${member.pid}\\) is of an older version`));
  });
});
