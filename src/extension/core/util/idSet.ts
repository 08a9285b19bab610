// A set of positive integer ids (task ids) as a bitmap: a text search that matches every task
// adds 100k of them, where a Set<number> costs a hash, and a growth rehash, each.

export class IdSet {
  private bits = new Uint32Array(1024);
  private count = 0;

  get size(): number {
    return this.count;
  }

  has(id: number): boolean {
    const w = id >>> 5;
    return w < this.bits.length && (this.bits[w] & (1 << (id & 31))) !== 0;
  }

  add(id: number): void {
    const w = id >>> 5;
    if (w >= this.bits.length) {
      const bigger = new Uint32Array(Math.max(w + 1, this.bits.length * 2));
      bigger.set(this.bits);
      this.bits = bigger;
    }
    const m = 1 << (id & 31);
    if ((this.bits[w] & m) === 0) {
      this.bits[w] |= m;
      this.count++;
    }
  }

  /** The ids, ascending. */
  toArray(): number[] {
    const out = new Array<number>(this.count);
    let k = 0;
    for (let w = 0; w < this.bits.length && k < this.count; w++) {
      let word = this.bits[w];
      while (word !== 0) {
        const low = word & -word;
        out[k++] = (w << 5) + (31 - Math.clz32(low));
        word ^= low;
      }
    }
    return out;
  }

  /** The ids from `lo` to `hi` (inclusive) that are not in the set, ascending. */
  missingBetween(lo: number, hi: number): number[] {
    const out: number[] = [];
    for (let id = lo; id <= hi; id++) if (!this.has(id)) out.push(id);
    return out;
  }
}
