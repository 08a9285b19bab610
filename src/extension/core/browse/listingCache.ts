// Listings of backups for the `backup:` file system, the Browse view and Compare's marks. A
// backup never changes, so what was listed is kept; but one restic snapshot can hold millions of
// entries, so:
// - engines that can (restic) are listed one folder at a time, and a single path (a mark) is
//   looked up by itself; the others (archive: its index) are listed whole;
// - the cache is bounded by entries, not by listings: least recently used listings go first
//   (the last one stays even when it alone is larger: the archive engine lists whole backups);
// - a listing being fetched is shared by every caller, and cancelled (its process killed) once
//   every caller has given up; one caller giving up leaves it running for the others.
// - at most 4 listings run at once: a workspace folder of a backup is searched folder by folder,
//   and VS Code asks for many folders together; each restic listing is a process.
// A failed or cancelled listing is not kept.
import type { BackupEntry } from '../engines/types';
import { CancelledError } from '../util/errors';
import { normalizeEntryPath, parentEntry } from './backupUri';
import { EntryIndex, sortEntries } from './entryIndex';

/** What the cache reads through (the read side of Backups). */
export interface ListingSource {
  listsFolders(envId: string): boolean;
  listFiles(envId: string, backupId: string, signal?: AbortSignal): Promise<BackupEntry[]>;
  listFolder(envId: string, backupId: string, dir: string, signal?: AbortSignal): Promise<BackupEntry[]>;
  statEntry(envId: string, backupId: string, path: string, signal?: AbortSignal): Promise<BackupEntry | undefined>;
}

/**
 * Entries kept at most. An entry costs about 450 B in the heap (path, name, numbers, map slots):
 * 200,000 entries are about 90 MB, however many folders or backups they come from.
 */
export const LISTING_CACHE_ENTRIES = 200_000;

const ROOT: BackupEntry = { path: '', type: 'dir', size: 0 };

type Listing = EntryIndex | BackupEntry[];

interface Flight<T> {
  promise: Promise<T>;
  controller: AbortController;
  waiters: number;
}

export class ListingCache {
  private readonly kept = new Map<string, { listing: Listing; weight: number }>();
  private weight = 0;
  private readonly flights = new Map<string, Flight<unknown>>();

  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly source: ListingSource,
    readonly maxEntries = LISTING_CACHE_ENTRIES,
    readonly maxRunning = 4,
  ) {}

  /** Entries kept now (for tests and the benchmark). */
  get keptEntries(): number {
    return this.weight;
  }

  /** The entries directly in folder `dir`, folders first, then by name. */
  async children(envId: string, backupId: string, dir: string, signal?: AbortSignal): Promise<BackupEntry[]> {
    const d = normalizeEntryPath(dir);
    if (!this.source.listsFolders(envId)) return (await this.whole(envId, backupId, signal)).children(d);
    return (await this.listing(`F\0${envId}\0${backupId}\0${d}`, signal, async (s) => sortEntries(await this.source.listFolder(envId, backupId, d, s)))) as BackupEntry[];
  }

  /** One entry, from its folder's listing (which the file system and the tree list next anyway). */
  async stat(envId: string, backupId: string, path: string, signal?: AbortSignal): Promise<BackupEntry | undefined> {
    const p = normalizeEntryPath(path);
    if (!p) return ROOT;
    if (!this.source.listsFolders(envId)) return (await this.whole(envId, backupId, signal)).stat(p);
    return (await this.children(envId, backupId, parentEntry(p), signal)).find((e) => e.path === p);
  }

  /**
   * One path, for a mark: from a kept listing when there is one, otherwise looked up by itself
   * (restic: `ls` of that path), without listing its folder and without keeping anything.
   */
  async lookup(envId: string, backupId: string, path: string, signal?: AbortSignal): Promise<BackupEntry | undefined> {
    const p = normalizeEntryPath(path);
    if (!p) return ROOT;
    if (!this.source.listsFolders(envId)) return (await this.whole(envId, backupId, signal)).stat(p);
    const folder = this.kept.get(`F\0${envId}\0${backupId}\0${parentEntry(p)}`);
    if (folder) return (folder.listing as BackupEntry[]).find((e) => e.path === p);
    return this.join(`S\0${envId}\0${backupId}\0${p}`, signal, (s) => this.source.statEntry(envId, backupId, p, s));
  }

  /** Forget one backup (it was removed) or all of them. */
  clear(envId?: string, backupId?: string): void {
    for (const [key, v] of this.kept) {
      const [, e, b] = key.split('\0');
      if (envId === undefined || (e === envId && (backupId === undefined || b === backupId))) {
        this.kept.delete(key);
        this.weight -= v.weight;
      }
    }
  }

  private async whole(envId: string, backupId: string, signal?: AbortSignal): Promise<EntryIndex> {
    return (await this.listing(`W\0${envId}\0${backupId}`, signal, async (s) => new EntryIndex(await this.source.listFiles(envId, backupId, s)))) as EntryIndex;
  }

  private listing(key: string, signal: AbortSignal | undefined, fetch: (signal: AbortSignal) => Promise<Listing>): Promise<Listing> {
    const hit = this.kept.get(key);
    if (hit) {
      this.kept.delete(key); // most recently used last
      this.kept.set(key, hit);
      return Promise.resolve(hit.listing);
    }
    return this.join(key, signal, async (s) => {
      const listing = await fetch(s);
      this.keep(key, listing);
      return listing;
    });
  }

  private keep(key: string, listing: Listing): void {
    const weight = Math.max(1, listing instanceof EntryIndex ? listing.size : listing.length);
    const old = this.kept.get(key);
    if (old) this.weight -= old.weight;
    this.kept.delete(key);
    this.kept.set(key, { listing, weight });
    this.weight += weight;
    for (const [k, v] of this.kept) {
      if (this.weight <= this.maxEntries || this.kept.size === 1) break;
      this.kept.delete(k);
      this.weight -= v.weight;
    }
  }

  /** Runs `fn` when fewer than maxRunning run; a request given up while it waits never starts. */
  private async limited<T>(signal: AbortSignal, fn: () => Promise<T>): Promise<T> {
    if (this.running < this.maxRunning) this.running++;
    else {
      await new Promise<void>((resolve, reject) => {
        const go = () => {
          signal.removeEventListener('abort', onAbort);
          resolve(); // the slot is handed over: `running` stays as it is
        };
        const onAbort = () => {
          const i = this.waiting.indexOf(go);
          if (i >= 0) this.waiting.splice(i, 1);
          reject(new CancelledError('Listing'));
        };
        signal.addEventListener('abort', onAbort, { once: true });
        this.waiting.push(go);
      });
    }
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }

  /** Joins the request for `key` in flight, or starts it; `signal` lets this caller give up alone. */
  private join<T>(key: string, signal: AbortSignal | undefined, start: (signal: AbortSignal) => Promise<T>): Promise<T> {
    if (signal?.aborted) return Promise.reject(new CancelledError('Listing'));
    let f = this.flights.get(key) as Flight<T> | undefined;
    if (!f) {
      const controller = new AbortController();
      const flight: Flight<T> = { controller, waiters: 0, promise: this.limited(controller.signal, () => start(controller.signal)) };
      f = flight;
      this.flights.set(key, flight as Flight<unknown>);
      const done = () => {
        if (this.flights.get(key) === flight) this.flights.delete(key);
      };
      flight.promise.then(done, done);
    }
    const flight = f;
    flight.waiters++;
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const onAbort = () => {
        if (settled) return;
        settled = true;
        if (--flight.waiters === 0 && this.flights.get(key) === flight) {
          this.flights.delete(key);
          flight.controller.abort();
        }
        reject(new CancelledError('Listing'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const finish = (fn: () => void) => {
        if (settled) return;
        settled = true;
        flight.waiters--;
        signal?.removeEventListener('abort', onAbort);
        fn();
      };
      flight.promise.then(
        (v) => finish(() => resolve(v)),
        (e: unknown) => finish(() => reject(e)),
      );
    });
  }
}
