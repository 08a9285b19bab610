// Folder backup: with skipIfUnchanged and a previous manifest, walks the source once first to
// learn the manifest, so an unchanged run costs only a stat pass; the archive pass then reuses
// the walk's entries (a second walk only for trees too large to keep in memory). Otherwise the
// walk runs ahead of the archive pass (walkAhead.ts), and progress shows a percentage once it
// has counted the tree. Small files are read ahead (smallFiles.ts); large ones are read straight
// into the chunk being compressed.
import { promises as fsp } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { TaskResult } from '../../../../shared/model';
import type { TaskContext } from '../../ports';
import { fsGuard, onNetworkFs, UnresponsiveError } from '../../fsguard';
import { writeArchiveIndex } from './archiveIndex';
import { AtomicFile, ensureDestination, removeStalePartials } from './atomicFile';
import { CancelledError, errCode, errorText, throwIfAborted } from '../../util/errors';
import { formatBytes } from '../../util/format';
import { allInOrder } from '../../util/allInOrder';
import { FirstOf, moreWarnings } from '../../util/firstOf';
import { archiveName, assertEnvId } from './naming';
import { openSourceHandle } from './openSource';
import { SlabPool, SmallFileReader, type SmallRead } from './smallFiles';
import { TarGzWriter } from './tarGzWriter';
import type { PlainHeader } from './ustarHeader';
import { WalkAhead } from './walkAhead';
import { child, Lstatter, ManifestHasher, walkTree, type EntryStat, type TreeEntry } from '../../source/walk';

export interface FolderBackupOptions {
  envId: string;
  source: string;
  destination: string;
  exclude: string[];
  useGitignore: boolean;
  skipIfUnchanged: boolean;
  /** The last good backup of this environment, as the TaskManager recorded it. */
  previous?: { manifestHash?: string; finishedAt: number; archivePath?: string };
  gzipLevel?: number;
  /** Testing and tuning: bytes per gzip member and members compressed at once. */
  chunkSize?: number;
  parallel?: number;
  skipIncompressible?: boolean;
  /** Testing: entries the walk keeps for the archive pass (default MAX_KEPT_ENTRIES); past it, a second walk. */
  keptEntries?: number;
}

export type FolderBackupResult = TaskResult & { manifestHash: string; warnings: number };

const SMALL_FILE = 256 * 1024;
const READ_AHEAD_FILES = 64;
const READ_AHEAD_BYTES = 8 * 1024 * 1024;

/** Every call on the source goes through the guard (a stuck mount fails the task, not the pool). */
function onSource<T>(source: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  return fsGuard.run(source, 'source', fn, signal);
}

async function checkSource(source: string, signal: AbortSignal): Promise<void> {
  let st;
  try {
    st = await onSource(source, () => fsp.stat(source), signal);
  } catch (e) {
    if (e instanceof UnresponsiveError || e instanceof CancelledError) throw e;
    if (errCode(e) === 'ENOENT') throw new Error(`Source folder ${source} does not exist`);
    throw new Error(`Cannot read source folder ${source}: ${errorText(e)}`);
  }
  if (!st.isDirectory()) throw new Error(`Source ${source} is not a folder`);
}

/** When the destination lies inside the source, it must not be archived into itself. */
async function destinationInsideSource(source: string, destination: string, signal: AbortSignal): Promise<string[]> {
  const [rs, rd] = await Promise.all([
    onSource(source, () => fsp.realpath(source), signal),
    fsGuard.run(destination, 'destination', () => fsp.realpath(destination), signal),
  ]);
  const rel = relative(rs, rd);
  if (rel === '') throw new Error('The destination cannot be the source folder itself');
  if (isAbsolute(rel) || rel === '..' || rel.startsWith(`..${sep}`)) return [];
  return [resolve(source, rel)];
}

type Prefetched = { entry: TreeEntry; read?: SmallRead; release?: () => void };

/**
 * Entries the walk keeps for the archive pass. Each costs about 330 bytes of heap (measured on a
 * node_modules tree); past this many the archive pass walks the tree again instead, so memory
 * stays bounded whatever the tree.
 */
const MAX_KEPT_ENTRIES = 100_000;

/** A walk entry as kept: one flat object (its own stat), no absolute path, no Stats object. */
type Kept = EntryStat & Pick<TreeEntry, 'rel' | 'type' | 'linkTarget'>;

/** Kept entries in walk order: all of them at once (walked before), or as a walk ahead lists them. */
interface Feed<K> {
  take(): K | undefined;
  more(): Promise<boolean>;
}

function arrayFeed<K>(items: K[]): Feed<K> {
  let i = 0;
  return { take: () => items[i++], more: async () => false };
}

function keep(e: TreeEntry): Kept {
  const { size, mtimeMs, mode, uid, gid, dev, ino } = e.stat;
  return { rel: e.rel, type: e.type, linkTarget: e.linkTarget, size, mtimeMs, mode, uid, gid, dev, ino };
}

/**
 * The kept entries, in walk order. A folder found replaced (or swapped for a link) since it was
 * listed is skipped whole, with the warning a second walk gives: its files would otherwise be
 * refused one by one (each file opened must still be the one listed, openSource.ts).
 */
async function* replay(root: string, entries: Feed<Kept>, run: <T>(fn: () => Promise<T>) => Promise<T>, lstat: Lstatter, warn: (t: string) => void): AsyncGenerator<TreeEntry> {
  let skipUnder: string | undefined;
  for (;;) {
    // Synchronous while entries are at hand: an await per entry is measurable on 16k files.
    const k = entries.take() ?? ((await entries.more()) ? entries.take() : undefined);
    if (k === undefined) return;
    if (skipUnder !== undefined && k.rel.startsWith(skipUnder)) continue;
    skipUnder = undefined;
    const e: TreeEntry = { rel: k.rel, abs: child(root, sep === '/' ? k.rel : k.rel.replaceAll('/', sep)), type: k.type, linkTarget: k.linkTarget, stat: k };
    yield e;
    if (e.type !== 'dir') continue;
    const [now] = await run(() => lstat.many([e.abs]));
    if (now instanceof Error || !now.isDirectory() || now.ino !== e.stat.ino || now.dev !== e.stat.dev) {
      warn(`Folder ${e.rel} was replaced after it was listed, or swapped for a link; links are not followed (skipped)`);
      skipUnder = `${e.rel}/`;
    }
  }
}

function headerFor(e: TreeEntry, size: number): PlainHeader {
  const st = e.stat;
  // One object of one shape per entry (spreading a shared base cost ~2.5 us each on 16k files).
  return {
    path: e.type === 'dir' ? `${e.rel}/` : e.rel,
    type: e.type === 'dir' ? 'Directory' : e.type === 'symlink' ? 'SymbolicLink' : 'File',
    size: e.type === 'file' ? size : 0,
    mode: st.mode & 0o7777,
    uid: st.uid,
    gid: st.gid,
    mtime: new Date(Math.round(st.mtimeMs)), // what Stats.mtime holds
    linkpath: e.type === 'symlink' ? e.linkTarget : undefined,
  };
}

export async function runFolderBackup(ctx: TaskContext, opts: FolderBackupOptions): Promise<FolderBackupResult> {
  assertEnvId(opts.envId);
  const startedAt = ctx.clock.now();
  const what = 'Backup';
  const source = resolve(opts.source);
  const destination = resolve(opts.destination);
  await checkSource(source, ctx.signal); // first: a missing source must not leave a new destination folder behind
  await ensureDestination(destination, ctx.signal);
  // The other checks run side by side: on a busy host each call is a wait in the thread pool's
  // queue, and a small folder's backup is mostly such waits. Failures read as if they ran in turn.
  const run = <T>(fn: () => Promise<T>) => onSource(source, fn, ctx.signal);
  const [, skipAbs, asyncOnly] = await allInOrder([
    removeStalePartials(destination, opts.envId, (t) => ctx.log('info', t)),
    destinationInsideSource(source, destination, ctx.signal),
    onNetworkFs(source, run),
  ] as const);
  const walkOpts = { exclude: opts.exclude, useGitignore: opts.useGitignore, skipAbs, run, asyncOnly };

  // Without a previous manifest to compare, the archive is written whatever the walk finds: the
  // walk runs ahead of the archive pass instead of before it (walkAhead.ts).
  const mayBeUnchanged = opts.skipIfUnchanged && opts.previous?.manifestHash !== undefined;
  // The walk: manifest and totals, and the entries for the archive pass. Its warnings are kept
  // back (the first ones and a count) until we know whether an archive is written.
  const scanWarnings = new FirstOf<string>();
  const scan = new ManifestHasher();
  let totalFiles = 0;
  let totalBytes = 0;
  let kept: Kept[] | undefined = [];
  ctx.progress({ current: 'scanning source' });
  for await (const e of mayBeUnchanged ? walkTree(source, { ...walkOpts, warn: (t) => void scanWarnings.add(t) }) : []) {
    scan.add(e);
    if (kept && kept.length < (opts.keptEntries ?? MAX_KEPT_ENTRIES)) kept.push(keep(e));
    else kept = undefined;
    if (e.type === 'file') {
      totalFiles++;
      totalBytes += e.stat.size;
    }
    if (ctx.signal.aborted) throw new CancelledError(what);
  }
  const scanHash = scan.digest();
  const sourceLine = (files: number, size: number) => ctx.log('info', `Source ${source}: ${plural(files, 'file')}, ${formatBytes(size)}`);
  if (mayBeUnchanged) sourceLine(totalFiles, totalBytes);

  if (opts.skipIfUnchanged && opts.previous?.manifestHash === scanHash) {
    const stillThere = opts.previous.archivePath === undefined || (await fsGuard.run(destination, 'destination', () => fsp.stat(opts.previous!.archivePath!), ctx.signal).then(() => true, (e: unknown) => {
      if (e instanceof UnresponsiveError || e instanceof CancelledError) throw e;
      return false;
    }));
    if (stillThere) {
      for (const w of scanWarnings.kept) ctx.log('warn', w);
      const more = moreWarnings(scanWarnings.dropped);
      if (more) ctx.log('warn', more);
      const since = new Date(opts.previous.finishedAt).toISOString();
      ctx.log('info', `No changes since the last good backup (${since}): no archive written`);
      return { unchangedSince: opts.previous.finishedAt, summary: `no changes since ${since}`, manifestHash: scanHash, warnings: scanWarnings.total };
    }
    ctx.log('info', `The last good backup ${opts.previous.archivePath} is gone: writing a new one`);
  }

  // The archive pass.
  // The first warnings are logged, the rest only counted (a tree of a million unreadable files).
  const shown = new FirstOf<true>();
  const warn = (t: string) => {
    if (shown.add(true)) ctx.log('warn', t);
  };
  if (mayBeUnchanged && kept) {
    // The walk's warnings now (a second walk, for a tree too large to keep, gives them again).
    for (const w of scanWarnings.kept) warn(w);
    shown.total += scanWarnings.dropped;
  }
  const level = opts.gzipLevel ?? 6;
  const nameFor = (bump: number) => archiveName(opts.envId, 'folder', startedAt + bump * 1000);
  const file = await AtomicFile.create(destination, nameFor(0));
  ctx.onAbandon?.(() => file.discard()); // a no-op once committed
  const writer = new TarGzWriter(file, { level, chunkSize: opts.chunkSize, parallel: opts.parallel, skipIncompressible: opts.skipIncompressible });
  ctx.log('info', `Writing ${file.tempPath} (gzip level ${level})`);
  const stored = new ManifestHasher();
  let files = 0;
  let bytes = 0;
  const queue: Prefetched[] = [];
  const slabs = new SlabPool();
  const reader = new SmallFileReader(run, walkOpts.asyncOnly);
  let queuedBytes = 0;
  const ahead = mayBeUnchanged
    ? undefined
    : new WalkAhead(walkTree(source, { ...walkOpts, warn }), keep, opts.keptEntries ?? MAX_KEPT_ENTRIES, (w) => {
        totalFiles = w.files;
        totalBytes = w.bytes;
        sourceLine(w.files, w.bytes);
      });
  const lstat = new Lstatter(undefined, walkOpts.asyncOnly);
  const it = ahead ? replay(source, ahead, run, lstat, warn) : kept ? replay(source, arrayFeed(kept), run, lstat, warn) : walkTree(source, { ...walkOpts, warn });
  let walkDone = false;
  /** Until the walk ahead has counted the tree, progress has no percentage. */
  const percent = () => (totalBytes && (!ahead || ahead.done) ? Math.min(100, (100 * bytes) / totalBytes) : undefined);

  /** Tops the read-ahead up once it is half used: small files are read in batches. */
  async function refill(): Promise<void> {
    if (queue.length >= READ_AHEAD_FILES / 2 || queuedBytes >= READ_AHEAD_BYTES / 2) return;
    const batch: SmallRead[] = [];
    while (!walkDone && queue.length < READ_AHEAD_FILES && queuedBytes < READ_AHEAD_BYTES) {
      const n = await it.next();
      if (n.done) {
        walkDone = true;
        break;
      }
      const e = n.value;
      if (e.type === 'file' && e.stat.size <= SMALL_FILE) {
        const { buf, release } = slabs.take(e.stat.size);
        const read: SmallRead = { path: e.abs, listed: e.stat, buf };
        batch.push(read);
        queue.push({ entry: e, read, release });
        queuedBytes += e.stat.size;
      } else queue.push({ entry: e });
    }
    if (batch.length) await reader.start(batch);
  }

  async function storeLarge(e: TreeEntry): Promise<void> {
    let fh: fsp.FileHandle;
    try {
      fh = await run(() => openSourceHandle(e.abs, e.stat));
    } catch (err) {
      if (err instanceof UnresponsiveError || err instanceof CancelledError) throw err;
      if (errCode(err) === 'ENOENT') warn(`${e.rel} disappeared before it was read (skipped)`);
      else warn(`Cannot read ${e.rel}: ${errorText(err)} (skipped)`);
      return;
    }
    try {
      const size = e.stat.size;
      await writer.header(headerFor(e, size));
      let pos = 0;
      let readError: unknown;
      const got = await writer.fill(size, async (buf, off, len) => {
        throwIfAborted(ctx.signal, what);
        try {
          const { bytesRead } = await run(() => fh.read(buf, off, len, pos));
          pos += bytesRead;
          return bytesRead;
        } catch (err) {
          if (err instanceof UnresponsiveError || err instanceof CancelledError) throw err;
          readError = err;
          return 0;
        }
      });
      if (got < size) {
        await writer.zeros(size - got);
        warn(readError
          ? `Read error in ${e.rel} after ${got} bytes: ${errorText(readError)} (rest stored as zeros)`
          : `${e.rel} shrank while being read (${size} -> ${got} bytes; padded with zeros)`);
      }
      await writer.padToBlock(size);
      files++;
      bytes += size;
      if (!readError && got === size) stored.add(e);
    } finally {
      await run(() => fh.close()).catch(() => undefined);
    }
  }

  try {
    await ahead?.ready();
    await refill();
    while (queue.length) {
      throwIfAborted(ctx.signal, what);
      const { entry: e, read, release } = queue.shift()!;
      if (read) {
        const data = read.data!;
        const buf = data instanceof Promise ? await data.catch((err: Error) => err) : data;
        queuedBytes -= e.stat.size;
        if (buf instanceof UnresponsiveError || buf instanceof CancelledError) throw buf;
        if (buf instanceof Error) {
          if (errCode(buf) === 'ENOENT') warn(`${e.rel} disappeared before it was read (skipped)`);
          else warn(`Cannot read ${e.rel}: ${errorText(buf)} (skipped)`);
        } else {
          await writer.header(headerFor(e, buf.length));
          await writer.put(buf);
          await writer.padToBlock(buf.length);
          files++;
          bytes += buf.length;
          stored.add(e, buf.length);
        }
        release!(); // after put() copied the bytes into the chunk
      } else if (e.type === 'file') {
        await storeLarge(e);
      } else {
        await writer.header(headerFor(e, 0));
        stored.add(e);
      }
      if (e.type === 'file') {
        ctx.progress({ files, bytes, current: e.rel, percent: percent() });
      }
      await refill();
    }
    const { size, sha256 } = await writer.finish();
    throwIfAborted(ctx.signal, what);
    // The index lets a single file be read (and a restore run) without inflating everything.
    // It is written while the folder is fsynced. Its hash goes into the history with the
    // archive's: a reader uses only the recorded index.
    const index = writer.indexData();
    let indexSha256: string | undefined;
    const archivePath = await file.commit(nameFor, index && ((path) => fsGuard.run(destination, 'destination', () => writeArchiveIndex(path, index, sha256, writer.writtenTail), ctx.signal).then(
      (w) => void (indexSha256 = w.sha256),
      (err) => void ctx.log('warn', `Index of ${path} not written (${errorText(err)}); it is rebuilt when needed`),
    )));
    const manifestHash = stored.digest();
    const warnings = shown.total;
    const more = moreWarnings(shown.dropped);
    if (more) ctx.log('warn', more);
    const summary = `${plural(files, 'file')}, ${formatBytes(size)}${warnings ? `, ${warnings} warning${warnings === 1 ? '' : 's'}` : ''}`;
    ctx.log('info', `Archive ${archivePath}: ${summary}, sha256 ${sha256}`);
    ctx.log('debug', `${writer.members} gzip members, ${writer.storedMembers} stored uncompressed (incompressible data)`);
    ctx.progress({ files, bytes, percent: 100 });
    return { archivePath, size, fileCount: files, sha256, indexSha256, summary, manifestHash, warnings };
  } catch (e) {
    await writer.abandon();
    await file.discard();
    await it.return(undefined).catch(() => undefined);
    await ahead?.stop();
    await Promise.allSettled(queue.map((q) => q.read?.data));
    if (ctx.signal.aborted) throw new CancelledError(what);
    throw e;
  }
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
