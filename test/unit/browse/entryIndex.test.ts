import * as assert from 'node:assert/strict';
import type { BackupEntry } from '../../../src/extension/core/engines/types';
import { EntryIndex, sortEntries } from '../../../src/extension/core/browse/entryIndex';

const file = (path: string, size = 1, mtime?: number): BackupEntry => ({ path, type: 'file', size, mtime });

describe('EntryIndex', () => {
  it('lists folders first, then files, by name with numbers in order', () => {
    const ix = new EntryIndex([file('b.txt'), file('a10.txt'), file('a2.txt'), { path: 'z', type: 'dir', size: 0 }, file('m/x')]);
    assert.deepEqual(ix.children('').map((e) => [e.path, e.type]), [['m', 'dir'], ['z', 'dir'], ['a2.txt', 'file'], ['a10.txt', 'file'], ['b.txt', 'file']]);
  });

  it('orders names as the user\'s locale does: case and accents aside, numbers by value, exact ties by code point', () => {
    const names = ['README.md', 'readme.md', 'Zebra', 'apple', 'Äpfel', 'apfel', 'file10', 'file9', 'File9', 'file009', 'b', 'B', 'ß', 'ss', '_x', '10', '9', 'ä'];
    const sorted = sortEntries(names.map((n) => file(n))).map((e) => e.path);
    const byLocale = [...names].sort((a, b) => a.localeCompare(b, undefined, { numeric: true, sensitivity: 'base' }) || (a < b ? -1 : a > b ? 1 : 0));
    assert.deepEqual(sorted, byLocale);
    assert.ok(sorted.indexOf('file9') < sorted.indexOf('file10') && sorted.indexOf('apple') < sorted.indexOf('Zebra'), sorted.join(' '));
  });

  it('has every parent folder of a listed file, listed or not (restic, hand-made tars)', () => {
    const ix = new EntryIndex([file('a/b/c/d.txt', 7, 5000)]);
    assert.deepEqual(ix.stat('a/b'), { path: 'a/b', type: 'dir', size: 0 });
    assert.deepEqual(ix.children('a/b').map((e) => e.path), ['a/b/c']);
    assert.deepEqual(ix.stat('a/b/c/d.txt'), { path: 'a/b/c/d.txt', type: 'file', size: 7, mtime: 5000 });
    assert.equal(ix.stat('a/x'), undefined);
    assert.deepEqual(ix.children('nope'), []);
  });

  it('reads archive-style paths ("./dir/", "./dir/f") as the same tree, and keeps a listed folder\'s facts', () => {
    const ix = new EntryIndex([{ path: './docs/', type: 'dir', size: 0, mtime: 1000, mode: 0o750 }, file('./docs/f.md', 3)]);
    assert.equal(ix.stat('docs')?.mode, 0o750);
    assert.deepEqual(ix.children('docs').map((e) => e.path), ['docs/f.md']);
    assert.deepEqual(ix.children('').map((e) => e.path), ['docs']);
  });

  it('has an empty listed folder with no children, and the root as a folder', () => {
    const ix = new EntryIndex([{ path: 'empty', type: 'dir', size: 0 }]);
    assert.deepEqual(ix.children('empty'), []);
    assert.equal(ix.stat('')?.type, 'dir');
  });

  it('leaves out an entry that points outside the backup', () => {
    const ix = new EntryIndex([file('../evil'), file('ok')]);
    assert.deepEqual(ix.children('').map((e) => e.path), ['ok']);
    assert.equal(ix.size, 1);
  });

  it('gives the files under a folder, or the file itself', () => {
    const ix = new EntryIndex([file('a/1'), file('a/b/2'), file('ab/3'), { path: 'a/b', type: 'dir', size: 0 }]);
    assert.deepEqual(ix.filesUnder('a').map((e) => e.path).sort(), ['a/1', 'a/b/2']);
    assert.deepEqual(ix.filesUnder('a/1').map((e) => e.path), ['a/1']);
    assert.equal(ix.filesUnder('').length, 3);
  });
});
