// Reads an archive back end to end: the SHA-256 of its bytes, every gzip member (CRCs checked by
// zlib), every tar header (checksums checked by node-tar, strict) and every entry's data, then
// compares hash and file count with what the backup recorded. The two zero blocks that end a tar
// archive are required: an archive cut where one gzip member ends and a tar entry ends reads as
// well-formed gzip and tar, and only their absence tells it was cut short.
import { createHash } from 'node:crypto';
import { createReadStream, promises as fsp } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Parser, type ReadEntry } from 'tar';
import type { TaskResult } from '../../../../shared/model';
import { dirname } from 'node:path';
import { fsGuard, guardedStreamFs } from '../../fsguard';
import type { TaskContext } from '../../ports';
import { CancelledError, errorText } from '../../util/errors';
import { formatBytes } from '../../util/format';
import { FOLDER_EXT } from './naming';
import { pumpTarGz } from './tarInput';

export interface VerifyExpectation {
  sha256?: string;
  fileCount?: number;
}

const FILE_TYPES = new Set(['File', 'OldFile', 'ContiguousFile']);

export async function verifyArchive(ctx: TaskContext, archivePath: string, expected?: VerifyExpectation): Promise<TaskResult> {
  let size: number;
  try {
    size = (await fsGuard.run(dirname(archivePath), 'destination', () => fsp.stat(archivePath), ctx.signal)).size;
  } catch (e) {
    throw new Error(`Cannot read archive ${archivePath}: ${errorText(e)}`);
  }
  const isTar = archivePath.endsWith(FOLDER_EXT);
  const hash = createHash('sha256');
  let read = 0;
  let files = 0;
  const problems: string[] = [];
  let sawEnd = false;
  ctx.log('info', `Verifying ${archivePath} (${formatBytes(size)})`);

  const input = createReadStream(archivePath, { highWaterMark: 1024 * 1024, signal: ctx.signal, fs: guardedStreamFs(fsGuard, dirname(archivePath), 'destination', ctx.signal) });
  input.on('data', (chunk) => {
    hash.update(chunk as Buffer);
    read += chunk.length;
    ctx.progress({ bytes: read, files, percent: size ? (100 * read) / size : 100 });
  });

  try {
    if (isTar) {
      const parser = new Parser({ strict: true });
      parser.on('eof', () => (sawEnd = true));
      parser.on('entry', (entry: ReadEntry) => {
        if (FILE_TYPES.has(entry.type)) files++;
        entry.resume();
      });
      parser.on('warn', (code: string, message: string | Error) => problems.push(`${code}: ${errorText(message)}`));
      await pumpTarGz(input, parser, 'end');
    } else {
      await pipeline(input, async function (source: AsyncIterable<Buffer>) {
        for await (const _ of source) void _;
      });
    }
  } catch (e) {
    if (ctx.signal.aborted) throw new CancelledError('Verify');
    throw new Error(`Archive ${archivePath} is damaged: ${errorText(e)}`);
  }
  if (isTar && !sawEnd && !problems.length) problems.push(`it ends before the end-of-archive marker (cut short after ${formatBytes(size)}?)`);
  if (problems.length) throw new Error(`Archive ${archivePath} is damaged: ${problems.slice(0, 3).join('; ')}`);
  const sha256 = hash.digest('hex');
  if (expected?.sha256 && expected.sha256 !== sha256) {
    throw new Error(`Archive ${archivePath} does not match what was written: SHA-256 ${sha256}, expected ${expected.sha256}`);
  }
  if (isTar && expected?.fileCount !== undefined && expected.fileCount !== files) {
    throw new Error(`Archive ${archivePath} holds ${files} files, expected ${expected.fileCount}`);
  }
  const checks = [isTar ? `${files} files read back` : 'read back', expected?.sha256 ? 'SHA-256 matches' : `SHA-256 ${sha256}`];
  const summary = `Archive OK: ${checks.join(', ')}`;
  ctx.log('info', summary);
  return { archivePath, size, fileCount: isTar ? files : undefined, sha256, summary };
}
