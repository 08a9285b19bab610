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

async function waitForLock(repository: string): Promise<void> {
  for (let i = 0; i < 200 && !(existsSync(join(repository, 'locks')) && readdirSync(join(repository, 'locks')).length); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(readdirSync(join(repository, 'locks')).length > 0, 'the holder took a lock');
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
    assert.ok(ctx.warnings().some((w) => /Repository is locked by .* removing stale locks and trying once more/.test(w)));
    assert.deepEqual(readdirSync(join(repository, 'locks')), []);
  });

  it('a lock held by a live process is left alone: the task fails naming its host and age', async () => {
    const { repository, engine } = await newRepository();
    const holder = lockHolder(repository);
    try {
      await waitForLock(repository);
      await assert.rejects(engine.prune(makeCtx(), resticEnv({ id: 'live', repository, retention: { keepLast: 1 } }), {}), (e: Error) => {
        assert.match(e.message, new RegExp(`is locked by host ${hostname()}, PID \\d+, lock made \\S+ ago`));
        return true;
      });
    } finally {
      holder.kill('SIGINT');
      await holder.done;
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
