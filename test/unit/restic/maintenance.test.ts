// Retention and check against the real restic.
import * as assert from 'node:assert/strict';
import { openSync, readdirSync, readSync, statSync, writeSync, closeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { cleanupTemp, makeCtx, tempDir } from '../archive/helpers';
import { newRepository, noise, restic, resticEnv, snapshots, writeTree } from './helpers';

function packFiles(repository: string): string[] {
  const out: string[] = [];
  const data = join(repository, 'data');
  for (const d of readdirSync(data)) for (const f of readdirSync(join(data, d))) out.push(join(data, d, f));
  return out;
}

describe('restic engine: retention and check', function () {
  this.timeout(120000);
  afterEach(cleanupTemp);

  it('prune forgets only this environment\'s snapshots: another environment\'s and foreign ones survive', async () => {
    const { repository, engine } = await newRepository();
    const srcA = tempDir('a-');
    const srcB = tempDir('b-');
    const a = resticEnv({ id: 'a', repository, source: srcA, retention: { keepLast: 1 } });
    const b = resticEnv({ id: 'b', repository, source: srcB, retention: { keepLast: 1 } });
    const madeA: string[] = [];
    for (let i = 0; i < 3; i++) {
      writeTree(srcA, { [`v${i}.txt`]: `a ${i}` });
      madeA.push((await engine.backup(makeCtx(), a, { trigger: 'manual' })).snapshotId!);
    }
    writeTree(srcB, { 'b.txt': 'b' });
    const madeB = [(await engine.backup(makeCtx(), b, { trigger: 'manual' })).snapshotId!];
    writeTree(srcB, { 'b2.txt': 'b2' });
    madeB.push((await engine.backup(makeCtx(), b, { trigger: 'manual' })).snapshotId!);
    // Foreign: made by hand, one without tags, one tagged env:a but not by us.
    restic(repository, ['backup', '--tag', 'env:a', srcA]);
    restic(repository, ['backup', srcB]);
    const foreign = snapshots(repository).filter((s) => !s.tags?.includes('backup-scheduler')).map((s) => s.id);
    assert.equal(foreign.length, 2);

    const ctx = makeCtx();
    const r = await engine.prune(ctx, a, { newestGoodId: madeA[2] });
    assert.match(r.summary!, /^2 snapshots forgotten, 1 kept/);
    const left = snapshots(repository).map((s) => s.id).sort();
    assert.deepEqual(left, [madeA[2], ...madeB, ...foreign].sort());
    assert.deepEqual((await engine.listBackups(a)).map((s) => s.id), [madeA[2]]);
    restic(repository, ['check']); // the prune left a consistent repository
  });

  it('prune forgets only this machine\'s snapshots: another host\'s snapshots of the same environment survive', async () => {
    // Two machines with the same environment id (settings sync) back up into one repository.
    const { repository, engine } = await newRepository();
    const src = tempDir('shared-');
    const env = resticEnv({ id: 'same', repository, source: src, retention: { keepLast: 1 } });
    const mine: string[] = [];
    const theirs: string[] = [];
    for (let i = 0; i < 3; i++) {
      writeTree(src, { [`v${i}.txt`]: `v ${i}` });
      mine.push((await engine.backup(makeCtx(), env, { trigger: 'manual' })).snapshotId!);
      // The other machine: same tags, its own host name (restic's --host, as that machine's restic would record it).
      restic(repository, ['backup', '--host', 'other-machine', '--tag', 'backup-scheduler,env:same', src]);
    }
    for (const s of snapshots(repository, '--host', 'other-machine')) theirs.push(s.id);
    assert.equal(theirs.length, 3);
    assert.ok(snapshots(repository, '--host', hostname()).length === 3, 'this host\'s snapshots carry os.hostname()');

    const r = await engine.prune(makeCtx(), env, { newestGoodId: mine[2] });
    assert.match(r.summary!, /^2 snapshots forgotten, 1 kept/);
    assert.deepEqual(snapshots(repository).map((s) => s.id).sort(), [mine[2], ...theirs].sort());
  });

  it('prune records the repository\'s size after it (restic stats --mode raw-data), the overview\'s stored size', async () => {
    const { repository, engine } = await newRepository();
    const src = tempDir();
    const env = resticEnv({ id: 'sized', repository, source: src, retention: { keepLast: 1 } });
    for (let i = 0; i < 2; i++) {
      writeTree(src, { [`v${i}.bin`]: noise(200_000, i + 1) });
      await engine.backup(makeCtx(), env, { trigger: 'manual' });
    }
    const ctx = makeCtx();
    const r = await engine.prune(ctx, env, {});
    const stats = JSON.parse(restic(repository, ['stats', '--json', '--mode', 'raw-data']).split('\n').find((l) => l.startsWith('{'))!) as { total_size: number };
    assert.ok(stats.total_size > 0);
    assert.equal(r.storedSize, stats.total_size);
  });

  it('prune without any count above 0 forgets nothing', async () => {
    const { repository, engine } = await newRepository();
    const src = tempDir();
    writeTree(src, { 'x.txt': 'x' });
    const env = resticEnv({ id: 'none', repository, source: src, retention: { keepLast: 0 } });
    await engine.backup(makeCtx(), env, { trigger: 'manual' });
    const r = await engine.prune(makeCtx(), env, {});
    assert.equal(r.summary, 'no retention policy');
    assert.equal(snapshots(repository).length, 1);
  });

  it('check passes on a sound repository and fails, naming the damage, on a damaged pack file', async () => {
    const { repository, engine } = await newRepository();
    const src = tempDir();
    writeTree(src, { 'big.bin': noise(3_000_000, 5), 'small.txt': 'hello' });
    const env = resticEnv({ id: 'chk', repository, source: src, verifyDataSubset: '100%' });
    await engine.backup(makeCtx(), env, { trigger: 'manual' });
    const ok = await engine.verify(makeCtx(), env, {});
    assert.match(ok.summary!, /no errors found \(read 100% of the data\)/);

    // Flip bytes in the middle of the largest pack (the file's data), keeping its size.
    const pack = packFiles(repository).sort((x, y) => statSync(y).size - statSync(x).size)[0];
    const fd = openSync(pack, 'r+');
    const at = Math.floor(statSync(pack).size / 2);
    const buf = Buffer.alloc(64);
    readSync(fd, buf, 0, 64, at);
    for (let i = 0; i < buf.length; i++) buf[i] ^= 0xff;
    writeSync(fd, buf, 0, 64, at);
    closeSync(fd);

    const ctx = makeCtx();
    await assert.rejects(engine.verify(ctx, env, {}), (e: Error) => /Check found errors in restic repository/.test(e.message) && e.message.includes(pack.split('/').pop()!.slice(0, 8)));
    assert.ok(ctx.logs.some((l) => l.level === 'error'));
  });
});
