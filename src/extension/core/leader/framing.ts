// Newline-delimited framing with a size cap. Works on bytes, so a UTF-8 character split across
// two chunks is decoded whole; a line over the cap is dropped while it streams in (memory stays
// bounded even when a peer never sends a newline) and reported once.
export class LineFramer {
  private parts: Buffer[] = [];
  private size = 0;
  private discarding = false;

  constructor(
    private readonly maxBytes: number,
    private readonly onLine: (line: string) => void,
    private readonly onOversize: () => void,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl < 0) {
        this.append(chunk.subarray(start));
        return;
      }
      this.append(chunk.subarray(start, nl));
      const line = this.discarding ? undefined : Buffer.concat(this.parts, this.size).toString('utf8');
      this.parts = [];
      this.size = 0;
      this.discarding = false;
      start = nl + 1;
      if (line !== undefined && line.trim() !== '') this.onLine(line);
    }
  }

  private append(bytes: Buffer): void {
    if (this.discarding || bytes.length === 0) return;
    if (this.size + bytes.length > this.maxBytes) {
      this.discarding = true;
      this.parts = [];
      this.size = 0;
      this.onOversize();
      return;
    }
    this.parts.push(bytes);
    this.size += bytes.length;
  }
}
