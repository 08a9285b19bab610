// The ustar header block of a common entry (an ASCII path under 100 bytes, numbers that fit their
// octal fields), written straight into a reused block: byte for byte what node-tar's Header
// writes, without its per-entry objects, field copying and string padding, which cost a tenth
// of a backup's main thread on a tree of many small files. Anything else (long or non-ASCII
// names, huge sizes, uids or dates) returns false and takes node-tar's Header with a pax header.

const MAX8 = 0o7777777;
const MAX12 = 0o77777777777;
const NON_ASCII = /[^\x00-\x7f]/;
const TYPE_CODE = { File: 0x30, Directory: 0x35, SymbolicLink: 0x32 } as const;

export interface PlainHeader {
  path: string;
  type: keyof typeof TYPE_CODE;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: Date;
  linkpath?: string;
}

/** node-tar's octal: zero-padded, then a space and a NUL (or only a NUL when the digits fill the field). */
function octal(block: Buffer, off: number, size: number, n: number): void {
  const digits = Math.floor(n).toString(8);
  if (digits.length === size - 1) {
    block.write(digits, off, 'latin1');
    block[off + size - 1] = 0;
    return;
  }
  const pad = size - 2 - digits.length;
  block.fill(0x30, off, off + pad);
  block.write(digits, off + pad, 'latin1');
  block[off + size - 2] = 0x20;
  block[off + size - 1] = 0;
}

/** Fills `block` (512 bytes) with the header of `h`; false when it needs more than plain ustar. */
export function plainUstar(block: Buffer, h: PlainHeader): boolean {
  const secs = h.mtime.getTime() / 1000;
  if (h.path.length >= 100 || NON_ASCII.test(h.path)) return false;
  if (h.linkpath !== undefined && (h.linkpath.length > 100 || NON_ASCII.test(h.linkpath))) return false;
  if (!(h.mode >= 0 && h.mode <= MAX8 && h.uid >= 0 && h.uid <= MAX8 && h.gid >= 0 && h.gid <= MAX8)) return false;
  if (!(h.size >= 0 && h.size <= MAX12 && secs >= 0 && secs <= MAX12)) return false;
  block.fill(0);
  block.write(h.path, 0, 'latin1');
  octal(block, 100, 8, h.mode);
  octal(block, 108, 8, h.uid);
  octal(block, 116, 8, h.gid);
  octal(block, 124, 12, h.size);
  octal(block, 136, 12, secs);
  block[156] = TYPE_CODE[h.type];
  if (h.linkpath) block.write(h.linkpath, 157, 'latin1');
  block.write('ustar\u000000', 257, 'latin1');
  octal(block, 329, 8, 0); // device numbers, as node-tar writes them
  octal(block, 337, 8, 0);
  // The checksum counts its own field as eight spaces.
  let sum = 8 * 0x20;
  for (let i = 0; i < 148; i++) sum += block[i];
  for (let i = 156; i < 512; i++) sum += block[i];
  octal(block, 148, 8, sum);
  return true;
}
