import * as assert from 'node:assert/strict';
import type { BackupEntry } from '../../../src/extension/core/engines/types';
import type { Environment } from '../../../src/extension/core/environments/types';
import type { Choice, FileMark } from '../../../src/extension/core/browse/compareMarks';
import { EntryIndex } from '../../../src/extension/core/browse/entryIndex';
import { markChoices, type MarkDeps } from '../../../src/extension/core/browse/markChoices';

const enc = (s: string) => new TextEncoder().encode(s);
const env = { id: 'docs', name: 'Docs', type: 'folder', source: '/src' } as Environment;
const choice = (id: string): Choice => ({ holder: { env, rel: 'notes/a.md' }, backup: { id, label: id, time: 0, kind: 'folder' } });
const NOW = { size: 5, mtime: 2_000_000 };

/** Backups by id: the entry for notes/a.md (or none) and its content. */
function deps(backups: Record<string, { entry?: Partial<BackupEntry>; content?: string } | 'broken'>, over: Partial<MarkDeps> = {}) {
  const marks = new Map<number, FileMark | string>();
  const reads: string[] = [];
  let currentReads = 0;
  const d: MarkDeps = {
    async entry(_env, id, p) {
      const b = backups[id];
      if (b === 'broken') throw new Error(`${id}: unreadable archive`);
      return new EntryIndex(b.entry ? [{ path: 'notes/a.md', type: 'file', size: 0, ...b.entry }] : [{ path: 'other.md', type: 'file', size: 1 }]).stat(p);
    },
    async readBackup(_env, id, p) {
      reads.push(`${id}:${p}`);
      return enc((backups[id] as { content: string }).content);
    },
    current: NOW,
    async readCurrent() {
      currentReads++;
      return enc('hello');
    },
    onMark: (i, mark, error) => marks.set(i, mark ?? `error: ${error}`),
    ...over,
  };
  return { d, marks, reads, currentReads: () => currentReads };
}

describe('markChoices', () => {
  it('marks each backup from its listing, reading content only for equal size at another time', async () => {
    const { d, marks, reads, currentReads } = deps({
      same: { entry: { size: 5, mtime: 2_000_400 } },
      bigger: { entry: { size: 9, mtime: 2_000_000 } },
      absent: {},
      touched: { entry: { size: 5, mtime: 1_000_000 }, content: 'hello' },
      edited: { entry: { size: 5, mtime: 1_000_000 }, content: 'HELLO' },
      broken: 'broken',
    });
    const ids = ['same', 'bigger', 'absent', 'touched', 'edited', 'broken'];
    await markChoices(ids.map(choice), d);
    assert.deepEqual(ids.map((_, i) => marks.get(i)), ['same', 'different', 'missing', 'same', 'different', 'error: broken: unreadable archive']);
    assert.deepEqual(reads.sort(), ['edited:notes/a.md', 'touched:notes/a.md']);
    assert.equal(currentReads(), 1, 'the current file is read once');
  });

  it('leaves a big file of equal size at another time as "unsure" instead of reading it', async () => {
    const big = { size: 2 << 20, mtime: 2_000_000 };
    const { d, marks, reads } = deps({ b: { entry: { size: big.size, mtime: 5_000_000 } } }, { current: big });
    await markChoices([choice('b')], d);
    assert.equal(marks.get(0), 'unsure');
    assert.deepEqual(reads, []);
  });

  it('marks only the newest ones beyond the limit, and stops when aborted', async () => {
    const many = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`b${i}`, { entry: { size: 1, mtime: 0 } }]));
    const { d, marks } = deps(many);
    await markChoices(Object.keys(many).map(choice), d, { choices: 4, contentCheckBytes: 0, concurrency: 2 });
    assert.deepEqual([...marks.keys()].sort(), [0, 1, 2, 3]);

    const ac = new AbortController();
    const second = deps(many, { signal: ac.signal });
    const onMark = second.d.onMark;
    second.d.onMark = (i, m, e) => {
      onMark(i, m, e);
      ac.abort();
    };
    await markChoices(Object.keys(many).map(choice), second.d, { choices: 10, contentCheckBytes: 0, concurrency: 1 });
    assert.equal(second.marks.size, 1);
  });

  it('marks every backup "different" when the file is gone now', async () => {
    const { d, marks } = deps({ a: { entry: { size: 5, mtime: 2_000_000 } } }, { current: undefined });
    await markChoices([choice('a')], d);
    assert.equal(marks.get(0), 'different');
  });
});
