// An archive's index (`<archive>.idx`) lies beside it in the destination, where anyone who can
// write there can change it. A wrong or planted index can make a read or a restore fail; it can
// never make a full restore skip entries, a read allocate what it claims, or a reader use an
// index other than the one the backup recorded in the history.
import * as assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { clearArchiveIndexCache, listArchiveEntries, readArchiveFile, restoreArchive, runFolderBackup } from '../../../src/extension/core/engines/archive/operations';
import { LocalBackups } from '../../../src/extension/core/backups';
import { EngineRegistry } from '../../../src/extension/core/engines/registry';
import { parseEnvironments } from '../../../src/extension/core/environments/parse';
import { silentLogger, systemClock } from '../../../src/extension/core/ports';
import { BackupService, isStarted } from '../../../src/extension/core/service';
import { openTaskStore } from '../../../src/extension/core/store/openTaskStore';
import { cleanupTemp, makeCtx, tempDir, treeDigest } from './helpers';

function writeTree(files: Record<string, string>): string {
  const src = tempDir('src-');
  for (const [rel, body] of Object.entries(files)) writeFileSync(join(src, rel), body);
  return src;
}

async function backupOf(src: string) {
  const r = await runFolderBackup(makeCtx(), { envId: 'e', source: src, destination: tempDir('dst-'), exclude: [], useGitignore: false, skipIfUnchanged: false, chunkSize: 4096 });
  return r;
}

type IdxFile = { tarSize: number; members: { c: number[]; u: number[] }; entries: [string, string, number, number, number, number, number][] };
const readIdx = (archive: string) => JSON.parse(readFileSync(`${archive}.idx`, 'utf8')) as IdxFile;
const writeIdx = (archive: string, idx: IdxFile) => writeFileSync(`${archive}.idx`, JSON.stringify(idx));

const FILES: Record<string, string> = {};
for (let i = 0; i < 12; i++) FILES[`f${String(i).padStart(2, '0')}.txt`] = `file ${i} `.repeat(900 + i * 50);

describe('archive index planted or damaged beside the archive', function () {
  this.timeout(60000);
  beforeEach(clearArchiveIndexCache);
  afterEach(cleanupTemp);

  it('a full restore reads from byte 0 to the end: an index that starts late or ends early leaves nothing out', async () => {
    const src = writeTree(FILES);
    const r = await backupOf(src);
    const idx = readIdx(r.archivePath!);
    assert.ok(idx.members.c.length > 4, `only ${idx.members.c.length} members`);
    // Drop the first members and entries, and say the stream ends before the last entry.
    const firstKept = idx.entries.findIndex((e) => e[5] >= idx.members.u[2]);
    const dropped = idx.entries.slice(0, firstKept).map((e) => e[0]);
    idx.entries = idx.entries.slice(firstKept, -1);
    idx.tarSize = idx.entries.at(-1)![6] + idx.entries.at(-1)![2];
    writeIdx(r.archivePath!, idx);
    const target = tempDir('target-');
    await restoreArchive(makeCtx(), { archivePath: r.archivePath!, target, overwrite: false });
    assert.deepEqual(treeDigest(target), treeDigest(src), `dropped from the index: ${dropped.join(', ')} and the last entry`);
  });

  it('an entry claiming a huge size is not allocated: the read returns the file (the index is rebuilt)', async () => {
    const r = await backupOf(writeTree(FILES));
    const idx = readIdx(r.archivePath!);
    const row = idx.entries.find((e) => e[0] === 'f05.txt')!;
    row[2] = 2 ** 40;
    idx.tarSize = 2 ** 41;
    writeIdx(r.archivePath!, idx);
    assert.equal(Buffer.from(await readArchiveFile(r.archivePath!, 'f05.txt')).toString(), FILES['f05.txt']);
  });

  it('with the history\'s record, an index that is not the recorded one is not used (a hidden file reappears)', async () => {
    const r = await backupOf(writeTree({ ...FILES, 'secret.txt': 'kept safe\n' }));
    assert.match(r.indexSha256 ?? '', /^[0-9a-f]{64}$/, 'the backup records its index\'s hash');
    const recorded = { sha256: r.sha256, indexSha256: r.indexSha256 };
    // A planted index that is valid in every other way: the same archive, one entry left out.
    const idx = readIdx(r.archivePath!);
    idx.entries = idx.entries.filter((e) => e[0] !== 'secret.txt');
    writeIdx(r.archivePath!, idx);
    assert.ok(!(await listArchiveEntries(r.archivePath!)).some((e) => e.path === 'secret.txt'), 'without a record the planted index is all there is');
    clearArchiveIndexCache();
    assert.ok((await listArchiveEntries(r.archivePath!, undefined, recorded)).some((e) => e.path === 'secret.txt'));
    // Also when the planted index was already in memory.
    clearArchiveIndexCache();
    await listArchiveEntries(r.archivePath!);
    assert.equal(Buffer.from(await readArchiveFile(r.archivePath!, 'secret.txt', undefined, recorded)).toString(), 'kept safe\n');
    const target = tempDir('target-');
    writeIdx(r.archivePath!, idx);
    clearArchiveIndexCache();
    await restoreArchive(makeCtx(), { archivePath: r.archivePath!, target, overwrite: false, paths: ['secret.txt'], recorded });
    assert.equal(readFileSync(join(target, 'secret.txt'), 'utf8'), 'kept safe\n');
  });

  it('Browse and Restore through the service use the record: a planted index hides nothing', async () => {
    const dir = tempDir('svc-');
    const src = writeTree({ ...FILES, 'secret.txt': 'kept safe\n' });
    const { store } = await openTaskStore({ dir: join(dir, 'storage'), clock: systemClock, logger: silentLogger, bounds: { maxAgeDays: 90, maxTasks: 5000, maxLinesPerTask: 2000 } });
    const engines = new EngineRegistry({ clock: systemClock, logger: silentLogger, secrets: { get: async () => undefined }, defaultCwd: dir, settings: {} });
    const service = new BackupService({ store, engines, clock: systemClock, logger: silentLogger, defaultCwd: dir, trusted: true });
    const backups = new LocalBackups(service, store, engines);
    try {
      service.setEnvironments(parseEnvironments([{ id: 'e', name: 'E', type: 'folder', source: src, destination: join(dir, 'dst'), schedule: '0 3 * * *' }], { workspaceFolder: dir, home: dir, env: {}, workspaceIds: new Set() }));
      const until = async (id: number) => {
        while (store.getTask(id)?.finishedAt == null) await new Promise((r) => setTimeout(r, 50));
        return store.getTask(id)!;
      };
      const run = service.runNow('e');
      assert.ok(isStarted(run));
      const made = await until(run.task.id);
      assert.equal(made.status, 'succeeded', made.error ?? '');
      const archive = made.result!.archivePath!;
      const idx = readIdx(archive);
      idx.entries = idx.entries.filter((e) => e[0] !== 'secret.txt');
      writeIdx(archive, idx);
      clearArchiveIndexCache();
      assert.ok((await backups.listFiles('e', archive)).some((e) => e.path === 'secret.txt'));
      assert.equal(Buffer.from(await backups.readFile('e', archive, 'secret.txt')).toString(), 'kept safe\n');
      writeIdx(archive, idx);
      clearArchiveIndexCache();
      const target = tempDir('target-');
      const restore = service.restore(service.environment('e')!, { backupId: archive, target, overwrite: false, paths: ['secret.txt'] });
      assert.ok(isStarted(restore));
      const restored = await until(restore.task.id);
      assert.equal(restored.status, 'succeeded', restored.error ?? '');
      assert.equal(readFileSync(join(target, 'secret.txt'), 'utf8'), 'kept safe\n');
    } finally {
      await service.dispose();
      await store.dispose();
    }
  });
});
