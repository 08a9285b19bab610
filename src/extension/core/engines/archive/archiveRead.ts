// Reading inside a .tar.gz: the list of entries, and one entry's bytes. This first version reads
// the archive from the start (a sequential gunzip); the random-access index replaces it.
import { createReadStream } from 'node:fs';
import { Parser, type ReadEntry } from 'tar';
import { pumpTarGz } from '../../backup/tarInput';
import type { BackupEntry, BackupEntryType } from '../types';

function entryType(t: string): BackupEntryType {
  if (t === 'File' || t === 'OldFile' || t === 'ContiguousFile') return 'file';
  if (t === 'Directory') return 'dir';
  if (t === 'SymbolicLink') return 'symlink';
  return 'other';
}

export function normalEntryPath(p: string): string {
  return p.replace(/^\.\//, '').replace(/\/+$/, '');
}

export async function archiveEntries(archivePath: string, signal?: AbortSignal): Promise<BackupEntry[]> {
  const out: BackupEntry[] = [];
  const parser = new Parser({ strict: true });
  parser.on('entry', (e: ReadEntry) => {
    const path = normalEntryPath(e.path);
    if (path !== '') {
      out.push({ path, type: entryType(e.type), size: e.size ?? 0, mtime: e.mtime?.getTime(), mode: e.mode === undefined ? undefined : e.mode & 0o7777, linkTarget: e.linkpath || undefined });
    }
    e.resume();
  });
  await pumpTarGz(createReadStream(archivePath, { signal }), parser, 'end');
  return out;
}

export async function readArchiveEntry(archivePath: string, entryPath: string, signal?: AbortSignal): Promise<Uint8Array> {
  const want = normalEntryPath(entryPath);
  let found: Buffer | undefined;
  let kind: string | undefined;
  const parser = new Parser({ strict: true });
  parser.on('entry', (e: ReadEntry) => {
    if (found === undefined && normalEntryPath(e.path) === want) {
      kind = e.type;
      const chunks: Buffer[] = [];
      e.on('data', (c: Buffer) => chunks.push(c));
      e.on('end', () => (found = Buffer.concat(chunks)));
    } else {
      e.resume();
    }
  });
  await pumpTarGz(createReadStream(archivePath, { signal }), parser, 'end');
  if (found === undefined) throw new Error(`${want} is not in ${archivePath}`);
  if (entryType(kind ?? '') !== 'file') throw new Error(`${want} is not a file in the backup`);
  return found;
}
