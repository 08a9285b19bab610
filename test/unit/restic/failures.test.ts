// What goes wrong with restic, and what the user is told: password, repository, program, locks,
// cancel; and where the password travels.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { passwordKey, ResticEngine } from '../../../src/extension/core/engines/restic';
import { cleanupTemp, makeCtx, tempDir } from '../archive/helpers';
import { deps, engineFor, MemorySecrets, newRepository, noise, PASSWORD, resticEnv, snapshots, usePrivateTmpdir, writeTree } from './helpers';

/** A bare restic process that holds a lock on the repository until it is stopped. */
function lockHolder(repository: string): { done: Promise<void>; kill(sig: NodeJS.Signals): void } {
  const child = spawn('restic', ['backup', '--stdin', '--stdin-filename', 'held'], { env: { ...process.env, RESTIC_REPOSITORY: repository, RESTIC_PASSWORD: PASSWORD }, stdio: ['pipe', 'ignore', 'ignore'] });
  const done = new Promise<void>((r) => child.once('exit', () => r()));
  return { done, kill: (sig) => child.kill(sig) };
}

/** Lock files in place (restic writes `<id>-tmp-…` first, then renames it). */
function lockFiles(repository: string): string[] {
  const dir = join(repository, 'locks');
  return existsSync(dir) ? readdirSync(dir).filter((n) => !n.includes('-tmp')) : [];
}

async function waitForLock(repository: string, count = 1): Promise<void> {
  for (let i = 0; i < 200 && lockFiles(repository).length < count; i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(lockFiles(repository).length >= count, 'the holder took a lock');
}

/** A restic that records each run's arguments, then runs the real one. */
function recordingRestic(): { path: string; calls: () => string[] } {
  const dir = tempDir('wrap-');
  const path = join(dir, 'restic');
  writeFileSync(path, `#!/bin/sh\necho "$*" >> "${dir}/calls"\nexec restic "$@"\n`);
  chmodSync(path, 0o755);
  return { path, calls: () => (existsSync(join(dir, 'calls')) ? readFileSync(join(dir, 'calls'), 'utf8').trim().split('\n') : []) };
}

describe('restic engine: failures', function () {
  this.timeout(60000);
  const privateTmp = usePrivateTmpdir();
  afterEach(cleanupTemp);

  it('a wrong password fails saying how to set it', async () => {
    const { repository } = await newRepository();
    const secrets = new MemorySecrets();
    secrets.map.set(passwordKey(repository), 'not the password');
    const engine = new ResticEngine(deps(secrets));
    const src = tempDir();
    writeTree(src, { 'a.txt': 'a' });
    await assert.rejects(engine.backup(makeCtx(), resticEnv({ id: 'pw', repository, source: src }), { trigger: 'scheduled' }), /wrong password for restic repository .*"Set Repository Password…"/);
    // restic gave up before reading the exclude pipe: nothing of ours is left waiting on it.
    assert.deepEqual(readdirSync(privateTmp()).filter((n) => n.startsWith('backup-scheduler-restic-')), []);
  });

  it('no password at all fails before restic runs, saying how to set one', async () => {
    const { repository } = await newRepository();
    const engine = new ResticEngine(deps(new MemorySecrets()));
    await assert.rejects(engine.listBackups(resticEnv({ id: 'pw', repository })), /No password is set for restic repository .*"Set Repository Password…".*passwordFile/);
  });

  it('a missing repository is never created by a backup: the error says "Initialize Repository…"', async () => {
    const repository = join(tempDir(), 'not-yet');
    const { engine } = engineFor(repository);
    const src = tempDir();
    writeTree(src, { 'a.txt': 'a' });
    await assert.rejects(engine.backup(makeCtx(), resticEnv({ id: 'm', repository, source: src }), { trigger: 'scheduled' }), /there is no restic repository at .*not-yet\. Run "Initialize Repository…"/);
    assert.equal(existsSync(repository), false);
    await engine.init(makeCtx(), resticEnv({ id: 'm', repository }));
    await assert.rejects(engine.init(makeCtx(), resticEnv({ id: 'm', repository })), /already is a restic repository/);
  });

  it('a missing source folder fails before restic runs and says which', async () => {
    const { repository, engine } = await newRepository();
    const env = resticEnv({ id: 'nosrc', repository, source: join(tempDir(), 'gone') });
    await assert.rejects(engine.backup(makeCtx(), env, { trigger: 'scheduled' }), /Source folder .*gone does not exist/);
    assert.deepEqual(snapshots(repository), []);
  });

  it('a missing or too old restic program names the setting and how to install', async () => {
    const env = resticEnv({ id: 'bin', repository: '/nowhere' });
    const missing = new ResticEngine(deps(new MemorySecrets(), '/opt/none/restic'));
    await assert.rejects(missing.backup(makeCtx(), env, { trigger: 'scheduled' }), /restic was not found at \/opt\/none\/restic \(setting backupScheduler\.restic\.path\).*install/);
    const old = join(tempDir(), 'restic');
    writeFileSync(old, '#!/bin/sh\necho "restic 0.9.6 compiled with go1.13.8 on linux/amd64"\n');
    chmodSync(old, 0o755);
    const tooOld = new ResticEngine(deps(new MemorySecrets(), old));
    await assert.rejects(tooOld.listBackups(env), /restic 0\.9\.6 at .* is too old: 0\.14\.0 or newer is needed.*backupScheduler\.restic\.path/);
    const broken = join(tempDir(), 'restic');
    writeFileSync(broken, '#!/bin/sh\necho "error while loading shared libraries: libfoo.so" >&2\nexit 127\n');
    chmodSync(broken, 0o755);
    const notRestic = new ResticEngine(deps(new MemorySecrets(), broken));
    await assert.rejects(notRestic.listBackups(env), /\/restic does not run as restic \(`restic version` failed: exit code 127: error while loading shared libraries: libfoo\.so\); check backupScheduler\.restic\.path/);
  });

  it('the password travels in the environment only, never on the command line', async () => {
    const { repository } = await newRepository();
    const dir = tempDir();
    const wrapper = join(dir, 'restic');
    // Records what each run of restic got, then runs the real one.
    writeFileSync(wrapper, `#!/bin/sh\nprintf '%s\\n' "ARGS $*" "ENV $RESTIC_PASSWORD" >> "${dir}/calls"\nexec restic "$@"\n`);
    chmodSync(wrapper, 0o755);
    const secrets = new MemorySecrets();
    secrets.map.set(passwordKey(repository), PASSWORD);
    const engine = new ResticEngine(deps(secrets, wrapper));
    const src = tempDir();
    writeTree(src, { 'a.txt': 'a' });
    const env = resticEnv({ id: 'argv', repository, source: src });
    const ctx = makeCtx();
    await engine.backup(ctx, env, { trigger: 'manual' });
    const calls = readFileSync(join(dir, 'calls'), 'utf8').split('\n');
    assert.ok(calls.some((l) => l.startsWith('ARGS backup --json')));
    assert.ok(calls.filter((l) => l.startsWith('ARGS')).every((l) => !l.includes(PASSWORD) && !l.includes(repository)), 'neither password nor repository in argv');
    for (let i = 0; i + 1 < calls.length; i += 2) {
      // `restic version` (finding the program) gets no secrets at all.
      assert.equal(calls[i + 1], calls[i] === 'ARGS version' ? 'ENV ' : `ENV ${PASSWORD}`, calls[i]);
    }
    assert.ok(ctx.logs.every((l) => !l.text.includes(PASSWORD)));
  });

  it('passwordFile and passwordCommand open the repository (the password through the environment)', async () => {
    const { repository } = await newRepository();
    const pwFile = join(tempDir(), 'pw');
    writeFileSync(pwFile, `${PASSWORD}\n`);
    const engine = new ResticEngine(deps(new MemorySecrets()));
    assert.deepEqual(await engine.listBackups(resticEnv({ id: 'f', repository, passwordFile: pwFile })), []);
    assert.deepEqual(await engine.listBackups(resticEnv({ id: 'c', repository, passwordCommand: `cat ${pwFile}` })), []);
  });

  it('a stale lock left by a SIGKILLed restic is cleared with unlock and the operation retried', async () => {
    const { repository, engine } = await newRepository();
    const holder = lockHolder(repository);
    await waitForLock(repository);
    holder.kill('SIGKILL');
    await holder.done;
    assert.equal(readdirSync(join(repository, 'locks')).length, 1, 'the dead process left its lock');
    const ctx = makeCtx();
    const r = await engine.verify(ctx, resticEnv({ id: 'stale', repository }), {}); // check needs the repository alone
    assert.match(r.summary!, /no errors found/);
    assert.ok(ctx.warnings().some((w) => /Repository is locked by .*: that process is gone from this machine, so its stale lock is removed/.test(w)));
    assert.deepEqual(readdirSync(join(repository, 'locks')), []);
  });

  it('a lock held by a live process is never unlocked: the task waits with back-off, then fails naming the lock', async () => {
    const { repository, secrets } = await newRepository();
    const wrap = recordingRestic();
    const engine = new ResticEngine(deps(secrets, wrap.path), undefined, [200, 400, 800]);
    const holder = lockHolder(repository);
    try {
      await waitForLock(repository);
      const lockId = lockFiles(repository)[0];
      const ctx = makeCtx();
      await assert.rejects(engine.prune(ctx, resticEnv({ id: 'live', repository, retention: { keepLast: 1 } }), {}), (e: Error) => {
        assert.match(e.message, new RegExp(`is locked by host ${hostname()}, PID \\d+, lock made \\S+ ago \\(lock ${lockId.slice(0, 8)}\\)`));
        assert.match(e.message, /Unlock Repository…/);
        assert.match(e.message, /\(waited 1 s\)$/);
        return true;
      });
      assert.deepEqual(ctx.logs.filter((l) => /waiting \d+ s before trying again/.test(l.text)).length, 3, 'three pauses');
      assert.equal(wrap.calls().filter((c) => c.startsWith('forget')).length, 4, 'four tries');
      assert.deepEqual(wrap.calls().filter((c) => c.startsWith('unlock')), [], 'restic unlock never ran');
      assert.deepEqual(lockFiles(repository), [lockId], 'the live lock is still there');
    } finally {
      holder.kill('SIGINT');
      await holder.done;
    }
  });

  it('waiting for a live lock succeeds once its holder is done', async () => {
    const { repository, secrets } = await newRepository();
    const wrap = recordingRestic();
    const engine = new ResticEngine(deps(secrets, wrap.path), undefined, [500, 1000, 2000, 4000, 8000, 16000]);
    const holder = lockHolder(repository);
    await waitForLock(repository);
    const done = setTimeout(() => holder.kill('SIGINT'), 1500);
    try {
      const ctx = makeCtx();
      const r = await engine.verify(ctx, resticEnv({ id: 'later', repository }), {});
      assert.match(r.summary!, /no errors found/);
      assert.ok(ctx.logs.some((l) => /Repository is locked by .*: waiting \d+ s before trying again/.test(l.text)));
      assert.deepEqual(wrap.calls().filter((c) => c.startsWith('unlock')), [], 'restic unlock never ran');
    } finally {
      clearTimeout(done);
      holder.kill('SIGINT');
      await holder.done;
    }
  });

  it('Unlock Repository: lists the locks first (host, PID, stale or not); stale ones only without "all", every one with it', async () => {
    const { repository, engine } = await newRepository();
    const env = resticEnv({ id: 'locks', repository });
    const dead = lockHolder(repository);
    await waitForLock(repository);
    dead.kill('SIGKILL');
    await dead.done;
    const live = lockHolder(repository);
    try {
      await waitForLock(repository, 2);
      const locks = await engine.locks(env);
      assert.equal(locks.length, 2);
      assert.deepEqual(locks.map((l) => l.stale).sort(), [false, true]);
      for (const l of locks) {
        assert.equal(l.host, hostname());
        assert.ok(l.pid && l.pid > 0 && l.time && Date.now() - l.time < 600_000 && l.exclusive === false);
      }
      const r1 = await engine.unlock(makeCtx(), env, { all: false });
      assert.match(r1.summary!, /^1 lock removed, 1 left$/);
      assert.deepEqual((await engine.locks(env)).map((l) => l.stale), [false]);
      const r2 = await engine.unlock(makeCtx(), env, { all: true });
      assert.match(r2.summary!, /^1 lock removed$/);
      assert.deepEqual(await engine.locks(env), []);
    } finally {
      live.kill('SIGKILL'); // its lock is gone: restic would try to remove it on SIGINT for a while
      await live.done;
    }
  });

  it('cancel mid-backup stops restic cleanly: no snapshot, no lock left', async () => {
    const { repository, engine } = await newRepository();
    const src = tempDir();
    writeTree(src, { 'big1.bin': noise(40_000_000, 1), 'big2.bin': noise(40_000_000, 2) });
    const env = resticEnv({ id: 'cancel', repository, source: src });
    // The first status line from restic: it holds its lock and is reading the source.
    const ctx = makeCtx({ onProgress: (p, c) => p.current !== 'scanning source' && c.abort() });
    await assert.rejects(engine.backup(ctx, env, { trigger: 'manual' }), /Backup cancelled/);
    assert.deepEqual(snapshots(repository), []);
    assert.deepEqual(readdirSync(join(repository, 'locks')), [], 'restic removed its lock on SIGINT');
  });
});
