// Run-to-the-end programs from the spawner thread (restic version, passwordCommand): output and
// exit, the time limit and the output cap, and a failing passwordCommand's message (no password).
import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFailure, execOffThread } from '../../../src/extension/core/util/offThreadExec';
import { runPasswordCommand } from '../../../src/extension/core/engines/restic/passwordCommand';

const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

describe('execOffThread (real processes)', function () {
  if (process.platform === 'win32') return;

  it('gives the output and the exit code, a failing one included', async () => {
    const r = await execOffThread('/bin/sh', ['-c', 'echo out; echo err >&2; exit 4'], { env, timeoutMs: 10_000, maxBytes: 1000 });
    assert.deepEqual(r, { code: 4, signal: null, stdout: 'out\n', stderr: 'err\n' });
    assert.equal(execFailure(r), 'exit code 4: err');
  });

  it('kills a program that runs past its time and says so', async () => {
    const t = Date.now();
    await assert.rejects(execOffThread('sleep', ['30'], { env, timeoutMs: 300, maxBytes: 1000 }), /sleep was stopped: it did not finish within 300 ms/);
    assert.ok(Date.now() - t < 10_000);
  });

  it('a stop ends what the program started too: a child still holding the output does not keep the call waiting', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bs-exec-'));
    try {
      const pidFile = join(dir, 'pid');
      // A wrapper whose program waits (a keychain prompt nobody answers) and holds stdout.
      await assert.rejects(execOffThread('/bin/sh', ['-c', `sleep 30 & echo $! > ${pidFile}; wait`], { env, timeoutMs: 300, maxBytes: 1000 }), /was stopped: it did not finish within 300 ms/);
      const pid = Number(readFileSync(pidFile, 'utf8'));
      let gone = false;
      for (let i = 0; i < 50 && !gone; i++) {
        gone = !existsSync(`/proc/${pid}`) || readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].startsWith('Z');
        if (!gone) await new Promise((r) => setTimeout(r, 20));
      }
      assert.ok(gone, 'the waiting sleep was killed with its group');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a stop still ends the call when something that left the group keeps the output open', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bs-exec-'));
    const pidFile = join(dir, 'pid');
    try {
      // setsid: a new session, out of reach of the group kill, holding stdout for 30 s.
      const call = execOffThread('/bin/sh', ['-c', `setsid sh -c 'echo $$ > ${pidFile}; exec sleep 30' & wait`], { env, timeoutMs: 300, maxBytes: 1000 });
      await assert.rejects(call, /was stopped: it did not finish within 300 ms/);
    } finally {
      if (existsSync(pidFile)) process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a program that ends before its time limit is not called stopped', async () => {
    const r = await execOffThread('/bin/sh', ['-c', 'echo quick'], { env, timeoutMs: 5000, maxBytes: 1000 });
    assert.equal(r.stdout, 'quick\n');
  });

  it('kills a program that writes more than the cap', async () => {
    await assert.rejects(execOffThread('head', ['-c', '100000000', '/dev/zero'], { env, timeoutMs: 20_000, maxBytes: 1 << 20 }), /head was stopped: it wrote more than 1048576 bytes/);
  });

  it('a passwordCommand that printed the password and then failed: the message has its stderr, never the password', async () => {
    const failing = runPasswordCommand(`/bin/sh -c "echo hunter2-secret; echo 'keychain locked' >&2; exit 1"`, env);
    await assert.rejects(failing, (e: Error) => {
      assert.equal(e.message, 'passwordCommand failed: exit code 1: keychain locked');
      assert.doesNotMatch(e.message, /hunter2/);
      return true;
    });
    const quiet = runPasswordCommand(`/bin/sh -c "echo hunter2-secret; exit 2"`, env);
    await assert.rejects(quiet, /^Error: passwordCommand failed: exit code 2$/);
    assert.equal(await runPasswordCommand(`/bin/sh -c "echo '  pw with spaces  '"`, env), 'pw with spaces');
    await assert.rejects(runPasswordCommand('/no/such/program', env), /passwordCommand failed: .*ENOENT/);
  });
});
