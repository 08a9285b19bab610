// The core wired together for real: sql.js store, real engines, real files and GNU tar.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnvironments } from '../../../src/extension/core/environments/parse';
import { silentLogger, systemClock } from '../../../src/extension/core/ports';
import { BackupService, isStarted } from '../../../src/extension/core/service';
import { EngineRegistry } from '../../../src/extension/core/engines/registry';
import { openTaskStore } from '../../../src/extension/core/store/openTaskStore';
import type { TaskStore } from '../../../src/extension/core/store/taskStore';
import type { TaskRecord } from '../../../src/shared/model';

describe('BackupService (real store, real engines)', function () {
  this.timeout(30_000);
  let dir: string;
  let store: TaskStore;
  let service: BackupService;

  async function make(envs: Record<string, unknown>[], opts: { trusted?: boolean; workspaceIds?: string[] } = {}) {
    ({ store } = await openTaskStore({ dir: join(dir, 'storage'), clock: systemClock, logger: silentLogger, bounds: { maxAgeDays: 90, maxTasks: 5000, maxLinesPerTask: 2000 } }));
    const engines = new EngineRegistry({ clock: systemClock, logger: silentLogger, secrets: { get: async () => undefined }, defaultCwd: dir, settings: {} });
    service = new BackupService({ store, engines, clock: systemClock, logger: silentLogger, defaultCwd: dir, trusted: opts.trusted ?? true });
    service.setEnvironments(parseEnvironments(envs, { workspaceFolder: dir, home: dir, env: {}, workspaceIds: new Set(opts.workspaceIds ?? []) }));
    service.start();
  }

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'bs-service-'));
    mkdirSync(join(dir, 'src/sub'), { recursive: true });
    writeFileSync(join(dir, 'src/a.txt'), 'alpha\n');
    writeFileSync(join(dir, 'src/sub/b.txt'), 'beta\n');
  });
  afterEach(async () => {
    await service?.dispose();
    await store?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  const all = (): TaskRecord[] => store.queryTasks({ sort: 'id', limit: 100 }).rows;

  it('Run now backs up a folder, then verifies and prunes it as follow-up tasks', async () => {
    await make([{ id: 'docs', name: 'Docs', type: 'folder', source: '${workspaceFolder}/src', destination: join(dir, 'dst'), schedule: '0 3 * * *', verify: true, retention: { keepLast: 1 } }]);
    const out = service.runNow('docs');
    assert.ok(isStarted(out), out.kind);
    const backup = await out.done;
    assert.equal(backup.status, 'succeeded', backup.error ?? '');
    const archive = backup.result!.archivePath!;
    assert.match(archive, /docs-\d{8}-\d{6}\.tar\.gz$/);
    const listed = execFileSync('tar', ['-tzf', archive], { encoding: 'utf8' }).split('\n').filter(Boolean).sort();
    assert.ok(listed.some((l) => l.endsWith('a.txt')) && listed.some((l) => l.endsWith('sub/b.txt')), listed.join());
    assert.deepEqual(all().map((t) => `${t.kind}:${t.status}`), ['backup:succeeded', 'verify:succeeded', 'prune:succeeded']);
    assert.equal(service.tasks.isBusy('docs'), false);
  });

  it('a second Run now while the first runs starts nothing and reports busy', async () => {
    await make([{ id: 'dump', name: 'Dump', type: 'command', command: 'sleep 1; echo data > "$BACKUP_FILE"', destination: join(dir, 'dst'), schedule: '0 3 * * *' }]);
    const first = service.runNow('dump');
    assert.ok(isStarted(first));
    const second = service.runNow('dump');
    assert.equal(second.kind, 'busy');
    assert.equal((await first.done).status, 'succeeded');
    assert.equal(all().length, 1);
    assert.deepEqual(readdirSync(join(dir, 'dst')).filter((n) => n.startsWith('dump-')).length, 1);
  });

  it('a command environment from workspace settings is blocked while the workspace is untrusted, and runs once trusted', async () => {
    await make([{ id: 'dump', name: 'Dump', type: 'command', command: 'echo x > "$BACKUP_FILE"', destination: join(dir, 'dst'), schedule: '* * * * *' }], { trusted: false, workspaceIds: ['dump'] });
    const blocked = service.runNow('dump');
    assert.equal(blocked.kind, 'blocked');
    assert.deepEqual(service.scheduler.scheduledIds(), [], 'not scheduled while untrusted');
    service.setTrusted(true);
    assert.deepEqual(service.scheduler.scheduledIds(), ['dump']);
    const out = service.runNow('dump');
    assert.ok(isStarted(out));
    assert.equal((await out.done).status, 'succeeded');
  });

  it('a missing source fails with a clear message and leaves no archive', async () => {
    await make([{ id: 'gone', name: 'Gone', type: 'folder', source: join(dir, 'nope'), destination: join(dir, 'dst'), schedule: '0 3 * * *' }]);
    const out = service.runNow('gone');
    assert.ok(isStarted(out));
    const t = await out.done;
    assert.equal(t.status, 'failed');
    assert.match(t.error ?? '', /nope/);
    let names: string[] = [];
    try {
      names = readdirSync(join(dir, 'dst'));
    } catch {
      /* no destination folder is fine too */
    }
    assert.deepEqual(names.filter((n) => n.endsWith('.tar.gz')), []);
  });

  it('retry runs the same environment again as a manual task', async () => {
    await make([{ id: 'docs', name: 'Docs', type: 'folder', source: join(dir, 'src'), destination: join(dir, 'dst'), schedule: '0 3 * * *' }]);
    const first = service.runNow('docs');
    assert.ok(isStarted(first));
    const t = await first.done;
    await new Promise((r) => setTimeout(r, 1100)); // archive names have one-second precision
    const again = service.retry(t.id);
    assert.ok(isStarted(again));
    assert.equal((await again.done).status, 'succeeded');
    assert.equal(readdirSync(join(dir, 'dst')).filter((n) => n.endsWith('.tar.gz')).length, 2);
  });
});
