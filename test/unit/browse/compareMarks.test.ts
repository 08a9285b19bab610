import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { BackupRef } from '../../../src/extension/core/engines/types';
import type { Environment } from '../../../src/extension/core/environments/types';
import { environmentsHolding, isText, lineEnding, markFor, newestFirst, sameBytes } from '../../../src/extension/core/browse/compareMarks';

const env = (id: string, source: string | undefined, type: 'folder' | 'command' = 'folder') => ({ id, name: id, type, source }) as Environment;
const ref = (id: string, time: number): BackupRef => ({ id, label: id, time, kind: 'folder' });

describe('Compare with Backup: choices and marks', () => {
  it('finds the folder environments whose source holds the file, innermost first', () => {
    const envs = [env('home', '/home/u'), env('proj', '/home/u/proj'), env('other', '/srv'), env('db', '/home/u/proj', 'command'), env('noSrc', undefined)];
    assert.deepEqual(environmentsHolding('/home/u/proj/src/a.ts', envs).map((h) => [h.env.id, h.rel]), [['proj', 'src/a.ts'], ['home', 'proj/src/a.ts']]);
    assert.deepEqual(environmentsHolding('/home/u2/x', envs), [], 'a sibling with a common prefix is not inside');
    assert.deepEqual(environmentsHolding('/home/u/proj', envs).map((h) => h.env.id), ['home'], 'the source folder itself is no file of it');
  });

  it('uses "\\" paths on Windows and gives the inner path with "/"', () => {
    const envs = [env('w', 'C:\\Users\\u\\proj')];
    assert.deepEqual(environmentsHolding('C:\\Users\\u\\proj\\src\\a.ts', envs, path.win32).map((h) => h.rel), ['src/a.ts']);
  });

  it('marks from size and modification time, never reading content', () => {
    const entry = { path: 'a', type: 'file' as const, size: 10, mtime: 1_700_000_000_000 };
    assert.equal(markFor(entry, { size: 10, mtime: 1_700_000_000_999 }), 'same', 'the same second');
    assert.equal(markFor(entry, { size: 11, mtime: 1_700_000_000_000 }), 'different');
    assert.equal(markFor(entry, { size: 10, mtime: 1_700_000_005_000 }), 'unsure');
    assert.equal(markFor({ ...entry, mtime: undefined }, { size: 10, mtime: 1 }), 'unsure');
    assert.equal(markFor(undefined, { size: 10, mtime: 1 }), 'missing');
    assert.equal(markFor({ ...entry, type: 'dir' }, { size: 10, mtime: 1 }), 'missing', 'a folder of that name is not the file');
    assert.equal(markFor(entry, undefined), 'different', 'the file is gone now');
  });

  it('orders the backups of every environment newest first', () => {
    const a = { env: env('a', '/x'), rel: 'f' };
    const b = { env: env('b', '/'), rel: 'x/f' };
    const out = newestFirst([{ holder: a, backups: [ref('a1', 100), ref('a2', 300)] }, { holder: b, backups: [ref('b1', 200), ref('b2', 300)] }]);
    assert.deepEqual(out.map((c) => c.backup.id), ['a2', 'b2', 'b1', 'a1']);
  });

  it('tells text from bytes, and the line ending of a text', () => {
    assert.ok(isText(new TextEncoder().encode('héllo\nworld')));
    assert.ok(!isText(Uint8Array.from([0x68, 0, 0x69])));
    assert.ok(!isText(Uint8Array.from([0xff, 0xfe, 0x41])));
    assert.equal(lineEnding('a\r\nb'), 'crlf');
    assert.equal(lineEnding('a\nb\r\n'), 'lf');
    assert.equal(lineEnding('\nb'), 'lf');
    assert.equal(lineEnding('one line'), undefined);
  });

  it('compares bytes', () => {
    assert.ok(sameBytes(Uint8Array.from([1, 2]), Uint8Array.from([1, 2])));
    assert.ok(!sameBytes(Uint8Array.from([1, 2]), Uint8Array.from([1, 3])));
    assert.ok(!sameBytes(Uint8Array.from([1]), Uint8Array.from([1, 2])));
  });
});
