// restic reads that a browse, a compare and a tooltip make: one folder at a time, single paths
// for the marks, cancellation down to the restic process, one `stats` for hovers that overlap,
// and a passwordCommand run once for a short while rather than once per restic process.
import * as assert from 'node:assert/strict';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ListingCache } from '../../../src/extension/core/browse/listingCache';
import { markChoices } from '../../../src/extension/core/browse/markChoices';
import { ResticEngine } from '../../../src/extension/core/engines/restic';
import { PASSWORD_KEEP_MS } from '../../../src/extension/core/engines/restic/passwordCommand';
import type { Environment } from '../../../src/extension/core/environments/types';
import { silentLogger } from '../../../src/extension/core/ports';
import { cleanupTemp, makeCtx, tempDir } from '../archive/helpers';
import { deps, MemorySecrets, newRepository, PASSWORD, resticEnv, writeTree } from './helpers';

/** A restic that records each run (pid and arguments), and sleeps instead of running `ls` while `slow` exists. */
function recordingRestic(): { path: string; calls: () => { pid: number; args: string }[]; slow: string } {
  const dir = tempDir('wrap-');
  const path = join(dir, 'restic');
  writeFileSync(path, `#!/bin/sh\necho "$$ $*" >> "${dir}/calls"\nif [ "$1" = ls ] && [ -e "${dir}/slow" ]; then exec sleep 60; fi\nexec restic "$@"\n`);
  chmodSync(path, 0o755);
  return {
    path,
    slow: join(dir, 'slow'),
    calls: () => (existsSync(join(dir, 'calls')) ? readFileSync(join(dir, 'calls'), 'utf8').trim().split('\n').map((l) => ({ pid: Number(l.split(' ')[0]), args: l.slice(l.indexOf(' ') + 1) })) : []),
  };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

function cacheOver(engine: ResticEngine, env: Environment): ListingCache {
  return new ListingCache({
    listsFolders: () => true,
    listFiles: (_e, id, s) => engine.listFiles(env, id, s),
    listFolder: (_e, id, d, s) => engine.listFolder(env, id, d, s),
    statEntry: (_e, id, p, s) => engine.statEntry(env, id, p, s),
  });
}

describe('restic engine: bounded, cancellable reads', function () {
  this.timeout(120_000);
  afterEach(cleanupTemp);

  it('lists one folder, looks up one path, and marks a file without listing any snapshot whole', async () => {
    const { repository, secrets } = await newRepository();
    const wrap = recordingRestic();
    const engine = new ResticEngine(deps(secrets, wrap.path));
    const src = tempDir('src-');
    writeTree(src, { 'a.txt': 'a', 'docs/x.md': 'x', 'docs/deep/y.md': 'y', 'docs2/z.md': 'z', 'we ird$ [1].txt': 'w' });
    const env = resticEnv({ id: 'f', repository, source: src });
    const first = (await engine.backup(makeCtx(), env, { trigger: 'manual' })).snapshotId!;
    writeTree(src, { 'docs/x.md': 'x, edited' });
    const second = (await engine.backup(makeCtx(), env, { trigger: 'manual' })).snapshotId!;

    assert.deepEqual((await engine.listFolder(env, second, '')).map((e) => `${e.type}:${e.path}`).sort(), ['dir:docs', 'dir:docs2', 'file:a.txt', 'file:we ird$ [1].txt']);
    assert.deepEqual((await engine.listFolder(env, second, 'docs')).map((e) => `${e.type}:${e.path}`).sort(), ['dir:docs/deep', 'file:docs/x.md']);
    assert.deepEqual(await engine.listFolder(env, second, 'nothing'), []);
    assert.equal((await engine.statEntry(env, second, 'docs/deep/y.md'))?.size, 1);
    assert.equal((await engine.statEntry(env, second, 'we ird$ [1].txt'))?.type, 'file');
    assert.equal((await engine.statEntry(env, second, 'docs'))?.type, 'dir');
    assert.equal(await engine.statEntry(env, second, 'docs/none.md'), undefined);

    const before = wrap.calls().length;
    const marks: unknown[] = [];
    const cache = cacheOver(engine, env);
    await markChoices((await engine.listBackups(env)).map((backup) => ({ holder: { env, rel: 'docs/x.md' }, backup })), {
      entry: (_e, id, p, s) => cache.lookup(env.id, id, p, s),
      readBackup: (_e, id, p, s) => engine.readFile(env, id, p, s),
      current: { size: 9, mtime: Date.now() },
      readCurrent: async () => Buffer.from('x, edited'),
      onMark: (i, m, e) => (marks[i] = m ?? e),
    });
    assert.deepEqual(marks, ['same', 'different']);
    const ls = wrap.calls().slice(before).filter((c) => c.args.startsWith('ls '));
    assert.equal(ls.length, 2, 'one lookup a snapshot');
    for (const c of ls) assert.match(c.args, /^ls --json --no-lock [0-9a-f]{64} \/docs\/x\.md$/, 'a path is always given: no whole listing');
    assert.ok([first, second].every((id) => ls.some((c) => c.args.includes(id))));
  });

  it('giving up (a closed picker) kills the restic process; a shared listing survives one caller giving up', async () => {
    const { repository, secrets } = await newRepository();
    const wrap = recordingRestic();
    const engine = new ResticEngine(deps(secrets, wrap.path));
    const src = tempDir('src-');
    writeTree(src, { 'a.txt': 'a' });
    const env = resticEnv({ id: 'c', repository, source: src });
    const id = (await engine.backup(makeCtx(), env, { trigger: 'manual' })).snapshotId!;
    await engine.listFolder(env, id, ''); // the snapshot is known to be ours: the next call is the `ls` itself
    const lsCalls = () => wrap.calls().filter((c) => c.args.startsWith('ls '));
    const lsBefore = lsCalls().length;
    writeFileSync(wrap.slow, '');
    const cache = cacheOver(engine, env);
    const picker = new AbortController();
    const view = new AbortController();
    const fromPicker = cache.children(env.id, id, '', picker.signal);
    const fromView = cache.children(env.id, id, '', view.signal);
    let ls: { pid: number } | undefined;
    for (let i = 0; i < 600 && !ls; i++) {
      ls = lsCalls()[lsBefore];
      if (!ls) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(ls && alive(ls.pid), 'restic ls started');
    picker.abort();
    await assert.rejects(fromPicker, /cancelled/);
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(alive(ls.pid), 'the view still waits for it');
    view.abort();
    await assert.rejects(fromView, /cancelled/);
    for (let i = 0; i < 300 && alive(ls.pid); i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(!alive(ls.pid), 'restic was stopped when nobody waited any more');
    assert.equal(lsCalls().length, lsBefore + 1, 'both callers shared one restic ls');
  });

  it('tooltip hovers share one summary, and passwordCommand runs once per 5 minutes, not once per restic run', async () => {
    const { repository } = await newRepository();
    const wrap = recordingRestic();
    const dir = tempDir('pw-');
    const command = join(dir, 'keychain');
    writeFileSync(command, `#!/bin/sh\necho run >> "${dir}/runs"\nprintf '%s\\n' '${PASSWORD}'\n`);
    chmodSync(command, 0o755);
    const runs = () => readFileSync(join(dir, 'runs'), 'utf8').trim().split('\n').length;
    let offset = 0;
    const d = deps(new MemorySecrets(), wrap.path);
    const engine = new ResticEngine({ ...d, clock: { now: () => Date.now() + offset, monotonic: () => performance.now() + offset }, logger: silentLogger });
    const env = resticEnv({ id: 'pw', repository, passwordCommand: command });
    const [a, b] = await Promise.all([engine.summary(env), engine.summary(env)]);
    assert.equal(a.backupCount, 0);
    assert.deepEqual(a, b);
    assert.equal(wrap.calls().filter((c) => c.args.startsWith('stats')).length, 1, 'one `stats` for two hovers');
    await engine.listBackups(env);
    await engine.listBackups(env);
    assert.ok(wrap.calls().length >= 5);
    assert.equal(runs(), 1, 'the password command ran once for all those restic runs');
    offset += PASSWORD_KEEP_MS + 1000;
    await engine.listBackups(env);
    assert.equal(runs(), 2, 'and again once the kept password expired');
  });
});
