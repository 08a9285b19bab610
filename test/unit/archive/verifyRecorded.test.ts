// "Verify Backup" from the palette or the Tasks view checks an archive against what its backup
// task recorded (SHA-256, file count), not only that it reads: a dump cut short, or an archive
// replaced by another well-formed one, must fail.
import * as assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnvironments } from '../../../src/extension/core/environments/parse';
import { silentLogger, systemClock } from '../../../src/extension/core/ports';
import { BackupService, isStarted } from '../../../src/extension/core/service';
import { openTaskStore } from '../../../src/extension/core/store/openTaskStore';
import type { TaskStore } from '../../../src/extension/core/store/taskStore';
import type { TaskRecord } from '../../../src/shared/model';
import { cleanupTemp, tempDir } from './helpers';

describe('Verify Backup compares with the recorded backup', function () {
  this.timeout(30_000);
  let dir: string;
  let store: TaskStore;
  let service: BackupService;

  beforeEach(async () => {
    dir = tempDir('bs-verify-');
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'src/a.txt'), 'alpha\n');
    writeFileSync(join(dir, 'src/b.txt'), 'beta\n');
    ({ store } = await openTaskStore({ dir: join(dir, 'storage'), clock: systemClock, logger: silentLogger, bounds: { maxAgeDays: 90, maxTasks: 5000, maxLinesPerTask: 2000 } }));
    service = new BackupService({ store, clock: systemClock, logger: silentLogger, defaultCwd: dir, trusted: true });
    const envs = [
      { id: 'docs', type: 'folder', source: join(dir, 'src'), destination: join(dir, 'dst'), schedule: '0 3 * * *' },
      { id: 'dump', type: 'command', command: 'seq 1 20000 > "$BACKUP_FILE"', destination: join(dir, 'dumps'), schedule: '0 3 * * *' },
    ];
    service.setEnvironments(parseEnvironments(envs, { workspaceFolder: dir, home: dir, env: {} }));
    service.start();
  });
  afterEach(async () => {
    await service.dispose();
    await store.dispose();
    cleanupTemp();
  });

  async function run(start: ReturnType<BackupService['runNow']>): Promise<TaskRecord> {
    assert.ok(isStarted(start), start.kind);
    return start.done;
  }

  it('a dump cut short fails verify (its size and SHA-256 were recorded)', async () => {
    const b = await run(service.runNow('dump'));
    assert.equal(b.status, 'succeeded', b.error ?? '');
    const path = b.result!.archivePath!;
    const good = await run(service.verify(service.environment('dump')!, path));
    assert.equal(good.status, 'succeeded', good.error ?? '');
    assert.match(good.result?.summary ?? '', /SHA-256 matches/);
    writeFileSync(path, readFileSync(path).subarray(0, 1000));
    const bad = await run(service.verify(service.environment('dump')!, path));
    assert.equal(bad.status, 'failed');
    assert.match(bad.error ?? '', /does not match what was written/);
  });

  it('an archive swapped for another well-formed one fails verify, naming the SHA-256', async () => {
    const b = await run(service.runNow('docs'));
    assert.equal(b.status, 'succeeded', b.error ?? '');
    writeFileSync(join(dir, 'src/c.txt'), 'gamma\n');
    await new Promise((r) => setTimeout(r, 1100)); // archive names have one-second precision
    const other = await run(service.runNow('docs'));
    copyFileSync(other.result!.archivePath!, b.result!.archivePath!);
    const v = await run(service.verify(service.environment('docs')!, b.result!.archivePath!));
    assert.equal(v.status, 'failed');
    assert.match(v.error ?? '', /does not match what was written: SHA-256/);
  });

  it('an archive whose backup left the history is still read back in full', async () => {
    const b = await run(service.runNow('docs'));
    await store.clearHistory();
    const v = await run(service.verify(service.environment('docs')!, b.result!.archivePath!));
    assert.equal(v.status, 'succeeded', v.error ?? '');
    assert.match(v.result?.summary ?? '', /2 files read back, SHA-256 [0-9a-f]{64}/);
  });
});
