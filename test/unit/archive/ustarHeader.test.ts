// The fast header writer must produce exactly node-tar's bytes (GNU tar and our own reader read
// those), and hand everything it cannot write plainly back to node-tar.
import * as assert from 'node:assert/strict';
import { Header } from 'tar';
import { plainUstar, type PlainHeader } from '../../../src/extension/core/engines/archive/ustarHeader';

const base: PlainHeader = { path: 'src/a.ts', type: 'File', mode: 0o644, uid: 1000, gid: 1000, size: 1234, mtime: new Date(1764633600123) };

function nodeTar(h: PlainHeader): { block: Buffer; pax: boolean } {
  const header = new Header(h);
  const pax = header.encode();
  return { block: header.block!, pax };
}

describe('plain ustar headers', () => {
  const plain: [string, Partial<PlainHeader>][] = [
    ['a file', {}],
    ['an empty file at the epoch', { size: 0, mtime: new Date(0) }],
    ['a folder', { path: 'node_modules/left-pad/', type: 'Directory', size: 0, mode: 0o755 }],
    ['a link', { path: 'bin/tool', type: 'SymbolicLink', size: 0, mode: 0o777, linkpath: '../lib/tool.js' }],
    ['a path of 99 bytes and a link target of 100', { path: 'p'.repeat(99), type: 'SymbolicLink', size: 0, linkpath: 'l'.repeat(100) }],
    ['root, setuid, the largest plain numbers', { uid: 0, gid: 0o7777777, mode: 0o4755, size: 0o77777777777, mtime: new Date(0o77777777777 * 1000) }],
    ['a size of eleven octal digits', { size: 0o10000000000 }],
  ];
  for (const [what, over] of plain) {
    it(`${what}: the same 512 bytes as node-tar`, () => {
      const h = { ...base, ...over };
      const block = Buffer.alloc(512, 0xaa); // stale bytes of the previous header must not leak
      assert.equal(plainUstar(block, h), true);
      const theirs = nodeTar(h);
      assert.equal(theirs.pax, false);
      assert.deepEqual(block, theirs.block);
    });
  }

  const needPax: [string, Partial<PlainHeader>][] = [
    ['a path of 100 bytes', { path: 'x'.repeat(100) }],
    ['a non-ASCII name', { path: 'zürich.txt' }],
    ['a non-ASCII link target', { type: 'SymbolicLink', size: 0, linkpath: 'grüezi' }],
    ['a link target over 100 bytes', { type: 'SymbolicLink', size: 0, linkpath: 'l'.repeat(101) }],
    ['a file of 8 GiB', { size: 8 * 1024 ** 3 }],
    ['a uid beyond 7 octal digits', { uid: 0o10000000 }],
    ['a date before 1970', { mtime: new Date(-1000) }],
  ];
  for (const [what, over] of needPax) {
    it(`${what}: left to node-tar`, () => {
      assert.equal(plainUstar(Buffer.alloc(512), { ...base, ...over }), false);
    });
  }
});
