// A `backup:` URI names a snapshot id, and anyone can write one (a link, a restored editor, a
// workspace file). The engine opens only this environment's own snapshots, made on this machine,
// as the archive engine opens only its environment's archives: not another environment's, not
// another machine's with the same environment id, not one made by hand in the same repository.
import * as assert from 'node:assert/strict';
import { cleanupTemp, makeCtx, tempDir } from '../archive/helpers';
import { newRepository, restic, resticEnv, snapshots, writeTree } from './helpers';

describe('restic engine: only own snapshots are opened', function () {
  this.timeout(120_000);
  afterEach(cleanupTemp);

  it('listFiles, readFile and restore refuse snapshots of other environments, other hosts and by hand', async () => {
    const { repository, engine } = await newRepository();
    const srcA = tempDir('a-');
    const srcB = tempDir('b-');
    writeTree(srcA, { 'a.txt': 'mine' });
    writeTree(srcB, { 'b.txt': 'other environment' });
    const a = resticEnv({ id: 'a', repository, source: srcA });
    const b = resticEnv({ id: 'b', repository, source: srcB });
    const own = (await engine.backup(makeCtx(), a, { trigger: 'manual' })).snapshotId!;
    const otherEnv = (await engine.backup(makeCtx(), b, { trigger: 'manual' })).snapshotId!;
    restic(repository, ['backup', '--host', 'other-machine', '--tag', 'backup-scheduler,env:a', srcA]);
    restic(repository, ['backup', srcA]);
    const otherHost = snapshots(repository, '--host', 'other-machine')[0].id;
    const byHand = snapshots(repository).find((s) => !s.tags)!.id;

    assert.deepEqual((await engine.listBackups(a)).map((s) => s.id), [own], 'the list holds this machine\'s snapshots of a only');
    assert.deepEqual((await engine.listFiles(a, own)).map((e) => e.path), ['a.txt']);
    assert.equal(Buffer.from(await engine.readFile(a, own, 'a.txt')).toString(), 'mine');
    assert.equal(Buffer.from(await engine.readFile(a, own.slice(0, 8), 'a.txt')).toString(), 'mine', 'a short id of an own snapshot opens');

    for (const id of [otherEnv, otherHost, byHand, otherEnv.slice(0, 8)]) {
      const refused = (e: Error) => /is not a backup of a made on this machine/.test(e.message);
      await assert.rejects(engine.listFiles(a, id), refused, id);
      await assert.rejects(engine.readFile(a, id, 'b.txt'), refused, id);
      await assert.rejects(engine.restore(makeCtx(), a, { backupId: id, target: tempDir('t-'), overwrite: false }), refused, id);
    }
  });
});
