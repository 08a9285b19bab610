// A searchable copy of many short texts (log lines, or task summaries and errors), each tagged
// with its task, held in the store worker's memory only (see textIndex.ts). It answers "which
// tasks have a text containing this", exactly as `LIKE '%text%'` does in SQLite: any part of a
// text, ASCII case ignored, nothing else folded, never across two texts.
//
// Texts are packed into blocks of about 16k characters (one string each, so a search is a few
// hundred indexOf calls, not a million). For each sealed block the set of its character trigrams
// is kept as posting lists; a search of 3 or more characters scans only the blocks holding all of
// the text's trigrams. Shorter texts scan every block. Nothing is removed in place: a text that
// is gone (its task deleted, its log trimmed, its summary replaced) stays until the next rebuild
// and is skipped because its generation is no longer the task's.
import type { IdSet } from '../util/idSet';
import { lastAtOrBefore } from '../util/sortedSearch';

/**
 * SQLite's LIKE folds ASCII letters only: 'É' and 'é' differ, and 'K' (Kelvin) is not 'k'. Never
 * changes a string's length, so offsets into a folded block are offsets into its texts.
 */
export function foldCase(s: string): string {
  // eslint-disable-next-line no-control-regex
  return /[^\x00-\x7f]/.test(s) ? s.replace(/[A-Z]+/g, (m) => m.toLowerCase()) : s.toLowerCase();
}

/** Large enough that a block's trigrams repeat, small enough that a false candidate is cheap. */
const BLOCK_CHARS = 16_384;
/** Between two texts in a block: a match that spans it is rejected by its offsets anyway. */
const SEP = '\n';

/**
 * Trigrams are hashed into 2^bits buckets (two trigrams sharing one only add candidates). 2^20
 * keeps log lines at 100k tasks selective and costs 12 MB of tables; summaries and errors are
 * few enough for 2^16 (0.75 MB).
 */
export const LINE_GRAM_BITS = 20;
export const FIELD_GRAM_BITS = 16;

/** A trigram's bucket (multiplicative hashing of its three UTF-16 code units). */
function hashGram(c0: number, c1: number, c2: number, shift: number): number {
  return Math.imul((c0 << 20) ^ (c1 << 10) ^ c2, 0x9e3779b1) >>> shift;
}

interface Block {
  text: string;
  /** starts[i]..ends[i]: text i in `text`. */
  starts: Int32Array;
  ends: Int32Array;
  tasks: Int32Array;
  gens: Int32Array;
}

class Postings {
  ids = new Int32Array(4);
  n = 0;
  add(id: number): void {
    if (this.n === this.ids.length) {
      const bigger = new Int32Array(this.n * 2);
      bigger.set(this.ids);
      this.ids = bigger;
    }
    this.ids[this.n++] = id;
  }
}

/** The task's current generation of these texts; -1 when the task is gone. */
export type CurrentGen = (task: number) => number;

export class TextMirror {
  private readonly blocks: Block[] = [];
  /** Per trigram bucket, the sealed blocks holding it, ascending. */
  private readonly postings: (Postings | undefined)[];
  /** Per bucket, 1 + the last block that posted it: each block posts a bucket once, with no sort. */
  private readonly stamp: Int32Array;
  private readonly shift: number;
  // The open block, sealed once it holds BLOCK_CHARS.
  private parts: string[] = [];
  private openTasks: number[] = [];
  private openGens: number[] = [];
  private openChars = 0;
  /** Characters added (live or not): with `dead`, tells when a rebuild pays. */
  chars = 0;
  /** Characters of texts known to be gone. */
  dead = 0;
  private sealedBytes = 0;

  constructor(
    private readonly currentGen: CurrentGen,
    gramBits: number,
  ) {
    this.postings = new Array<Postings | undefined>(1 << gramBits);
    this.stamp = new Int32Array(1 << gramBits);
    this.shift = 32 - gramBits;
  }

  /** `text` as stored; it is folded (foldCase) a block at a time, which keeps every offset. */
  add(task: number, gen: number, text: string): void {
    if (text.length === 0) return; // never matches a non-empty text
    this.parts.push(text);
    this.openTasks.push(task);
    this.openGens.push(gen);
    this.openChars += text.length + 1;
    this.chars += text.length;
    if (this.openChars >= BLOCK_CHARS) this.seal();
  }

  get blockCount(): number {
    return this.blocks.length;
  }

  /** Bytes held, roughly: the texts (one byte a character while they are Latin-1), offsets, postings. */
  approxBytes(): number {
    return this.sealedBytes + this.openChars + this.stamp.byteLength + this.postings.length * 8;
  }

  /** Adds every live task whose text contains `needle` (folded, non-empty) to `out`. */
  search(needle: string, out: IdSet): void {
    const candidates = needle.length >= 3 ? this.candidateBlocks(needle) : undefined;
    if (candidates) for (const i of candidates) this.scan(this.blocks[i], needle, out);
    else for (const b of this.blocks) this.scan(b, needle, out);
    if (this.parts.length) this.scan(this.openBlock(), needle, out);
  }

  private scan(b: Block, needle: string, out: IdSet): void {
    const { text, starts, ends, tasks, gens } = b;
    let from = 0;
    for (;;) {
      const at = text.indexOf(needle, from);
      if (at < 0) return;
      let i = lastAtOrBefore(starts, at); // the text holding `at`
      if (at + needle.length > ends[i]) {
        from = at + 1; // spans two texts: no match here
        continue;
      }
      const task = tasks[i];
      if (!out.has(task) && gens[i] === this.currentGen(task)) out.add(task);
      // A task's lines mostly sit side by side: once it is found (or is gone) they need no look.
      if (out.has(task)) while (i + 1 < tasks.length && tasks[i + 1] === task) i++;
      from = ends[i] + 1;
    }
  }

  /** Block numbers holding every trigram of `needle`, ascending. */
  private candidateBlocks(needle: string): Int32Array {
    const keys = new Set<number>();
    for (let i = 0; i + 3 <= needle.length; i++) keys.add(hashGram(needle.charCodeAt(i), needle.charCodeAt(i + 1), needle.charCodeAt(i + 2), this.shift));
    const lists: Postings[] = [];
    for (const k of keys) {
      const p = this.postings[k];
      if (!p) return new Int32Array(0);
      lists.push(p);
    }
    lists.sort((a, b) => a.n - b.n);
    let cur: Int32Array = lists[0].ids.subarray(0, lists[0].n);
    for (let l = 1; l < lists.length && cur.length > 0; l++) cur = intersect(cur, lists[l].ids, lists[l].n);
    return cur;
  }

  private openBlock(): Block {
    return makeBlock(this.parts, this.openTasks, this.openGens);
  }

  private seal(): void {
    const b = this.openBlock();
    const id = this.blocks.length;
    this.blocks.push(b);
    this.parts = [];
    this.openTasks = [];
    this.openGens = [];
    this.openChars = 0;
    const t = b.text;
    const mark = id + 1;
    let c1 = t.charCodeAt(0);
    let c2 = t.charCodeAt(1);
    for (let i = 2; i < t.length; i++) {
      const c0 = c1;
      c1 = c2;
      c2 = t.charCodeAt(i);
      const k = hashGram(c0, c1, c2, this.shift);
      if (this.stamp[k] === mark) continue;
      this.stamp[k] = mark;
      const p = (this.postings[k] ??= new Postings());
      this.sealedBytes -= p.ids.byteLength;
      p.add(id);
      this.sealedBytes += p.ids.byteLength;
    }
    this.sealedBytes += t.length + b.starts.byteLength * 4;
  }
}

function makeBlock(parts: string[], tasks: number[], gens: number[]): Block {
  const starts = new Int32Array(parts.length);
  const ends = new Int32Array(parts.length);
  let at = 0;
  for (let i = 0; i < parts.length; i++) {
    starts[i] = at;
    ends[i] = at + parts[i].length;
    at = ends[i] + SEP.length;
  }
  return { text: foldCase(parts.join(SEP)), starts, ends, tasks: Int32Array.from(tasks), gens: Int32Array.from(gens) };
}

function intersect(a: Int32Array, b: Int32Array, bn: number): Int32Array {
  const out = new Int32Array(Math.min(a.length, bn));
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < bn) {
    if (a[i] === b[j]) {
      out[k++] = a[i];
      i++;
      j++;
    } else if (a[i] < b[j]) i++;
    else j++;
  }
  return out.subarray(0, k);
}
