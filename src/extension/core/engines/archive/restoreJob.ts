// The restore itself, run in a worker thread (restoreWorker.ts) so that none of its per-entry
// file-system calls touch the extension host's main thread: there, synchronous calls are the
// cheapest way to make them (no thread-pool hop per call). Gzip members are inflated in
// parallel in libuv's thread pool (gzipRange.ts) while the entries of the previous ones are
// written; the archive index says where members and entries start, so a restore of some paths
// reads only the members that hold them. Every rule of restoreRules.ts applies.
import * as nodeFs from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { TaskProgress } from '../../../../shared/model';
import { archiveIndex, normalizeEntryPath, type ArchiveIndex, type RecordedArchive } from './archiveIndex';
import { inflateRange } from './gzipRange';
import { formatBytes } from '../../util/format';
import { checkBeforeWriting, decideExisting, DEFAULT_RESTORE_LIMITS, FATAL_WRITE_CODES, freeSpace, inside, pathSelector, refusal, safeMode, segments, spaceNeeded, WriteFailures, writeReason, type FreeSpace, type RestoreLimits } from '../../restore/rules';
import { FILE_TYPES, TarReader, type TarEntry } from './tarReader';

/** The synchronous file-system calls a restore makes; tests inject failures through it. */
export type RestoreFs = Pick<typeof nodeFs, 'openSync' | 'writeSync' | 'closeSync' | 'futimesSync' | 'mkdirSync' | 'symlinkSync' | 'linkSync' | 'renameSync' | 'unlinkSync' | 'rmdirSync' | 'lstatSync' | 'chmodSync' | 'utimesSync' | 'readSync' | 'opendirSync'> & {
  freeSpace?: (path: string) => FreeSpace | undefined;
};

export interface RestoreJob {
  archivePath: string;
  /** The target folder, already created and resolved (realpath). */
  root: string;
  overwrite: boolean;
  paths?: string[];
  limits?: RestoreLimits;
  /** Members inflated at once (default: cores + 1). */
  parallel?: number;
  /** What the history recorded for the archive: only the recorded index is used. */
  recorded?: RecordedArchive;
}

export interface RestoreEvents {
  log(level: 'info' | 'warn' | 'error' | 'debug', text: string): void;
  progress(p: TaskProgress): void;
  cancelled(): boolean;
}

export interface RestoreOutcome {
  files: number;
  dirs: number;
  links: number;
  bytes: number;
  kept: number;
  refused: number;
  /** Conflicts reported (a folder over a file, a file over a folder). */
  conflicts: number;
  /** Entries not restored because they lie below a conflict. */
  blocked: number;
  failures: { path: string; reason: string }[];
  /** Why the restore stopped before the end (a full disk, a bound exceeded), if it did. */
  stopped?: string;
  cancelled?: boolean;
}

const EMPTY_OUTCOME: RestoreOutcome = { files: 0, dirs: 0, links: 0, bytes: 0, kept: 0, refused: 0, conflicts: 0, blocked: 0, failures: [] };

/** Refusals of the whole restore, before anything is written: the message is the user's. */
export class RestoreRefused extends Error {}

const MAX_LOGGED_PER_KIND = 200;

class Stop extends Error {}

export async function runRestoreJob(job: RestoreJob, ev: RestoreEvents, fs: RestoreFs = nodeFs): Promise<RestoreOutcome> {
  const limits = job.limits ?? DEFAULT_RESTORE_LIMITS;
  if (ev.cancelled()) return { ...EMPTY_OUTCOME, failures: [], cancelled: true };
  // Building a missing index reads the whole archive: a cancel must reach it too.
  const ac = new AbortController();
  const poll = setInterval(() => ev.cancelled() && ac.abort(), 50);
  let idx: ArchiveIndex;
  try {
    idx = await archiveIndex(job.archivePath, ac.signal, (why) => ev.log('info', why), false, job.recorded);
  } catch (e) {
    if (ac.signal.aborted) return { ...EMPTY_OUTCOME, failures: [], cancelled: true };
    throw e;
  } finally {
    clearInterval(poll);
  }
  const select = pathSelector(job.paths);
  const named = idx.entries.filter((e) => normalizeEntryPath(e.path) !== '');
  const picked = select ? named.filter((e) => select(e.path)) : named;
  if (select) {
    const each = job.paths!.map((p) => ({ p, sel: pathSelector([p])! }));
    const missing = each.filter(({ sel }) => !picked.some((e) => sel(e.path))).map(({ p }) => p);
    if (missing.length) throw new RestoreRefused(`Not in this backup: ${missing.join(', ')}; nothing was restored`);
  }
  const totalBytes = planOrRefuse(job, picked, limits, fs);
  const x = new Extractor(job, ev, fs, select, limits, totalBytes);
  try {
    for (const span of spans(idx, picked, named.length)) {
      await inflateSpan(job, idx, span, x, fs);
    }
    x.finish();
  } catch (e) {
    x.abortOpenFile();
    // A damaged member or header mid-way: what was written stays, and the outcome says how much.
    if (!(e instanceof Stop)) x.stoppedBy(`the archive is damaged (${e instanceof Error ? e.message : String(e)})`);
  }
  x.logOmitted();
  return x.outcome();
}

/** Checks the bounds and the free space against what this restore would write. */
function planOrRefuse(job: RestoreJob, picked: TarEntry[], limits: RestoreLimits, fs: RestoreFs): number {
  const free = (fs.freeSpace ?? freeSpace)(job.root);
  const sizes: number[] = [];
  let bytes = 0;
  let creates = 0;
  // Into an empty folder (a new one: the usual restore) every entry is a create: nothing to look
  // up. Whatever appears there meanwhile is still met when its entry is written.
  const empty = isEmptyDir(fs, job.root);
  for (const e of picked) {
    if (FILE_TYPES.has(e.type)) bytes += e.size;
    const rel = normalizeEntryPath(e.path);
    // A normalized path without '..' (or a drive) stays inside the target: into an empty one,
    // resolving each of thousands cost the plan 35-65 ms before the first byte was inflated.
    if (empty && !MAY_LEAVE.test(rel)) {
      creates++;
      if (FILE_TYPES.has(e.type)) sizes.push(e.size);
      continue;
    }
    const abs = resolve(job.root, rel);
    if (!inside(job.root, abs)) continue; // refused when its turn comes; never looked at outside the target
    const d = empty ? ({ action: 'create' } as const) : decideExisting(lstatIfAny(fs, abs), e.type === 'Directory', job.overwrite);
    if (d.action === 'create' || d.action === 'replace') {
      creates++;
      if (FILE_TYPES.has(e.type)) sizes.push(e.size);
    }
  }
  const why = checkBeforeWriting({ entries: picked.length, bytes, needed: spaceNeeded(sizes, free?.blockSize ?? 4096), creates }, free, limits);
  if (why) throw new RestoreRefused(`Restore refused before writing anything: ${why}`);
  return bytes;
}

/** A '..' segment or a ':' (a drive or stream on Windows): such a path is resolved to tell. */
const MAY_LEAVE = /(?:^|\/)\.\.(?:\/|$)|:/;

function isEmptyDir(fs: RestoreFs, dir: string): boolean {
  const d = fs.opendirSync(dir);
  try {
    return d.readSync() === null;
  } finally {
    d.closeSync();
  }
}

/** lstat, or undefined when nothing is there (also when a parent is a file: ENOTDIR). */
function lstatIfAny(fs: RestoreFs, p: string): nodeFs.Stats | undefined {
  try {
    return fs.lstatSync(p, { throwIfNoEntry: false });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw e;
  }
}

/** Feeds one span's tar bytes to the extractor; reads are synchronous here (this is the worker). */
async function inflateSpan(job: RestoreJob, idx: ArchiveIndex, span: Span, x: Extractor, fs: RestoreFs): Promise<void> {
  const fd = nodeFs.openSync(job.archivePath, 'r');
  try {
    const readAt = (buf: Buffer, off: number, len: number, pos: number) => fs.readSync(fd, buf, off, len, pos);
    await inflateRange(job.archivePath, idx, span.from, span.to, (buf) => x.write(buf), { readAt, parallel: job.parallel, check: () => x.checkCancel() });
  } finally {
    nodeFs.closeSync(fd);
  }
}

interface Span {
  from: number;
  to: number;
}

/** Runs of entries that lie next to each other in the tar stream: each is inflated as one range. */
function spans(idx: ArchiveIndex, picked: TarEntry[], named: number): Span[] {
  if (picked.length === named) {
    // A full restore reads the whole archive from its first byte to its last, not from where the
    // index says the first entry is to where it says the stream ends: an index that leaves
    // entries out (damaged, or planted beside the archive) cannot make a restore skip them.
    return [{ from: 0, to: Infinity }];
  }
  const out: Span[] = [];
  const pos = new Map(idx.entries.map((e, i) => [e, i]));
  let prev = -2;
  for (const e of picked) {
    const i = pos.get(e)!;
    const end = i + 1 < idx.entries.length ? idx.entries[i + 1].headerOffset : idx.tarSize;
    if (i === prev + 1 && out.length) out[out.length - 1].to = end;
    else out.push({ from: e.headerOffset, to: end });
    prev = i;
  }
  return out;
}

/** Applies tar entries to the target, synchronously, under the rules. */
class Extractor {
  private readonly tar: TarReader;
  private readonly links = new Set<string>();
  private readonly checkedDirs = new Set<string>();
  private readonly madeDirs = new Set<string>();
  /** Folders of the backup not restored because of a conflict: nothing goes below them. */
  private readonly blockedDirs = new Set<string>();
  private readonly dirsToFinish: { abs: string; mode: number; mtime: number }[] = [];
  private readonly failures = new WriteFailures();
  private files = 0;
  private dirs = 0;
  private linksMade = 0;
  private bytes = 0;
  private kept = 0;
  private refused = 0;
  private conflicts = 0;
  private blocked = 0;
  private seen = 0;
  private logged = new Map<string, number>();
  private stopped?: string;
  private cancelled = false;
  private lastProgress = 0;
  private open?: { fd: number; path: string; writeTo: string; finalPath: string; entry: TarEntry; written: number; failed?: unknown; temp: boolean };

  constructor(
    private readonly job: RestoreJob,
    private readonly ev: RestoreEvents,
    private readonly fs: RestoreFs,
    private readonly select: ((p: string) => boolean) | undefined,
    private readonly limits: RestoreLimits,
    private readonly totalBytes: number,
  ) {
    this.tar = new TarReader({ entry: (e) => this.entry(e), data: (b) => this.data(b), entryEnd: () => this.entryEnd() });
  }

  write(buf: Buffer): void {
    // The reader starts at the first byte a span hands it, wherever in the stream that is.
    this.tar.write(buf);
  }

  checkCancel(): void {
    if (this.ev.cancelled()) {
      this.cancelled = true;
      throw new Stop('cancelled');
    }
  }

  private say(kind: string, level: 'warn' | 'info', text: string): void {
    const n = (this.logged.get(kind) ?? 0) + 1;
    this.logged.set(kind, n);
    if (n <= MAX_LOGGED_PER_KIND) this.ev.log(level, text);
  }

  private entry(e: TarEntry): void {
    this.checkCancel();
    const rel = normalizeEntryPath(e.path);
    if (rel === '' || (this.select && !this.select(e.path))) return;
    if (++this.seen > this.limits.maxEntries) this.stop(`the backup holds more than ${this.limits.maxEntries} entries`);
    if (this.blockedDirs.size && this.underBlocked(rel)) {
      this.blocked++;
      return;
    }
    const why = refusal(this.job.root, e, this.links, this.checkedDirs);
    if (why) {
      this.refused++;
      // Whatever comes below a refused link is refused too, rather than made a real folder.
      if (e.type === 'SymbolicLink') this.links.add(rel);
      this.say('refused', 'warn', `Refused ${e.path}: ${why}`);
      return;
    }
    const abs = resolve(this.job.root, rel);
    const isDir = e.type === 'Directory';
    if (!this.ensureParent(rel)) return;
    if (FILE_TYPES.has(e.type)) {
      // Create first, look only when something is there: O_EXCL fails on any name that exists (a
      // link, even a dangling one, included) and never writes through it. A new file costs one
      // call instead of an lstat and an open; the decision below is the same for what exists.
      try {
        return this.startFile(rel, abs, e, false);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') return this.failed(rel, err);
      }
    }
    const d = decideExisting(lstatIfAny(this.fs, abs), isDir, this.job.overwrite);
    if (d.action === 'conflict') {
      this.conflicts++;
      if (isDir) this.blockedDirs.add(rel);
      this.say('conflict', 'warn', `Conflict: ${rel} ${d.reason}${isDir ? '; nothing below it was restored' : ''}`);
      return;
    }
    if (d.action === 'keep') {
      this.kept++;
      this.say('kept', 'warn', `Kept existing ${rel} (not overwritten)`);
      return;
    }
    try {
      if (isDir) {
        // A folder that is already there takes the backup's contents; it keeps its own mode and time.
        if (d.action === 'merge') return void this.madeDirs.add(rel);
        return this.makeDir(rel, abs, e, d.action === 'replace');
      }
      if (e.type === 'SymbolicLink') {
        this.links.add(rel); // before it exists: nothing below it is ever written, even if creating it fails
        return this.makeLink(abs, d.action === 'replace', (at) => this.fs.symlinkSync(e.linkpath!, at));
      }
      if (e.type === 'Link') {
        const target = resolve(this.job.root, normalizeEntryPath(e.linkpath!));
        return this.makeLink(abs, d.action === 'replace', (at) => this.fs.linkSync(target, at));
      }
      this.startFile(rel, abs, e, d.action === 'replace');
    } catch (err) {
      this.failed(rel, err);
    }
  }

  private underBlocked(rel: string): boolean {
    for (let i = rel.indexOf('/'); i >= 0; i = rel.indexOf('/', i + 1)) if (this.blockedDirs.has(rel.slice(0, i))) return true;
    return false;
  }

  /** Replacing goes through a temporary name and one rename: never write into what is there. */
  private tempFor(abs: string, replace: boolean): string {
    return replace ? join(dirname(abs), `.${basename(abs)}.restore-${process.pid}-${Math.random().toString(36).slice(2, 8)}`) : abs;
  }

  private makeLink(abs: string, replace: boolean, create: (at: string) => void): void {
    const at = this.tempFor(abs, replace);
    create(at);
    if (replace) this.renameOver(at, abs);
    this.linksMade++;
  }

  /** Puts a finished temporary file or link in place of what is at `abs` (a folder never). */
  private renameOver(temp: string, abs: string): void {
    if (this.fs.lstatSync(abs, { throwIfNoEntry: false })?.isDirectory()) {
      this.fs.unlinkSync(temp);
      throw Object.assign(new Error(`${abs} became a folder`), { code: 'EISDIR' });
    }
    this.fs.renameSync(temp, abs);
  }

  private makeDir(rel: string, abs: string, e: TarEntry, replace: boolean): void {
    if (replace) this.fs.unlinkSync(abs); // a file or link where the backup has a folder; the user chose to overwrite
    const mode = safeMode(e.mode, true);
    this.fs.mkdirSync(abs, { mode: mode | 0o700 });
    this.madeDirs.add(rel);
    this.dirs++;
    this.dirsToFinish.push({ abs, mode, mtime: e.mtime });
  }

  /** Creates missing parent folders (an archive may lack their entries); false when one cannot be. */
  private ensureParent(rel: string): boolean {
    const parts = segments(rel);
    for (let i = 1; i < parts.length; i++) {
      const p = parts.slice(0, i).join('/');
      if (this.madeDirs.has(p)) continue;
      const st = this.fs.lstatSync(resolve(this.job.root, p), { throwIfNoEntry: false });
      if (st?.isDirectory()) {
        this.madeDirs.add(p);
        continue;
      }
      if (st) {
        this.conflicts++;
        this.blockedDirs.add(p);
        this.say('conflict', 'warn', `Conflict: ${p} is a file in the target, a folder in the backup: kept the file; ${rel} and whatever else is below it were not restored`);
        return false;
      }
      try {
        this.fs.mkdirSync(resolve(this.job.root, p), { mode: 0o755 });
        this.madeDirs.add(p);
      } catch (err) {
        this.failed(rel, err);
        return false;
      }
    }
    return true;
  }

  private startFile(rel: string, abs: string, e: TarEntry, replace: boolean): void {
    const writeTo = this.tempFor(abs, replace);
    // O_EXCL: a name that appeared since the check is never written through (a link planted meanwhile).
    const fd = this.fs.openSync(writeTo, nodeFs.constants.O_WRONLY | nodeFs.constants.O_CREAT | nodeFs.constants.O_EXCL, safeMode(e.mode, false));
    this.open = { fd, path: rel, writeTo, finalPath: abs, entry: e, written: 0, temp: replace };
  }

  private data(buf: Buffer): void {
    const f = this.open;
    if (!f || f.failed) return;
    try {
      let off = 0;
      while (off < buf.length) off += this.fs.writeSync(f.fd, buf, off, buf.length - off);
      f.written += buf.length;
      if (this.bytes + f.written > this.limits.maxBytes) this.stop(`the backup expands to more than ${formatBytes(this.limits.maxBytes)}`);
    } catch (err) {
      if (err instanceof Stop) throw err;
      f.failed = err;
    }
  }

  private entryEnd(): void {
    const f = this.open;
    if (!f) return;
    this.open = undefined;
    let err = f.failed;
    if (!err) {
      try {
        const t = f.entry.mtime / 1000;
        this.fs.futimesSync(f.fd, t, t);
      } catch {
        /* a time stamp is not worth failing a file over */
      }
    }
    try {
      this.fs.closeSync(f.fd);
    } catch (e) {
      err ??= e; // NFS and some FUSE file systems report a full disk only here
    }
    if (!err && f.temp) {
      try {
        this.renameOver(f.writeTo, f.finalPath);
      } catch (e) {
        err = e;
      }
    }
    if (err) {
      try {
        this.fs.unlinkSync(f.writeTo); // ours: created by this restore, incomplete
      } catch {
        /* already gone */
      }
      this.failed(f.path, err);
      return;
    }
    this.files++;
    this.bytes += f.written;
    const now = Date.now();
    if (this.files === 1 || now - this.lastProgress >= 100) {
      this.lastProgress = now;
      this.ev.progress({ files: this.files, bytes: this.bytes, current: f.path, percent: this.totalBytes ? Math.min(99, (100 * this.bytes) / this.totalBytes) : undefined });
    }
  }

  /** After a stop or cancel mid-file: the partial file is removed, never left looking restored. */
  abortOpenFile(): void {
    const f = this.open;
    if (!f) return;
    this.open = undefined;
    try {
      this.fs.closeSync(f.fd);
    } catch {
      /* already failing */
    }
    try {
      this.fs.unlinkSync(f.writeTo);
    } catch {
      /* gone already */
    }
  }

  private failed(path: string, err: unknown): void {
    if (err instanceof Stop) throw err;
    this.failures.add(path, err);
    this.say('failed', 'warn', `Could not write ${path}: ${writeReason(err)}`);
    const code = (err as NodeJS.ErrnoException)?.code;
    if (code && FATAL_WRITE_CODES.has(code)) this.stop(writeReason(err));
  }

  stoppedBy(why: string): void {
    this.stopped = why;
  }

  /** Past MAX_LOGGED_PER_KIND lines of one kind the log only gets their number. */
  logOmitted(): void {
    for (const [kind, n] of this.logged) {
      if (n > MAX_LOGGED_PER_KIND) this.ev.log('warn', `${n - MAX_LOGGED_PER_KIND} more ${kind} entries (not listed one by one)`);
    }
  }

  private stop(why: string): never {
    this.stopped = why;
    throw new Stop(why);
  }

  finish(): void {
    // Folders last, deepest first: writing their content changed their times, and a read-only
    // folder could not have been filled.
    for (const d of this.dirsToFinish.reverse()) {
      try {
        if (d.mode !== (d.mode | 0o700)) this.fs.chmodSync(d.abs, d.mode);
        this.fs.utimesSync(d.abs, d.mtime / 1000, d.mtime / 1000);
      } catch {
        /* times and modes of folders are best effort, as in GNU tar */
      }
    }
  }

  outcome(): RestoreOutcome {
    return {
      files: this.files,
      dirs: this.dirs,
      links: this.linksMade,
      bytes: this.bytes,
      kept: this.kept,
      refused: this.refused,
      conflicts: this.conflicts,
      blocked: this.blocked,
      failures: this.failures.items,
      stopped: this.stopped,
      cancelled: this.cancelled || undefined,
    };
  }
}
