// A task stopped by its environment's timeoutMinutes must read as a timeout everywhere the user
// looks (status, error, log), never as a cancel: the fix differs (raise the limit vs. nothing).
import * as assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnvironments } from '../../../src/extension/core/environments/parse';
import { silentLogger, systemClock } from '../../../src/extension/core/ports';
import { BackupService, isStarted } from '../../../src/extension/core/service';
import { openTaskStore } from '../../../src/extension/core/store/openTaskStore';
import { TimeoutError } from '../../../src/extension/core/tasks/taskManager';
import { cleanupTemp, tempDir } from './helpers';

describe('timeout reads as a timeout', function () {
  this.timeout(30_000);
  afterEach(cleanupTemp);

  it('a command and a folder backup over their limit fail with "timed out after", and nothing says cancelled', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'src'));
    for (let i = 0; i < 3000; i++) writeFileSync(join(dir, 'src', `f${i}`), 'x'.repeat(4000));
    const { store } = await openTaskStore({ dir: join(dir, 'storage'), clock: systemClock, logger: silentLogger, bounds: { maxAgeDays: 90, maxTasks: 5000, maxLinesPerTask: 2000 } });
    const service = new BackupService({ store, clock: systemClock, logger: silentLogger, defaultCwd: dir, trusted: true });
    service.setEnvironments(parseEnvironments([
      { id: 'cmd', type: 'command', command: 'sleep 20', destination: join(dir, 'd1'), schedule: '0 3 * * *', timeoutMinutes: 0.005 },
      { id: 'dir', type: 'folder', source: join(dir, 'src'), destination: join(dir, 'd2'), schedule: '0 3 * * *', timeoutMinutes: 0.0005 },
    ], { workspaceFolder: dir, home: dir, env: {} }));
    try {
      for (const [id, limit] of [['cmd', '300 ms'], ['dir', '30 ms']]) {
        const o = service.runNow(id);
        assert.ok(isStarted(o));
        const t = await o.done;
        const log = store.logAfter(t.id, 0, 100).map((l) => `${l.level}: ${l.text}`);
        assert.equal(t.status, 'failed', id);
        assert.equal(t.error, `timed out after ${limit}`);
        assert.ok(log.every((l) => !/cancel/i.test(l)), log.join('\n'));
        if (id === 'cmd') assert.ok(log.includes(`warn: Timed out after ${limit}: stopping the command and its children`), log.join('\n'));
      }
    } finally {
      await service.dispose();
      await store.dispose();
    }
  });

  it('says minutes the way the setting does: "timed out after 20 min"', () => {
    assert.equal(new TimeoutError(20 * 60_000).message, 'timed out after 20 min');
    assert.equal(new TimeoutError(90_000).message, 'timed out after 1.5 min');
    assert.equal(new TimeoutError(45_000).message, 'timed out after 45 s');
  });
});
