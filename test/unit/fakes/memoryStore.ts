// An in-memory TaskStore for the TaskManager's unit tests (the real one is tested on its own).
import type { LogLevel, LogLine, TaskKind, TaskPage, TaskQuery, TaskRecord } from '../../../src/shared/model';
import type { ChangeSet, HistoryBounds, NewTask, RunRows, TaskPatch, TaskStore } from '../../../src/extension/core/store/taskStore';

export class MemoryStore implements TaskStore {
  tasks = new Map<number, TaskRecord>();
  logs: LogLine[] = [];
  state = new Map<string, string>();
  updates = 0;
  private rev = 0;
  private nextId = 1;

  createTask(t: NewTask): TaskRecord {
    const rec: TaskRecord = {
      id: this.nextId++, envId: t.envId, kind: t.kind, trigger: t.trigger, status: t.status, queuedAt: t.queuedAt,
      startedAt: t.startedAt ?? null, finishedAt: t.finishedAt ?? null, progress: null, result: null,
      error: t.error ?? null, skipReason: t.skipReason ?? null, warnings: 0, logCount: 0, lastSeq: 0, revision: ++this.rev,
      parentId: t.parentId ?? null,
    };
    this.tasks.set(rec.id, rec);
    return { ...rec };
  }
  updateTask(id: number, patch: TaskPatch): TaskRecord {
    const t = this.tasks.get(id);
    if (!t) throw new Error(`no task ${id}`);
    this.updates++;
    Object.assign(t, patch, { revision: ++this.rev });
    return { ...t };
  }
  appendLog(taskId: number, level: LogLevel, text: string, time: number): void {
    const t = this.tasks.get(taskId)!;
    t.lastSeq++;
    t.logCount++;
    if (level === 'warn') t.warnings++;
    t.revision = ++this.rev;
    this.logs.push({ taskId, seq: t.lastSeq, time, level, text });
  }
  getTask(id: number): TaskRecord | undefined {
    const t = this.tasks.get(id);
    return t && { ...t };
  }
  queryTasks(q: TaskQuery): TaskPage {
    const rows = [...this.tasks.values()].filter((t) => !q.envIds || q.envIds.includes(t.envId));
    return { rows, total: rows.length };
  }
  async searchTasks(q: TaskQuery): Promise<TaskPage> {
    return this.queryTasks(q);
  }
  logAfter(taskId: number, afterSeq: number, limit: number): LogLine[] {
    return this.logs.filter((l) => l.taskId === taskId && l.seq > afterSeq).slice(0, limit);
  }
  changesSince(revision: number): ChangeSet {
    return { revision: this.rev, tasks: [...this.tasks.values()].filter((t) => t.revision > revision), removed: false };
  }
  recentRuns(envId: string, limit: number): RunRows[] {
    const all = [...this.tasks.values()];
    return all.filter((t) => t.envId === envId && t.kind === 'backup').reverse().slice(0, limit)
      .map((head) => ({ head: { ...head }, steps: all.filter((s) => s.parentId === head.id).map((s) => ({ ...s })) }));
  }
  lastSucceeded(envId: string, kind: TaskKind): TaskRecord | undefined {
    return [...this.tasks.values()].reverse().find((t) => t.envId === envId && t.kind === kind && t.status === 'succeeded');
  }
  interruptUnfinished(now: number): TaskRecord[] {
    const out: TaskRecord[] = [];
    for (const t of this.tasks.values()) {
      if (t.status === 'running' || t.status === 'queued') out.push(this.updateTask(t.id, { status: 'interrupted', finishedAt: now, error: 'interrupted' }));
    }
    return out;
  }
  getState(key: string): string | undefined {
    return this.state.get(key);
  }
  setState(key: string, value: string): void {
    this.state.set(key, value);
  }
  applyBounds(): void {}
  setBounds(_b: HistoryBounds): void {}
  async clearHistory(): Promise<number> {
    return 0;
  }
  async flush(): Promise<void> {}
  async dispose(): Promise<void> {}
}
