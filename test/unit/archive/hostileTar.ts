// Builds tar archives entry by entry, including entries no honest tar would write, so the
// restore tests can attack the extractor.
import { gzipSync } from 'node:zlib';
import { Header } from 'tar';

export interface RawEntry {
  path: string;
  type?: 'File' | 'Directory' | 'SymbolicLink' | 'Link' | 'FIFO' | 'CharacterDevice';
  body?: string | Buffer;
  linkpath?: string;
  mode?: number;
}

export function buildTarGz(entries: RawEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const body = e.body === undefined ? Buffer.alloc(0) : Buffer.from(e.body);
    const h = new Header({ path: e.path, type: e.type ?? 'File', size: body.length, mode: e.mode ?? (e.type === 'Directory' ? 0o755 : 0o644), mtime: new Date(1_700_000_000_000), linkpath: e.linkpath, uid: 0, gid: 0 });
    if (h.encode()) throw new Error(`test entry ${e.path} needs a pax header; keep test paths short`);
    blocks.push(h.block!, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}
