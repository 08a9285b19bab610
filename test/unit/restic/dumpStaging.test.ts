// A command environment's dump (restic engine) waits for `restic backup --stdin` on disk beside
// restic's cache (~/.cache/backup-scheduler-dumps), not in the system temp folder, which is often
// RAM-backed: a dump of several GB must not fill memory. Real restic, real commands.
import * as assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanupTemp, makeCtx, tempDir } from '../archive/helpers';
import { newRepository, restic, resticEnv, snapshots, usePrivateTmpdir } from './helpers';

describe('restic engine: where a command dump is staged', function () {
  this.timeout(60000);
  const privateTmp = usePrivateTmpdir();
  let cache: string;
  let saved: string | undefined;
  beforeEach(() => {
    cache = tempDir('cache-');
    saved = process.env.XDG_CACHE_HOME;
    process.env.XDG_CACHE_HOME = cache;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.XDG_CACHE_HOME;
    else process.env.XDG_CACHE_HOME = saved;
    cleanupTemp();
  });

  const staging = () => join(cache, 'backup-scheduler-dumps');

  it('stages the dump in a private folder beside restic\'s cache, never in the temp folder, and removes it', async () => {
    const { repository, engine } = await newRepository();
    const marker = join(tempDir('marker-'), 'where');
    // The command tells where it wrote, the staging folder's mode, and what the temp folder held meanwhile.
    const command = `echo "$BACKUP_FILE" > "${marker}"; stat -c %a "$BACKUP_DIR" >> "${marker}"; ls -A "${privateTmp()}" | tr "\\n" " " >> "${marker}"; echo >> "${marker}"; head -c 300000 /dev/zero > "$BACKUP_FILE"`;
    const env = resticEnv({ id: 'dumpy', type: 'command', repository, source: tempDir(), command });
    const r = await engine.backup(makeCtx(), env, { trigger: 'manual' });
    const [file, mode, inTmp] = readFileSync(marker, 'utf8').trim().split('\n');
    assert.ok(file.startsWith(join(staging(), 'dumpy-')), file);
    assert.equal(mode, '700');
    assert.deepEqual(inTmp.trim().split(' ').filter((n) => n.startsWith('backup-scheduler-')), [], 'nothing staged in the temp folder');
    assert.equal(snapshots(repository).length, 1);
    assert.equal(restic(repository, ['dump', r.snapshotId!, '/dumpy.dump']).length, 300000);
    assert.deepEqual(readdirSync(staging()), [], 'the dump folder is removed');
  });

  it('a failing command leaves no snapshot and no staged dump', async () => {
    const { repository, engine } = await newRepository();
    const env = resticEnv({ id: 'bad', type: 'command', repository, source: tempDir(), command: 'echo partial > "$BACKUP_FILE"; exit 2' });
    await assert.rejects(engine.backup(makeCtx(), env, { trigger: 'manual' }), /exit code 2/);
    assert.deepEqual(snapshots(repository), []);
    assert.deepEqual(readdirSync(staging()), []);
  });

  it('when the staging folder cannot be made, the temp folder is used and the log says so', async () => {
    const { repository, engine } = await newRepository();
    const blocker = join(tempDir('blocked-'), 'file');
    writeFileSync(blocker, '');
    process.env.XDG_CACHE_HOME = join(blocker, 'cache'); // below a regular file: mkdir fails
    mkdirSync(privateTmp(), { recursive: true });
    const env = resticEnv({ id: 'fallback', type: 'command', repository, source: tempDir(), command: 'echo data > "$BACKUP_FILE"' });
    const ctx = makeCtx();
    await engine.backup(ctx, env, { trigger: 'manual' });
    assert.ok(ctx.warnings().some((w) => /Cannot stage the dump in .*backup-scheduler-dumps .*using the system temp folder/.test(w)), ctx.warnings().join('\n'));
    assert.equal(snapshots(repository).length, 1);
    assert.deepEqual(readdirSync(privateTmp()).filter((n) => n.startsWith('backup-scheduler-dump-')), []);
  });
});
