// An in-memory stand-in for the store behind the Task Log: enough of queryTasks / logAfter /
// changesSince / getTask semantics (revision cursor, removals, filters, sort, paging) for the
// controller tests, the fuzz test and the protocol benchmark, without sql.js.
import type { LogLevel, LogLine, TaskPage, TaskQuery, TaskRecord } from '../../../src/shared/model';
import type { ChangeSet } from '../../../src/extension/core/store/taskStore';
import type { TaskLogDataSource } from '../../../src/extension/ui/taskLogController';
import type { EnvironmentRef, TaskAction } from '../../../src/shared/protocol';

export class FakeTaskLogSource implements TaskLogDataSource {
  revision = 0;
  private removedAt = 0;
  readonly tasks = new Map<number, TaskRecord>();
  readonly logs = new Map<number, LogLine[]>();
  envs: EnvironmentRef[] = [{ id: 'docs', name: 'Docs' }, { id: 'db', name: 'Database' }];
  readonly actions: Array<[TaskAction, number]> = [];
  private nextId = 1;

  addTask(patch: Partial<TaskRecord> = {}): TaskRecord {
    const id = this.nextId++;
    const t: TaskRecord = {
      id, envId: 'docs', kind: 'backup', trigger: 'manual', status: 'succeeded',
      queuedAt: 1_700_000_000_000 + id * 1000, startedAt: 1_700_000_000_000 + id * 1000, finishedAt: 1_700_000_000_000 + id * 1000 + 500,
      progress: null, result: { size: id * 100 }, error: null, skipReason: null, warnings: 0, logCount: 0, lastSeq: 0,
      ...patch, revision: ++this.revision,
    };
    t.id = id;
    this.tasks.set(id, t);
    return t;
  }

  update(id: number, patch: Partial<TaskRecord>): TaskRecord {
    const t = { ...this.tasks.get(id)!, ...patch, id, revision: ++this.revision };
    this.tasks.set(id, t);
    return t;
  }

  appendLog(taskId: number, level: LogLevel, text: string, time = 1_700_000_000_000): void {
    const t = this.tasks.get(taskId)!;
    const seq = t.lastSeq + 1;
    const lines = this.logs.get(taskId) ?? [];
    lines.push({ taskId, seq, time, level, text });
    this.logs.set(taskId, lines);
    this.update(taskId, { lastSeq: seq, logCount: lines.length, warnings: t.warnings + (level === 'warn' ? 1 : 0) });
  }

  remove(id: number): void {
    this.tasks.delete(id);
    this.logs.delete(id);
    this.removedAt = ++this.revision;
  }

  getTask(id: number): TaskRecord | undefined {
    return this.tasks.get(id);
  }

  async searchTasks(q: TaskQuery): Promise<TaskPage> {
    return this.queryTasks(q);
  }

  queryTasks(q: TaskQuery): TaskPage {
    const text = q.text?.toLowerCase();
    const rows = [...this.tasks.values()].filter((t) =>
      (!q.envIds?.length || q.envIds.includes(t.envId)) &&
      (!q.statuses?.length || q.statuses.includes(t.status)) &&
      (!q.kinds?.length || q.kinds.includes(t.kind)) &&
      (!q.triggers?.length || q.triggers.includes(t.trigger)) &&
      (q.from === undefined || t.queuedAt >= q.from) &&
      (q.to === undefined || t.queuedAt <= q.to) &&
      (!text || `${t.error ?? ''} ${t.skipReason ?? ''} ${t.result?.summary ?? ''}`.toLowerCase().includes(text)));
    const key = (t: TaskRecord): number | string => {
      switch (q.sort ?? 'queuedAt') {
        case 'duration': return t.startedAt !== null && t.finishedAt !== null ? t.finishedAt - t.startedAt : -1;
        case 'size': return t.result?.size ?? -1;
        default: return (t[(q.sort ?? 'queuedAt') as keyof TaskRecord] as number | string | null) ?? -1;
      }
    };
    rows.sort((a, b) => {
      const ka = key(a), kb = key(b);
      const c = ka < kb ? -1 : ka > kb ? 1 : a.id - b.id;
      return q.descending ? -c : c;
    });
    const offset = q.offset ?? 0;
    return { rows: rows.slice(offset, offset + (q.limit ?? 50)), total: rows.length };
  }

  logAfter(taskId: number, afterSeq: number, limit: number): LogLine[] {
    return (this.logs.get(taskId) ?? []).filter((l) => l.seq > afterSeq).slice(0, limit);
  }

  changesSince(revision: number): ChangeSet {
    const tasks = [...this.tasks.values()].filter((t) => t.revision > revision).sort((a, b) => a.id - b.id);
    return { revision: this.revision, tasks, removed: this.removedAt > revision };
  }

  environments(): EnvironmentRef[] {
    return this.envs;
  }

  async runAction(action: TaskAction, taskId: number): Promise<string | void> {
    this.actions.push([action, taskId]);
    if (!this.tasks.has(taskId)) throw new Error(`no task ${taskId}`);
    return action === 'cancel' ? 'Cancelled' : undefined;
  }
}
