import * as assert from 'node:assert/strict';
import { backupUriPath, entryName, normalizeEntryPath, parentEntry, parseBackupUriPath } from '../../../src/extension/core/browse/backupUri';

describe('backup: URI paths', () => {
  it('round-trips an archive path as the backup id, with the file path readable after it', () => {
    const loc = { envId: 'docs', backupId: '/home/u/backups/docs-20261129-014100.tar.gz', path: 'guide/install.md' };
    const p = backupUriPath(loc);
    assert.equal(p, '/docs/%2Fhome%2Fu%2Fbackups%2Fdocs-20261129-014100.tar.gz/guide/install.md');
    assert.deepEqual(parseBackupUriPath(p), loc);
  });

  it('round-trips ids and paths with spaces, percent signs, unicode and a restic snapshot id', () => {
    for (const loc of [
      { envId: 'a_b-1', backupId: 'C:\\backups\\x 100%.tar.gz', path: 'dir with space/ü%20.txt' },
      { envId: 'r', backupId: '4f1e2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7', path: '' },
      // A per-folder environment: its backups must be browsable and comparable too.
      { envId: 'notes@app-1a2b3c', backupId: '/b/notes@app-1a2b3c-20261129-014100.tar.gz', path: 'a.md' },
    ]) assert.deepEqual(parseBackupUriPath(backupUriPath(loc)), loc);
  });

  it('names the root of a backup without a trailing slash and accepts one', () => {
    assert.equal(backupUriPath({ envId: 'e', backupId: 'b', path: '' }), '/e/b');
    assert.equal(parseBackupUriPath('/e/b/').path, '');
    assert.equal(parseBackupUriPath('/e/b/./a//c/').path, 'a/c');
  });

  it('refuses paths that are not backup paths, saying why', () => {
    assert.throws(() => parseBackupUriPath('/docs'), /expected \/<environment>\/<backup>\/<file>/);
    assert.throws(() => parseBackupUriPath('docs/b/x'), /not a backup path/);
    assert.throws(() => parseBackupUriPath('/Docs!/b/x'), /bad environment id "Docs!"/);
    assert.throws(() => parseBackupUriPath('/docs/%E0%A4%A/x'), /not URI-encoded/);
    assert.throws(() => parseBackupUriPath('/docs//x'), /no backup/);
  });

  it('never names a path outside its backup', () => {
    assert.throws(() => parseBackupUriPath('/docs/b/../../etc/passwd'), /'\.\.' is not allowed/);
    assert.throws(() => backupUriPath({ envId: 'docs', backupId: 'b', path: 'a/../../x' }), /'\.\.' is not allowed/);
  });

  it('splits names and parents', () => {
    assert.equal(normalizeEntryPath('./a/b/'), 'a/b');
    assert.equal(entryName('a/b/c.txt'), 'c.txt');
    assert.equal(entryName('c.txt'), 'c.txt');
    assert.equal(parentEntry('a/b/c.txt'), 'a/b');
    assert.equal(parentEntry('c.txt'), '');
  });
});
