// Entry paths as tar headers may spell them, and the one form every reader (index, restore,
// Browse) compares: the common already-normal path takes a shortcut, so odd forms are pinned here.
import * as assert from 'node:assert/strict';
import { normalizeEntryPath } from '../../../src/extension/core/engines/archive/archiveIndex';

describe('archive entry paths', () => {
  it('keeps a plain path and drops a folder\'s trailing slash', () => {
    assert.equal(normalizeEntryPath('pkg/lib/index.js'), 'pkg/lib/index.js');
    assert.equal(normalizeEntryPath('pkg/lib/'), 'pkg/lib');
    assert.equal(normalizeEntryPath('a..b/..c'), 'a..b/..c');
  });

  it('drops leading ./ and /, empty and . segments, and reads backslashes as separators', () => {
    assert.equal(normalizeEntryPath('./a//b/'), 'a/b');
    assert.equal(normalizeEntryPath('/etc/passwd'), 'etc/passwd');
    assert.equal(normalizeEntryPath('a/./b/.'), 'a/b');
    assert.equal(normalizeEntryPath('a\\b\\c.txt'), 'a/b/c.txt');
    assert.equal(normalizeEntryPath('a//'), 'a');
    assert.equal(normalizeEntryPath('.'), '');
    assert.equal(normalizeEntryPath('./'), '');
    assert.equal(normalizeEntryPath(''), '');
  });

  it('keeps .. segments, for the restore rules to refuse', () => {
    assert.equal(normalizeEntryPath('../x'), '../x');
    assert.equal(normalizeEntryPath('a/../../x/'), 'a/../../x');
  });
});
