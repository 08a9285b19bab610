// The spawner thread with real programs: output, exit codes, start failures, signals, stdin from a
// file, flow control (a reader that stops taking output stops the child) and the loss of the thread.
import * as assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Spawner, SPAWN_WORKER_SCRIPT, spawnOffThread, type ThreadChild } from '../../../src/extension/core/util/offThreadSpawn';
import { SPAWN_WINDOW } from '../../../src/extension/core/util/spawnProtocol';

const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function collect(child: ThreadChild): Promise<{ out: string; err: string; code: number | null; signal: NodeJS.Signals | null }> {
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
  return new Promise((done) => child.once('close', (code, signal) => done({ out, err, code, signal })));
}

/** Whether `pid` runs (a zombie has ended). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Processes of group `pgid` that still run (a zombie has ended: nobody is left to reap it once its thread is gone). */
function runningInGroup(pgid: number): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue;
    }
    const [state, , group] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(group) === pgid && state !== 'Z') found.push(Number(name));
  }
  return found;
}

describe('offThreadSpawn (real processes from the spawner thread)', function () {
  if (process.platform === 'win32') return;
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'bs-spawn-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('runs a program with its arguments, cwd and env, and gives its output and exit code', async () => {
    const child = await spawnOffThread({ file: '/bin/sh', args: ['-c', 'pwd; echo "$GREETING"; echo oops >&2; exit 3'], cwd: dir, env: { ...env, GREETING: 'hello there' } });
    assert.ok(child.pid > 0);
    const r = await collect(child);
    assert.deepEqual(r, { out: `${dir}\nhello there\n`, err: 'oops\n', code: 3, signal: null });
    assert.equal(child.exitCode, 3);
  });

  it('rejects a program that does not exist the way spawn() reports it (ENOENT, syscall)', async () => {
    await assert.rejects(spawnOffThread({ file: join(dir, 'no-such-program'), args: [], env }), (e: NodeJS.ErrnoException) => {
      assert.equal(e.code, 'ENOENT');
      assert.match(e.syscall ?? '', /^spawn/);
      assert.match(e.message, /no-such-program/);
      return true;
    });
  });

  it('passes every byte of a large output in order', async () => {
    // 20 MB through the 4 MB window: the reader's pace decides; nothing is lost or reordered.
    const child = await spawnOffThread({ file: '/bin/sh', args: ['-c', 'seq 1 2500000'], env });
    const r = await collect(child);
    assert.equal(r.code, 0);
    const lines = r.out.split('\n');
    assert.equal(lines.length, 2_500_001);
    assert.equal(lines[0], '1');
    assert.equal(lines[1_234_566], '1234567');
    assert.equal(lines[2_499_999], '2500000');
  });

  it('pauses the child while its reader takes nothing, and lets it finish when reading resumes', async () => {
    const total = 8 * SPAWN_WINDOW;
    const child = await spawnOffThread({ file: 'head', args: ['-c', String(total), '/dev/zero'], env });
    child.stdout.pause();
    let got = 0;
    child.stdout.on('data', (c: Buffer) => (got += c.length));
    child.stdout.pause();
    await sleep(700);
    // head writes 32 MB to a pipe in a few ms when nothing holds it back.
    assert.equal(child.exitCode, null, 'the child is held back, not finished');
    assert.ok(running(child.pid));
    const closed = new Promise((r) => child.once('close', r));
    child.stdout.resume();
    child.stderr.resume();
    await closed;
    assert.equal(got, total);
    assert.equal(child.exitCode, 0);
  });

  it('signals the child: SIGTERM ends a sleeping one', async () => {
    const child = await spawnOffThread({ file: 'sleep', args: ['30'], env });
    const done = collect(child);
    assert.equal(child.kill('SIGTERM'), true);
    const r = await done;
    assert.equal(r.signal, 'SIGTERM');
    assert.equal(r.code, null);
    assert.equal(child.kill('SIGTERM'), false, 'nothing left to signal');
  });

  it('feeds a file to stdin, and says so when the file cannot be read', async () => {
    const input = join(dir, 'input.txt');
    writeFileSync(input, 'line one\nline two\n');
    const cat = await spawnOffThread({ file: 'cat', args: [], env, stdinFile: input });
    assert.deepEqual(await collect(cat), { out: 'line one\nline two\n', err: '', code: 0, signal: null });

    const missing = await spawnOffThread({ file: 'sleep', args: ['30'], env, stdinFile: join(dir, 'missing.txt') });
    const why = await new Promise<string>((r) => missing.on('stdinError', r));
    assert.match(why, /ENOENT/);
    missing.kill('SIGKILL');
    await collect(missing);
  });

  it("closes when only stdout is read, as a ChildProcess does (the unread stream flows at exit)", async () => {
    const child = await spawnOffThread({ file: '/bin/sh', args: ['-c', 'echo out; echo warn >&2'], env });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    const [code] = await new Promise<[number | null]>((r) => child.once('close', (c) => r([c])));
    assert.equal(code, 0);
    assert.equal(out, 'out\n');
  });

  it('a reader that destroys stdout closes the pipe: the child fails its next write instead of waiting forever', async () => {
    const child = await spawnOffThread({ file: 'yes', args: [], env });
    let got = 0;
    child.stdout.on('data', (c: Buffer) => {
      got += c.length;
      if (got > 8 * SPAWN_WINDOW) child.stdout.destroy();
    });
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((r) => child.once('close', (c, s) => r([c, s])));
    // As with child_process.spawn: `yes` exits 1 on the write error (or dies of SIGPIPE).
    assert.ok(code === 1 || signal === 'SIGPIPE', `ended with ${code ?? signal}`);
    if (code === 1) assert.match(err, /yes: standard output/);
  });

  it('a bad signal name fails that call only: the thread and its other children go on', async () => {
    const one = await spawnOffThread({ file: 'sleep', args: ['30'], env });
    const other = await spawnOffThread({ file: '/bin/sh', args: ['-c', 'sleep 0.3; echo still here'], env });
    const errors: string[] = [];
    one.on('error', (e) => errors.push(e.message));
    one.kill('SIGNOPE' as NodeJS.Signals);
    assert.deepEqual(await collect(other), { out: 'still here\n', err: '', code: 0, signal: null });
    assert.match(errors.join(), /SIGNOPE/);
    one.kill('SIGKILL');
    assert.equal((await collect(one)).signal, 'SIGKILL');
  });

  it('kills its children when the thread is lost, and reports them gone', async () => {
    const own = new Spawner(SPAWN_WORKER_SCRIPT);
    // Its own group, as restic and command environments run: the whole group goes.
    const child = await own.spawn({ file: '/bin/sh', args: ['-c', 'sleep 30 & wait'], env, detached: true });
    const errors: string[] = [];
    child.on('error', (e) => errors.push(e.message));
    const done = collect(child);
    for (let i = 0; i < 50 && runningInGroup(child.pid).length < 2; i++) await sleep(20);
    assert.equal(runningInGroup(child.pid).length, 2, 'the shell and its sleep run');
    await own.stop();
    const r = await done;
    assert.equal(r.signal, 'SIGKILL');
    assert.match(errors.join(), /thread that starts programs stopped/);
    for (let i = 0; i < 50 && runningInGroup(child.pid).length; i++) await sleep(20);
    assert.deepEqual(runningInGroup(child.pid), [], 'the shell and its sleep are gone');
    // A child that is not a group leader (execOffThread's on Windows, say) is killed by its pid.
    const single = await own.spawn({ file: 'sleep', args: ['30'], env });
    const singleDone = collect(single);
    await own.stop();
    assert.equal((await singleDone).signal, 'SIGKILL');
    for (let i = 0; i < 50 && running(single.pid); i++) await sleep(20);
    assert.equal(running(single.pid), false, 'the sleep is gone');
    // The next spawn starts a new thread.
    const again = await own.spawn({ file: 'true', args: [], env });
    assert.equal((await collect(again)).code, 0);
    await own.stop();
  });
});
