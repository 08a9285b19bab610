// Restore from restic snapshots: whole, one path, overwrite rules and path safety.
import * as assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanupTemp, makeCtx, tempDir, treeDigest } from '../archive/helpers';
import { newRepository, noise, resticEnv, writeTree } from './helpers';

async function backedUp(files: Record<string, string | Buffer>, links: Record<string, string> = {}) {
  const { repository, engine } = await newRepository();
  const src = tempDir('src-');
  writeTree(src, files);
  for (const [at, to] of Object.entries(links)) symlinkSync(to, join(src, at));
  const env = resticEnv({ id: 'r', repository, source: src });
  const r = await engine.backup(makeCtx(), env, { trigger: 'manual' });
  return { engine, env, src, id: r.snapshotId! };
}

describe('restic engine: restore', function () {
  this.timeout(60000);
  afterEach(cleanupTemp);

  it('restores the whole snapshot equal to the source, and leaves no staging folder', async () => {
    const { engine, env, src, id } = await backedUp({ 'a.txt': 'alpha', 'd/e/f.bin': noise(200_000, 3), 'd/g.txt': 'g' }, { 'd/link': 'g.txt' });
    const target = tempDir('target-');
    const r = await engine.restore(makeCtx(), env, { backupId: id, target, overwrite: false });
    assert.deepEqual(treeDigest(target), treeDigest(src));
    assert.match(r.summary!, /^4 files restored into/);
    assert.ok(!readdirSync(target).some((n) => n.startsWith('.backup-scheduler-restore-')));
  });

  it('restores one path (a file or a folder) and nothing else', async () => {
    const { engine, env, src, id } = await backedUp({ 'a.txt': 'alpha', 'd/e/f.txt': 'f', 'd/e/h.txt': 'h', 'd/g.txt': 'g', 'odd [x]*.txt': 'odd' });
    const one = tempDir('target-');
    await engine.restore(makeCtx(), env, { backupId: id, target: one, overwrite: false, paths: ['d/e'] });
    assert.deepEqual([...treeDigest(one).keys()], ['d', 'd/e', 'd/e/f.txt', 'd/e/h.txt']);
    assert.equal(readFileSync(join(one, 'd/e/f.txt'), 'utf8'), readFileSync(join(src, 'd/e/f.txt'), 'utf8'));
    const odd = tempDir('target-');
    await engine.restore(makeCtx(), env, { backupId: id, target: odd, overwrite: false, paths: ['odd [x]*.txt'] });
    assert.deepEqual(readdirSync(odd), ['odd [x]*.txt']);
    await assert.rejects(engine.restore(makeCtx(), env, { backupId: id, target: tempDir(), overwrite: false, paths: ['nope.txt'] }), /nope.txt: not found in snapshot/);
  });

  it('restoring one path with $, outer spaces or a line break in its name overwrites that file alone', async () => {
    const names = ['x$y.txt', 'xzy.txt', ' lead.txt', 'Qlead.txt', 'trail.txt ', 'trail.txtQ', 'nl\nx.txt', 'nlQx.txt'];
    const { engine, env, id } = await backedUp(Object.fromEntries(names.map((n) => [n, `${n} from backup`])));
    const target = tempDir('target-');
    for (const n of names) writeFileSync(join(target, n), 'mine');
    for (const chosen of ['x$y.txt', ' lead.txt', 'trail.txt ', 'nl\nx.txt']) {
      await engine.restore(makeCtx(), env, { backupId: id, target, overwrite: true, paths: [chosen] });
      assert.equal(readFileSync(join(target, chosen), 'utf8'), `${chosen} from backup`);
    }
    const untouched = names.filter((n) => readFileSync(join(target, n), 'utf8') === 'mine').sort();
    assert.deepEqual(untouched, ['Qlead.txt', 'nlQx.txt', 'trail.txtQ', 'xzy.txt']);
  });

  it('keeps existing files unless overwrite is set, never replaces a folder by a file, and never writes through a link in the target', async () => {
    const { engine, env, id } = await backedUp({ 'a.txt': 'from backup', 'b.txt': 'b from backup', 'sub/c.txt': 'c from backup', 'x': 'x is a file in the backup' });
    const target = tempDir('target-');
    const outside = tempDir('outside-');
    writeFileSync(join(target, 'a.txt'), 'mine');
    mkdirSync(join(target, 'x'));
    writeFileSync(join(target, 'x/keep.txt'), 'a folder of mine');
    symlinkSync(outside, join(target, 'sub')); // restoring sub/c.txt must not land in `outside`
    const ctx = makeCtx();
    const kept = await engine.restore(ctx, env, { backupId: id, target, overwrite: false });
    assert.equal(readFileSync(join(target, 'a.txt'), 'utf8'), 'mine');
    assert.equal(readFileSync(join(target, 'b.txt'), 'utf8'), 'b from backup');
    assert.match(kept.summary!, /kept/);
    assert.ok(ctx.warnings().some((w) => w.startsWith('Kept existing a.txt')));
    assert.deepEqual(readdirSync(outside), []);

    const ctx2 = makeCtx();
    await engine.restore(ctx2, env, { backupId: id, target, overwrite: true });
    assert.equal(readFileSync(join(target, 'a.txt'), 'utf8'), 'from backup');
    assert.equal(readFileSync(join(target, 'x/keep.txt'), 'utf8'), 'a folder of mine');
    assert.ok(ctx2.warnings().some((w) => /Kept existing x: is a folder in the target/.test(w)), ctx2.warnings().join('\n'));
    // With overwrite the link itself is replaced by the backup's folder; its target stays empty.
    assert.equal(readFileSync(join(target, 'sub/c.txt'), 'utf8'), 'c from backup');
    assert.deepEqual(readdirSync(outside), []);
  });

  it('never restores setuid/setgid bits', async () => {
    const { engine, env, src, id } = await backedUp({ 'tool': '#!/bin/sh\n', 'dir/x': 'x' });
    chmodSync(join(src, 'tool'), 0o6755);
    const again = await engine.backup(makeCtx(), env, { trigger: 'manual' });
    assert.notEqual(again.snapshotId, id);
    const target = tempDir('target-');
    await engine.restore(makeCtx(), env, { backupId: again.snapshotId!, target, overwrite: false });
    assert.equal(statSync(join(target, 'tool')).mode & 0o7777, 0o755);
  });

  it('refuses links in the snapshot that point outside the target', async () => {
    const { engine, env, id } = await backedUp({ 'in.txt': 'in' }, { 'up': '../../etc', 'abs': '/etc/passwd', 'ok': 'in.txt' });
    const target = tempDir('target-');
    const ctx = makeCtx();
    const r = await engine.restore(ctx, env, { backupId: id, target, overwrite: false });
    assert.deepEqual(readdirSync(target).sort(), ['in.txt', 'ok']);
    assert.match(r.summary!, /2 refused/);
    assert.ok(!existsSync(join(target, 'abs')) && !existsSync(join(target, 'up')));
  });
});
