// One repository, several environments and operations at once; and a real remote repository
// (restic's REST protocol served by `rclone serve restic` on loopback).
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Environment } from '../../../src/extension/core/environments/types';
import { cleanupTemp, makeCtx, tempDir, treeDigest } from '../archive/helpers';
import { passwordKey } from '../../../src/extension/core/engines/restic';
import { engineFor, newRepository, noise, resticEnv, snapshots, startRestServer, writeTree } from './helpers';

describe('restic engine: shared and remote repositories', function () {
  this.timeout(120000);
  afterEach(cleanupTemp);

  it('two environments back up into one repository at the same time; a check asked meanwhile waits for both', async () => {
    const { repository, engine } = await newRepository();
    const envs: Environment[] = ['one', 'two'].map((id, i) => {
      const src = tempDir(`${id}-`);
      writeTree(src, { 'data.bin': noise(15_000_000, i + 1), [`${id}.txt`]: id });
      return resticEnv({ id, repository, source: src });
    });
    const events: string[] = [];
    const ctxs = envs.map(() => makeCtx());
    const running = envs.map((env, i) =>
      engine.backup(ctxs[i], env, { trigger: 'scheduled' }).then((r) => {
        events.push(`backup ${env.id} done`);
        return r;
      }),
    );
    // Each backup logs its restic command line once it holds the repository (shared) and starts
    // restic. Waiting on that, not on restic's status lines: a small backup may print none.
    const started = (i: number) => ctxs[i].logs.some((l) => l.level === 'debug' && /^restic .*\bbackup\b/.test(l.text));
    while (!(started(0) && started(1))) await new Promise((r) => setTimeout(r, 10));
    const stillRunning = events.length < 2;
    const checkCtx = makeCtx();
    const checked = engine.verify(checkCtx, resticEnv({ id: 'one', repository }), {}).then((r) => {
      events.push('check done');
      return r;
    });
    const [a, b] = await Promise.all(running);
    await checked;
    // Backups of one repository share it: neither waited for the other.
    for (const ctx of ctxs) assert.ok(!ctx.logs.some((l) => /^Waiting for other operations on repository/.test(l.text)), ctx.logs.map((l) => l.text).join('\n'));
    // The check holds the repository alone: it ends after both, and waited if one still ran.
    assert.equal(events[2], 'check done', events.join(', '));
    if (stillRunning) assert.ok(checkCtx.logs.some((l) => /^Waiting for other operations on repository/.test(l.text)), checkCtx.logs.map((l) => l.text).join('\n'));
    const snaps = snapshots(repository);
    assert.deepEqual(snaps.map((s) => s.id).sort(), [a.snapshotId, b.snapshotId].sort());
    assert.deepEqual(snaps.find((s) => s.id === a.snapshotId)!.tags!.sort(), ['backup-scheduler', 'env:one']);
    assert.deepEqual(snaps.find((s) => s.id === b.snapshotId)!.tags!.sort(), ['backup-scheduler', 'env:two']);
    assert.deepEqual((await engine.listBackups(envs[1])).map((s) => s.id), [b.snapshotId]);
  });

  it('a local repository inside the source is left out of the source\'s backup', async () => {
    const src = tempDir('src-');
    writeTree(src, { 'a.txt': 'a' });
    const repository = join(src, '.restic');
    const { engine } = engineFor(repository);
    const env = resticEnv({ id: 'inside', repository, source: src });
    await engine.init(makeCtx(), env);
    const r = await engine.backup(makeCtx(), env, { trigger: 'manual' });
    assert.deepEqual((await engine.listFiles(env, r.snapshotId!)).map((f) => f.path), ['a.txt']);
  });

  it('a remote repository over REST (rclone serve restic): init, backup, list, read, restore, prune, check', async () => {
    const server = await startRestServer();
    try {
      const repository = `${server.url}remote1`;
      const { engine } = engineFor(repository);
      const src = tempDir('src-');
      writeTree(src, { 'a.txt': 'alpha', 'd/b.bin': noise(300_000, 9) });
      const env = resticEnv({ id: 'remote', repository, source: src, retention: { keepLast: 1 } });
      await assert.rejects(engine.backup(makeCtx(), env, { trigger: 'scheduled' }), /no restic repository at rest:http.*"Initialize Repository…"/);
      await engine.init(makeCtx(), env);
      const first = await engine.backup(makeCtx(), env, { trigger: 'scheduled' });
      writeTree(src, { 'c.txt': 'new' });
      const second = await engine.backup(makeCtx(), env, { trigger: 'scheduled' });
      assert.deepEqual((await engine.listBackups(env)).map((s) => s.id), [second.snapshotId, first.snapshotId]);
      assert.equal(Buffer.from(await engine.readFile(env, second.snapshotId!, 'c.txt')).toString(), 'new');
      const target = tempDir('target-');
      await engine.restore(makeCtx(), env, { backupId: second.snapshotId!, target, overwrite: false });
      assert.deepEqual(treeDigest(target), treeDigest(src));
      assert.match((await engine.prune(makeCtx(), env, { newestGoodId: second.snapshotId })).summary!, /^1 snapshot forgotten, 1 kept/);
      assert.match((await engine.verify(makeCtx(), env, {})).summary!, /no errors found/);
      assert.equal(readFileSync(join(target, 'c.txt'), 'utf8'), 'new');
    } finally {
      await server.stop();
    }
  });

  it('an unreachable remote repository says so (not "missing" and not "wrong password")', async () => {
    const server = await startRestServer();
    const repository = `${server.url}gone`;
    await server.stop();
    const { engine } = engineFor(repository);
    await assert.rejects(engine.listBackups(resticEnv({ id: 'down', repository })), /cannot reach restic repository rest:http/);
  });

  it('a password in the repository URL never reaches a log line, a result or an error', async () => {
    const server = await startRestServer(['--user', 'me', '--pass', 'url-secret-42']);
    try {
      const repository = `rest:http://me:url-secret-42@127.0.0.1:${server.port}/private`;
      const { engine, secrets } = engineFor(repository);
      const src = tempDir('src-');
      writeTree(src, { 'a.txt': 'a' });
      const env = resticEnv({ id: 'url', repository, source: src });
      const ctxs = [makeCtx(), makeCtx(), makeCtx()];
      await engine.init(ctxs[0], env);
      const r = await engine.backup(ctxs[1], env, { trigger: 'manual' });
      secrets.map.set(passwordKey(repository), 'wrong');
      const err = await engine.backup(ctxs[2], env, { trigger: 'manual' }).then(() => undefined, (e: Error) => e);
      assert.match(err!.message, /wrong password for restic repository rest:http:\/\/me:\*\*\*@127\.0\.0\.1/);
      const everything = [err!.message, JSON.stringify(r), ...ctxs.flatMap((c) => c.logs.map((l) => l.text))].join('\n');
      assert.ok(!everything.includes('url-secret-42'), everything);
      assert.ok(ctxs[1].logs.some((l) => l.text.includes('me:***@')));
    } finally {
      await server.stop();
    }
  });

  it('backendEnv reaches the backend with ${secret:NAME} and ${env:VAR} resolved (an rclone remote defined only by variables)', async () => {
    const dir = tempDir('rclone-');
    const repository = `rclone:viaenv:${join(dir, 'repo')}`;
    process.env.BACKUP_SCHEDULER_TEST_RCLONE_FLAG = 'true';
    try {
      const { engine, secrets } = engineFor(repository);
      const env = resticEnv({
        id: 'rcl',
        repository,
        source: tempDir('src-'),
        // The remote's type comes from SecretStorage: unresolved, rclone finds no such remote.
        backendEnv: { RCLONE_CONFIG_VIAENV_TYPE: '${secret:remote-type}', RCLONE_CONFIG_VIAENV_COPY_LINKS: '${env:BACKUP_SCHEDULER_TEST_RCLONE_FLAG}' },
      });
      await assert.rejects(engine.init(makeCtx(), env), /backendEnv\.RCLONE_CONFIG_VIAENV_TYPE uses \$\{secret:remote-type\}, but no secret "remote-type" is stored/);
      secrets.map.set('secret:remote-type', 'local');
      await engine.init(makeCtx(), env);
      writeTree(env.source!, { 'a.txt': 'through rclone' });
      const r = await engine.backup(makeCtx(), env, { trigger: 'manual' });
      assert.equal(Buffer.from(await engine.readFile(env, r.snapshotId!, 'a.txt')).toString(), 'through rclone');
      assert.deepEqual(snapshots(join(dir, 'repo')).map((s) => s.id), [r.snapshotId]);
    } finally {
      delete process.env.BACKUP_SCHEDULER_TEST_RCLONE_FLAG;
    }
  });
});
