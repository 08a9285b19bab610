// Archives hold whatever the source held: they, the folders we make for them, and the log of the
// command that made them must not hand a secret to another user of the machine or to a screenshot.
import * as assert from 'node:assert/strict';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCommandBackup, runFolderBackup } from '../../../src/extension/core/engines/archive/operations';
import { parseEnvironments } from '../../../src/extension/core/environments/parse';
import { silentLogger, systemClock } from '../../../src/extension/core/ports';
import { BackupService, isStarted } from '../../../src/extension/core/service';
import { openTaskStore } from '../../../src/extension/core/store/openTaskStore';
import { maskSecrets } from '../../../src/extension/core/util/maskSecrets';
import { cleanupTemp, makeCtx, tempDir } from './helpers';

const mode = (p: string) => statSync(p).mode & 0o777;

describe('private archives', function () {
  this.timeout(30_000);
  let umask: number;
  // The usual desktop umask: files 0644 and folders 0755 unless we ask for less.
  beforeEach(() => (umask = process.umask(0o022)));
  afterEach(() => {
    process.umask(umask);
    cleanupTemp();
  });

  it('a folder archive is 0600 and the destination folders we create are 0700; an existing folder keeps its mode', async () => {
    const src = tempDir();
    writeFileSync(join(src, 'a.txt'), 'secret\n');
    const root = tempDir();
    const dest = join(root, 'made/by/us');
    const r = await runFolderBackup(makeCtx(), { envId: 'e', source: src, destination: dest, exclude: [], useGitignore: false, skipIfUnchanged: false });
    assert.equal(mode(r.archivePath!).toString(8), '600');
    for (const d of ['made', 'made/by', 'made/by/us']) assert.equal(mode(join(root, d)).toString(8), '700', d);
    const shared = join(root, 'shared');
    mkdirSync(shared, { mode: 0o755 });
    await runFolderBackup(makeCtx(), { envId: 'e', source: src, destination: shared, exclude: [], useGitignore: false, skipIfUnchanged: false });
    assert.equal(mode(shared).toString(8), '755');
  });

  it('a dump is 0600 from its first byte, also when the command moves a file of its own into place', async () => {
    const dest = join(tempDir(), 'dumps');
    const seen = join(tempDir(), 'seen');
    const r = await runCommandBackup(makeCtx(), { envId: 'db', destination: dest, cwd: tempDir(), command: `echo one > "$BACKUP_FILE"; stat -c %a "$BACKUP_FILE" > ${seen}` });
    assert.equal(readFileSync(seen, 'utf8').trim(), '600', 'mode while the command was writing');
    assert.equal(mode(r.archivePath!).toString(8), '600');
    assert.equal(mode(dest).toString(8), '700');
    const moved = await runCommandBackup(makeCtx(), { envId: 'db2', destination: dest, cwd: tempDir(), command: 'echo two > t; chmod 644 t; mv t "$BACKUP_FILE"' });
    assert.equal(mode(moved.archivePath!).toString(8), '600');
  });

  it('the command gets only what it needs from the host environment, unless inheritEnv', async () => {
    process.env.BS_TEST_TOKEN = 'host-secret';
    process.env.ELECTRON_RUN_AS_NODE = '1';
    try {
      const dest = tempDir();
      const r = await runCommandBackup(makeCtx(), { envId: 'db', destination: dest, cwd: tempDir(), command: 'env > "$BACKUP_FILE"', env: { FROM_SETTINGS: 'yes' } });
      const names = readFileSync(r.archivePath!, 'utf8').split('\n').map((l) => l.split('=')[0]);
      for (const n of ['PATH', 'HOME', 'BACKUP_FILE', 'BACKUP_DIR', 'BACKUP_ENV_ID', 'BACKUP_TIMESTAMP', 'FROM_SETTINGS']) assert.ok(names.includes(n), `${n} missing: ${names.join(' ')}`);
      assert.ok(!names.includes('BS_TEST_TOKEN') && !names.includes('ELECTRON_RUN_AS_NODE'), names.join(' '));
      assert.ok(names.every((n) => !n.startsWith('VSCODE_')), names.join(' '));
      const all = await runCommandBackup(makeCtx(), { envId: 'db2', destination: dest, cwd: tempDir(), command: 'env > "$BACKUP_FILE"', inheritEnv: true });
      assert.match(readFileSync(all.archivePath!, 'utf8'), /^BS_TEST_TOKEN=host-secret$/m);
    } finally {
      delete process.env.BS_TEST_TOKEN;
      delete process.env.ELECTRON_RUN_AS_NODE;
    }
  });

  it('inheritEnv is read from the settings, as true or false only', () => {
    const base = { id: 'db', type: 'command', command: 'x', destination: '/tmp/d', schedule: '0 3 * * *' };
    const [on, off, bad] = parseEnvironments([{ ...base, inheritEnv: true }, { ...base, id: 'db2' }, { ...base, id: 'db3', inheritEnv: 'yes' }], { workspaceFolder: '/w', home: '/h', env: {} });
    assert.ok(on.valid && on.environment.inheritEnv === true);
    assert.ok(off.valid && off.environment.inheritEnv === false);
    assert.ok(!bad.valid && bad.errors.some((e) => /"inheritEnv" must be true or false/.test(e)), JSON.stringify(bad));
  });

  it('the task log and tasks.db keep no password from the command line or its output', async () => {
    const dir = tempDir();
    const { store } = await openTaskStore({ dir: join(dir, 'storage'), clock: systemClock, logger: silentLogger, bounds: { maxAgeDays: 90, maxTasks: 5000, maxLinesPerTask: 2000 } });
    const service = new BackupService({ store, clock: systemClock, logger: silentLogger, defaultCwd: dir, trusted: true });
    const command =
      'PGPASSWORD=hunter2 true --password=hunter2 "postgresql://app:hunter2@db.example/x"; ' +
      'echo "retrying postgresql://app:hunter2@db.example/x"; echo "FATAL: MYSQL_PWD=hunter2 rejected" >&2; exit 2';
    service.setEnvironments(parseEnvironments([{ id: 'db', type: 'command', command, destination: join(dir, 'd'), schedule: '0 3 * * *' }], { workspaceFolder: dir, home: dir, env: {} }));
    try {
      const o = service.runNow('db');
      assert.ok(isStarted(o));
      const t = await o.done;
      assert.equal(t.status, 'failed');
      const lines = store.logAfter(t.id, 0, 100).map((l) => l.text);
      assert.ok(lines.some((l) => l.startsWith('Running: PGPASSWORD=*** true --password=*** "postgresql://app:***@db.example/x"')), lines.join('\n'));
      assert.ok(lines.some((l) => l === 'retrying postgresql://app:***@db.example/x'), lines.join('\n'));
      assert.match(t.error ?? '', /exit code 2: FATAL: MYSQL_PWD=\*\*\* rejected/);
      await store.flush();
      assert.ok(!readFileSync(join(dir, 'storage', 'tasks.db')).includes('hunter2'), 'tasks.db holds the password');
    } finally {
      await service.dispose();
      await store.dispose();
    }
  });

  it('masks the usual forms of secrets and leaves ordinary commands alone', () => {
    const cases: [string, string][] = [
      ['PGPASSWORD=hunter2 pg_dump mydb > "$BACKUP_FILE"', 'PGPASSWORD=*** pg_dump mydb > "$BACKUP_FILE"'],
      ["export PGPASSWORD='hunter 2'; pg_dump -h db mydb", 'export PGPASSWORD=***; pg_dump -h db mydb'],
      ['AWS_SECRET_ACCESS_KEY="hun ter2" aws s3 cp s3://b/k "$BACKUP_FILE"', 'AWS_SECRET_ACCESS_KEY=*** aws s3 cp s3://b/k "$BACKUP_FILE"'],
      ['set "PGPASSWORD=hunter2" && pg_dump mydb > "%BACKUP_FILE%"', 'set "PGPASSWORD=***" && pg_dump mydb > "%BACKUP_FILE%"'],
      ["$env:PGPASSWORD = 'hunter2'; pg_dump", '$env:PGPASSWORD = ***; pg_dump'],
      ['restic --password=hunter2 backup .', 'restic --password=*** backup .'],
      ['tool --api-key hunter2 --out x', 'tool --api-key *** --out x'],
      ['pg_dump "postgresql://app:hunter2@db:5432/mydb"', 'pg_dump "postgresql://app:***@db:5432/mydb"'],
      ['mongodump --uri=mongodb+srv://u:hunter2@cluster/db', 'mongodump --uri=mongodb+srv://u:***@cluster/db'],
      ['mysqldump -u root -phunter2 mydb', 'mysqldump -u root -p*** mydb'],
      ['curl -u admin:hunter2 -H "Authorization: Bearer hunter2" https://x/y', 'curl -u admin:*** -H "Authorization: Bearer ***" https://x/y'],
      // Left alone: a file holding the password, a flag without a value, a port, a date format.
      ['tool --password-file /etc/pw --no-password mydb', 'tool --password-file /etc/pw --no-password mydb'],
      ['psql -p 5432 mydb', 'psql -p 5432 mydb'],
      ['tar czf "$BACKUP_FILE" --exclude=node_modules . # $(date +%Y%m%d)', 'tar czf "$BACKUP_FILE" --exclude=node_modules . # $(date +%Y%m%d)'],
    ];
    for (const [line, want] of cases) assert.equal(maskSecrets(line), want);
  });
});
