// The core wired together for a restic environment: settings parsed, the service's task flow
// (backup, then verify and prune as follow-ups), the history feeding skipIfUnchanged, all with
// the real store and the real restic.
import * as assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { EngineRegistry } from '../../../src/extension/core/engines/registry';
import { passwordKey } from '../../../src/extension/core/engines/restic';
import { parseEnvironments } from '../../../src/extension/core/environments/parse';
import { silentLogger, systemClock } from '../../../src/extension/core/ports';
import { BackupService, isStarted } from '../../../src/extension/core/service';
import { openTaskStore } from '../../../src/extension/core/store/openTaskStore';
import type { TaskStore } from '../../../src/extension/core/store/taskStore';
import { cleanupTemp, tempDir } from '../archive/helpers';
import { MemorySecrets, newRepository, noise, PASSWORD, snapshots, startRestServer, writeTree } from './helpers';

describe('BackupService with a restic environment (real store, real restic)', function () {
  this.timeout(120_000);
  let store: TaskStore | undefined;
  let service: BackupService | undefined;
  afterEach(async () => {
    await service?.dispose();
    await store?.dispose();
    cleanupTemp();
  });

  it('backup → check → forget as one chain; an unchanged re-run makes no snapshot', async () => {
    const { repository } = await newRepository();
    const dir = tempDir('svc-');
    writeTree(dir, { 'src/a.txt': 'alpha', 'src/b.txt': 'beta' });
    ({ store } = await openTaskStore({ dir: join(dir, 'storage'), clock: systemClock, logger: silentLogger, bounds: { maxAgeDays: 90, maxTasks: 5000, maxLinesPerTask: 2000 } }));
    const secrets = new MemorySecrets();
    secrets.map.set(passwordKey(repository), PASSWORD);
    const engines = new EngineRegistry({ clock: systemClock, logger: silentLogger, secrets, defaultCwd: dir, settings: {} });
    service = new BackupService({ store, engines, clock: systemClock, logger: silentLogger, defaultCwd: dir, trusted: true });
    const entries = parseEnvironments(
      [{ id: 'notes', type: 'folder', source: '${workspaceFolder}/src', engine: 'restic', repository, schedule: '0 3 * * *', verify: true, verifyDataSubset: '100%', retention: { keepLast: 1 }, skipIfUnchanged: true }],
      { workspaceFolder: dir, home: dir, env: {} },
    );
    assert.ok(entries[0].valid, entries[0].valid ? '' : entries[0].errors.join('; '));
    service.setEnvironments(entries);
    service.start();

    const run = async () => {
      const out = service!.runNow('notes');
      assert.ok(isStarted(out), out.kind);
      const t = await out.done;
      assert.equal(t.status, 'succeeded', t.error ?? '');
      // Follow-ups run after the backup's own record is final; wait until nothing runs.
      for (let i = 0; i < 600 && service!.tasks.isBusy('notes'); i++) await new Promise((r) => setTimeout(r, 100));
      return t;
    };
    const first = await run();
    writeTree(dir, { 'src/c.txt': 'new' });
    const second = await run();
    const rows = () => store!.queryTasks({ sort: 'id', limit: 100 }).rows;
    assert.deepEqual(rows().map((t) => `${t.kind}:${t.status}`), ['backup:succeeded', 'verify:succeeded', 'prune:succeeded', 'backup:succeeded', 'verify:succeeded', 'prune:succeeded']);
    assert.match(rows()[2].result!.summary!, /^0 snapshots forgotten, 1 kept/);
    assert.match(rows()[5].result!.summary!, /^1 snapshot forgotten, 1 kept/);
    assert.deepEqual(snapshots(repository).map((s) => s.id), [second.result!.snapshotId]);
    assert.notEqual(first.result!.snapshotId, second.result!.snapshotId);

    const third = await run();
    assert.match(third.result!.summary!, /^no changes since/);
    assert.equal(third.result!.snapshotId, second.result!.snapshotId);
    assert.equal(snapshots(repository).length, 1);
    assert.equal(rows().length, 7, 'an unchanged run has no follow-ups');
  });

  it('timeoutMinutes stops restic mid-upload (SIGINT): the task fails as timed out, no snapshot, no lock left', async () => {
    // A REST server throttled to 200 kB/s makes the upload take seconds on any machine.
    const server = await startRestServer(['--bwlimit', '200k']);
    try {
      const repository = `${server.url}slow`;
      const dir = tempDir('svc-');
      writeTree(dir, { 'src/big.bin': noise(2_500_000, 4) });
      ({ store } = await openTaskStore({ dir: join(dir, 'storage'), clock: systemClock, logger: silentLogger, bounds: { maxAgeDays: 90, maxTasks: 5000, maxLinesPerTask: 2000 } }));
      const secrets = new MemorySecrets();
      secrets.map.set(passwordKey(repository), PASSWORD);
      const engines = new EngineRegistry({ clock: systemClock, logger: silentLogger, secrets, defaultCwd: dir, settings: {} });
      service = new BackupService({ store, engines, clock: systemClock, logger: silentLogger, defaultCwd: dir, trusted: true });
      const entries = parseEnvironments([{ id: 'slow', type: 'folder', source: '${workspaceFolder}/src', engine: 'restic', repository, schedule: '0 3 * * *', timeoutMinutes: 0.03 }], { workspaceFolder: dir, home: dir, env: {} });
      service.setEnvironments(entries);
      service.start();
      const init = service.initRepository(entries[0].valid ? entries[0].environment : assert.fail('invalid'));
      assert.ok(isStarted(init));
      assert.equal((await init.done).status, 'succeeded');
      const out = service.runNow('slow');
      assert.ok(isStarted(out));
      const t = await out.done;
      assert.equal(t.status, 'failed');
      assert.match(t.error!, /timed out after/);
      const onDisk = join(server.dir, 'slow');
      assert.deepEqual(snapshots(onDisk), []);
      assert.deepEqual(readdirSync(join(onDisk, 'locks')), [], 'restic removed its lock before exiting');
    } finally {
      await server.stop();
    }
  });
});
