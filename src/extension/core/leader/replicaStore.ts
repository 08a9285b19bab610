// A follower window's view of tasks.db: a read-only copy loaded from the file the leader writes,
// reloaded when the file changes (the leader persists at most once per coalescing window, by
// atomic rename, so a reader never sees half a file). Changes between two copies are found with
// the store's own revision cursor and raised as events, so the views update as in the leader.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { TaskRecord } from '../../../shared/model';
import type { TaskReader } from '../backups';
import type { Clock, Logger } from '../ports';
import { DB_FILE, loadSqlJs, defaultWasmPath } from '../store/openTaskStore';
import { prepareForReading, SchemaError } from '../store/schema';
import { SqlTaskStore } from '../store/sqlStore';
import { Emitter } from '../util/emitter';

export interface ReplicaOptions {
  dir: string;
  clock: Clock;
  logger: Logger;
  wasmPath?: string;
  /** How often the file is checked for a new version (default 500 ms). */
  pollMs?: number;
  /** Told once when a newer version of the extension wrote the file (this window should reload). */
  onWarning?: (message: string) => void;
}

export class ReplicaStore implements TaskReader {
  private current: SqlTaskStore | undefined;
  private signature = '';
  private timer: ReturnType<typeof setInterval> | undefined;
  private loading: Promise<void> | undefined;
  private warnedNewer = false;
  private disposed = false;
  private readonly changed = new Emitter<{ tasks: TaskRecord[]; removed: boolean }>();
  /** Fires after a reload with the rows that changed (and whether rows were deleted). */
  readonly onDidChange = this.changed.event;

  private constructor(private readonly opts: ReplicaOptions) {}

  static async open(opts: ReplicaOptions): Promise<ReplicaStore> {
    const r = new ReplicaStore(opts);
    await r.refresh();
    r.timer = setInterval(() => void r.refresh(), opts.pollMs ?? 500);
    (r.timer as { unref?: () => void }).unref?.();
    return r;
  }

  get path(): string {
    return join(this.opts.dir, DB_FILE);
  }

  /** Loads the file again if it changed since the last load. */
  refresh(): Promise<void> {
    this.loading ??= this.load().finally(() => (this.loading = undefined));
    return this.loading;
  }

  queryTasks: TaskReader['queryTasks'] = (q) => this.store?.queryTasks(q) ?? { rows: [], total: 0 };
  searchTasks: TaskReader['searchTasks'] = async (q) => this.queryTasks(q);
  getTask: TaskReader['getTask'] = (id) => this.store?.getTask(id);
  lastSucceeded: TaskReader['lastSucceeded'] = (envId, kind) => this.store?.lastSucceeded(envId, kind);
  recentRuns: TaskReader['recentRuns'] = (envId, limit) => this.store?.recentRuns(envId, limit) ?? [];
  logAfter: TaskReader['logAfter'] = (id, after, limit) => this.store?.logAfter(id, after, limit) ?? [];
  changesSince: TaskReader['changesSince'] = (rev) => this.store?.changesSince(rev) ?? { revision: 0, tasks: [], removed: false };

  getState(key: string): string | undefined {
    return this.store?.getState(key);
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearInterval(this.timer);
    this.current?.close();
    this.current = undefined;
    this.changed.dispose();
  }

  private get store(): SqlTaskStore | undefined {
    return this.current;
  }

  private async load(): Promise<void> {
    let sig: string;
    try {
      const st = await fs.stat(this.path);
      sig = `${st.ino}:${st.size}:${st.mtimeMs}`;
    } catch {
      return; // no history yet: the leader has not written one
    }
    if (sig === this.signature) return;
    try {
      const SQL = await loadSqlJs(this.opts.wasmPath ?? defaultWasmPath());
      const bytes = await fs.readFile(this.path);
      const db = new SQL.Database(bytes);
      let outcome: ReturnType<typeof prepareForReading>;
      try {
        // The leader may run another version: an older file is migrated in this copy only, a
        // newer one is read only if it still has what this version reads.
        outcome = prepareForReading(db);
      } catch (e) {
        db.close();
        if (e instanceof SchemaError) this.signature = sig; // the same file fails the same way: do not re-read it every poll
        throw e;
      }
      if (outcome === 'newer' && !this.warnedNewer) {
        this.warnedNewer = true;
        this.opts.onWarning?.('The task history was updated in another window by a newer version of Backup Scheduler: reload this window to use it.');
      }
      if (this.disposed) {
        db.close(); // disposed while this copy loaded: keeping it would hold its WASM memory for good
        return;
      }
      const next = new SqlTaskStore(db, this.path, {
        clock: this.opts.clock,
        logger: this.opts.logger,
        bounds: { maxAgeDays: 36500, maxTasks: Number.MAX_SAFE_INTEGER, maxLinesPerTask: Number.MAX_SAFE_INTEGER },
        coalesceMs: 2 ** 31 - 1,
        readOnly: true,
      });
      const before = this.current;
      const since = before?.currentRevision ?? 0;
      this.current = next;
      this.signature = sig;
      before?.close();
      if (!before) return; // the first copy is the starting state, not a change
      const changes = next.changesSince(since);
      if (changes.tasks.length || changes.removed || next.currentRevision < since) {
        this.changed.fire({ tasks: changes.tasks, removed: changes.removed || next.currentRevision < since });
      }
    } catch (e) {
      // A file caught mid-replace cannot happen (rename is atomic); anything else: keep the old copy.
      this.opts.logger.warn(`could not read the task history written by the leader window: ${(e as Error).message}`);
    }
  }
}
