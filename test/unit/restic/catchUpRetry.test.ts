// After a wake, the background agent's catch-up finds its repository not there yet (a disk not
// mounted, a NAS not up): real restic, a real store, the BackupService with the agent's retry
// delays (short ones here). The catch-up waits and succeeds once the repository appears; it
// gives up with restic's error after the last delay; a scheduled run, and a catch-up failing
// for another reason (a wrong password), fail at once.
import * as assert from 'node:assert/strict';
import { mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { TaskRecord } from '../../../src/shared/model';
import { EngineRegistry } from '../../../src/extension/core/engines/registry';
import { passwordKey } from '../../../src/extension/core/engines/restic';
import { isUnreachable } from '../../../src/extension/core/engines/unreachable';
import { UnresponsiveError } from '../../../src/extension/core/fsguard/guard';
import { silentLogger, systemClock } from '../../../src/extension/core/ports';
import { BackupService, isStarted } from '../../../src/extension/core/service';
import { openTaskStore } from '../../../src/extension/core/store/openTaskStore';
import type { TaskStore } from '../../../src/extension/core/store/taskStore';
import { cleanupTemp, tempDir } from '../archive/helpers';
import { MemorySecrets, PASSWORD, restic, resticEnv, snapshots, writeTree } from './helpers';

describe('catch-up retry while the repository is unreachable (real restic)', function () {
  this.timeout(120_000);
  let store: TaskStore | undefined;
  let service: BackupService | undefined;
  afterEach(async () => {
    await service?.dispose();
    await store?.dispose();
    service = undefined;
    store = undefined;
    cleanupTemp();
  });

  async function setup(delays: number[], password = PASSWORD) {
    const dir = tempDir('catchup-');
    writeTree(dir, { 'src/a.txt': 'alpha' });
    const repository = join(dir, 'disk', 'repo');
    ({ store } = await openTaskStore({ dir: join(dir, 'storage'), clock: systemClock, logger: silentLogger, bounds: { maxAgeDays: 90, maxTasks: 5000, maxLinesPerTask: 2000 } }));
    const secrets = new MemorySecrets();
    secrets.map.set(passwordKey(repository), password);
    const engines = new EngineRegistry({ clock: systemClock, logger: silentLogger, secrets, defaultCwd: dir, settings: {} });
    service = new BackupService({ store, engines, clock: systemClock, logger: silentLogger, defaultCwd: dir, trusted: true, catchUpRetryDelaysMs: delays });
    const env = resticEnv({ id: 'notes', repository, source: join(dir, 'src') });
    return { dir, repository, env };
  }
  const logText = (t: TaskRecord) => store!.logAfter(t.id, 0, 1000).map((l) => l.text);
  const retries = (t: TaskRecord) => logText(t).filter((l) => l.startsWith('not reachable yet'));

  it('waits for a repository that appears after the start (a disk mounted late) and succeeds', async () => {
    const { dir, repository, env } = await setup([500, 1000, 2000, 4000, 8000]);
    // The repository exists, but on a "disk" that is mounted only after the catch-up started.
    const staging = join(dir, 'staging', 'repo');
    mkdirSync(join(dir, 'staging'));
    restic(staging, ['init']);
    const out = service!.startBackup(env, 'catch-up', Date.now() - 60_000);
    assert.ok(isStarted(out), out.kind);
    for (let i = 0; i < 600 && retries(out.task).length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(retries(out.task).length >= 1, true, 'a retry was logged');
    renameSync(join(dir, 'staging'), join(dir, 'disk'));
    const t = await out.done;
    assert.equal(t.status, 'succeeded', t.error ?? '');
    assert.match(retries(t)[0], /^not reachable yet \(.*there is no restic repository at .*\); after a wake or a start the network or a disk may still be coming up: try 2 of 6 in 1 s$/);
    assert.equal(snapshots(repository).length, 1);
  });

  it('gives up after the last delay with the error of the last try', async () => {
    const { env } = await setup([200, 300]);
    const out = service!.startBackup(env, 'catch-up', Date.now() - 60_000);
    assert.ok(isStarted(out));
    const t = await out.done;
    assert.equal(t.status, 'failed');
    assert.match(t.error ?? '', /there is no restic repository at/);
    assert.equal(retries(t).length, 2);
  });

  it('a scheduled run, and a catch-up that fails for another reason, fail at once', async () => {
    const { repository, env } = await setup([200, 300]);
    const scheduled = service!.startBackup(env, 'scheduled', Date.now());
    assert.ok(isStarted(scheduled));
    const s = await scheduled.done;
    assert.equal(s.status, 'failed');
    assert.deepEqual(retries(s), []);

    restic(repository, ['init'], 'another password');
    const wrong = service!.startBackup(env, 'catch-up', Date.now() - 60_000);
    assert.ok(isStarted(wrong));
    const w = await wrong.done;
    assert.equal(w.status, 'failed');
    assert.match(w.error ?? '', /wrong password/);
    assert.deepEqual(retries(w), []);
  });

  it('tells unreachable errors from others', () => {
    const sys = (code: string) => Object.assign(new Error(`connect ${code} 10.0.0.2:22`), { code });
    assert.equal(isUnreachable(sys('ECONNREFUSED')), true);
    assert.equal(isUnreachable(sys('EHOSTUNREACH')), true);
    assert.equal(isUnreachable(new Error('cannot open destination: ENOTCONN: transport endpoint is not connected')), true);
    assert.equal(isUnreachable(new UnresponsiveError('/mnt/nas', 'destination', 'The destination /mnt/nas did not respond')), true);
    assert.equal(isUnreachable(sys('ENOSPC')), false);
    assert.equal(isUnreachable(sys('EACCES')), false);
    assert.equal(isUnreachable(new Error('tar: file changed as we read it')), false);
  });
});
