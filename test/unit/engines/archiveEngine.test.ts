// The archive engine through the engine interface, on real archives: what the service, the
// pickers and the browse/compare UI see of it.
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnvironments } from '../../../src/extension/core/environments/parse';
import type { Environment } from '../../../src/extension/core/environments/types';
import { EngineRegistry } from '../../../src/extension/core/engines/registry';
import { silentLogger, systemClock } from '../../../src/extension/core/ports';
import { cleanupTemp, makeCtx, tempDir, treeDigest } from '../archive/helpers';

describe('archive engine (engine interface)', function () {
  this.timeout(30_000);
  afterEach(cleanupTemp);

  function setup(raw: Record<string, unknown>): { env: Environment; engines: EngineRegistry; dir: string } {
    const dir = tempDir('bs-eng-');
    if (raw.source === 'src') raw = { ...raw, source: join(dir, 'src') };
    const entries = parseEnvironments([{ id: 'docs', name: 'Docs', schedule: '0 * * * *', destination: join(dir, 'dest'), ...raw }], { workspaceFolder: dir, home: dir, env: {} });
    assert.ok(entries[0].valid, JSON.stringify(entries[0]));
    const engines = new EngineRegistry({ clock: systemClock, logger: silentLogger, secrets: { get: async () => undefined }, defaultCwd: dir, settings: {} });
    return { env: entries[0].environment, engines, dir };
  }

  it('backs up, lists the backup, its files and one file, and restores one path only', async () => {
    const { dir, env: base, engines } = setup({ type: 'folder', source: 'src' });
    const src = join(dir, 'src');
    mkdirSync(join(src, 'notes/deep'), { recursive: true });
    writeFileSync(join(src, 'a.txt'), 'alpha\n');
    writeFileSync(join(src, 'notes/deep/b.md'), 'bravo\n');
    const env = base;
    const engine = engines.for(env);
    assert.equal(engine.name, 'archive');

    const result = await engine.backup(makeCtx(), env, { trigger: 'manual' });
    const list = await engine.listBackups(env);
    assert.equal(list.length, 1);
    assert.equal(list[0].id, result.archivePath);
    assert.equal(list[0].kind, 'folder');

    const entries = await engine.listFiles(env, list[0].id);
    const byPath = new Map(entries.map((e) => [e.path, e]));
    assert.deepEqual([...byPath.keys()].sort(), ['a.txt', 'notes', 'notes/deep', 'notes/deep/b.md'], JSON.stringify(entries));
    assert.equal(byPath.get('a.txt')?.type, 'file');
    assert.equal(byPath.get('a.txt')?.size, 6);
    assert.equal(byPath.get('notes/deep')?.type, 'dir');
    assert.equal(Buffer.from(await engine.readFile(env, list[0].id, 'notes/deep/b.md')).toString(), 'bravo\n');
    await assert.rejects(engine.readFile(env, list[0].id, 'notes'), /not a file/);
    await assert.rejects(engine.readFile(env, list[0].id, 'missing.txt'), /not in/);

    const target = join(dir, 'restored');
    await engine.restore(makeCtx(), env, { backupId: list[0].id, target, overwrite: false, paths: ['notes'] });
    assert.deepEqual([...treeDigest(target).keys()], ['notes', 'notes/deep', 'notes/deep/b.md']);

    const s = await engine.summary(env);
    assert.equal(s.backupCount, 1);
    assert.equal(s.storedBytes, list[0].size);
  });

  it('refuses a backup id that is not one of this environment\'s archives', async () => {
    const { dir, env, engines } = setup({ type: 'folder', source: 'src' });
    writeFileSync(join(dir, 'other.tar.gz'), 'x');
    await assert.rejects(engines.for(env).listFiles(env, join(dir, 'other.tar.gz')), /No archive "other.tar.gz" of Docs/);
    await assert.rejects(engines.for(env).readFile(env, '/etc/passwd', 'x'), /No archive/);
  });

  it('reads and lists a backup\'s files without listing the destination each time', async () => {
    const { dir, env, engines } = setup({ type: 'folder', source: 'src' });
    mkdirSync(join(dir, 'src'), { recursive: true });
    writeFileSync(join(dir, 'src', 'a.txt'), 'alpha\n');
    const engine = engines.for(env);
    await engine.backup(makeCtx(), env, { trigger: 'manual' });
    const [b] = await engine.listBackups(env);
    // The transpiled code reaches fs.promises through the module object: counting here sees it.
    const fsp = (require('node:fs') as typeof import('node:fs')).promises as unknown as Record<string, (...a: unknown[]) => unknown>;
    const realReaddir = fsp.readdir;
    let listings = 0;
    fsp.readdir = (...a: unknown[]) => (String(a[0]) === env.destination && listings++, realReaddir(...a));
    try {
      for (let i = 0; i < 5; i++) {
        assert.equal(Buffer.from(await engine.readFile(env, b.id, 'a.txt')).toString(), 'alpha\n');
        assert.equal((await engine.listFiles(env, b.id)).length, 1);
      }
    } finally {
      fsp.readdir = realReaddir;
    }
    assert.equal(listings, 0);
  });

  it('refuses a link or a folder named like one of this environment\'s archives', async () => {
    const { dir, env, engines } = setup({ type: 'folder', source: 'src' });
    mkdirSync(join(dir, 'dest'), { recursive: true });
    const linked = join(dir, 'dest', 'docs-20260101-000000.tar.gz');
    symlinkSync(join(dir, 'elsewhere.tar.gz'), linked);
    writeFileSync(join(dir, 'elsewhere.tar.gz'), 'x');
    mkdirSync(join(dir, 'dest', 'docs-20260102-000000.tar.gz'));
    await assert.rejects(engines.for(env).readFile(env, linked, 'x'), /No archive "docs-20260101-000000.tar.gz" of Docs/);
    await assert.rejects(engines.for(env).listFiles(env, 'docs-20260102-000000.tar.gz'), /No archive/);
    writeFileSync(join(dir, 'docs-20260103-000000.tar.gz'), 'x');
    await assert.rejects(engines.for(env).listFiles(env, join(dir, 'docs-20260103-000000.tar.gz')), /No archive/, 'not in the destination');
  });

  it('restores a command dump as a file, keeping an existing one unless asked to overwrite', async () => {
    const { dir, env, engines } = setup({ type: 'command', command: 'printf dump-1 > "$BACKUP_FILE"' });
    const engine = engines.for(env);
    await engine.backup(makeCtx(), env, { trigger: 'manual' });
    const [b] = await engine.listBackups(env);
    assert.equal(b.kind, 'command');
    const [entry] = await engine.listFiles(env, b.id);
    assert.equal(Buffer.from(await engine.readFile(env, b.id, entry.path)).toString(), 'dump-1');
    const target = join(dir, 'out');
    await engine.restore(makeCtx(), env, { backupId: b.id, target, overwrite: false });
    const restored = join(target, entry.path);
    assert.equal(readFileSync(restored, 'utf8'), 'dump-1');
    writeFileSync(restored, 'mine');
    await assert.rejects(engine.restore(makeCtx(), env, { backupId: b.id, target, overwrite: false }), /already exists/);
    assert.equal(readFileSync(restored, 'utf8'), 'mine');
    await engine.restore(makeCtx(), env, { backupId: b.id, target, overwrite: true });
    assert.equal(readFileSync(restored, 'utf8'), 'dump-1');
    assert.ok(existsSync(restored));
  });

  it('names the engine a build lacks instead of failing obscurely', () => {
    const { env, engines } = setup({ type: 'folder', source: 'src' });
    assert.throws(() => engines.for({ ...env, engine: 'nope' as 'archive' }), /"nope" engine is not available/);
  });
});
