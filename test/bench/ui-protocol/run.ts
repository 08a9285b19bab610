// Task Log protocol benchmark (`npm run bench ui-protocol`): JSON bytes of the poll replies the
// webview gets, over the real sql.js store, with the webview's own state logic (state.ts) driving
// the polls exactly as the panel does. Sizes, not times: they do not depend on the machine.
// Results: test/bench/results/ui-protocol.json.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger, systemClock } from '../../../src/extension/core/ports';
import { openTaskStore } from '../../../src/extension/core/store/openTaskStore';
import { DEFAULT_BOUNDS } from '../../../src/extension/core/store/sqlStore';
import { TaskLogController } from '../../../src/extension/ui/taskLogController';
import { TASK_KINDS, TASK_TRIGGERS, type LogLevel } from '../../../src/shared/model';
import type { ChangesReply, HostReply, UnchangedReply } from '../../../src/shared/protocol';
import { applyPoll, initialState, pollRequest, select, type ViewState } from '../../../src/webview/state';

const repo = join(__dirname, '..', '..', '..', '..');
const bytes = (v: unknown) => Buffer.byteLength(JSON.stringify(v), 'utf8');
const ENVS = ['docs', 'photos', 'postgres', 'home', 'work'].map((id) => ({ id, name: id[0].toUpperCase() + id.slice(1) }));
/** Shaped like real tar/command output: a path, a size, varying length. */
const logText = (i: number) => `adding src/module-${i % 97}/component-${i}/index-${i % 13}.ts (${(i * 7919) % 90_000} bytes)${i % 9 === 0 ? ' - permission bits normalised' : ''}`;

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'bs-bench-ui-'));
  const { store } = await openTaskStore({ dir, clock: systemClock, logger: silentLogger, bounds: DEFAULT_BOUNDS, coalesceMs: 60_000 });
  try {
    const base = Date.now() - 200 * 3_600_000;
    for (let i = 0; i < 200; i++) {
      const q = base + i * 3_600_000;
      const failed = i % 11 === 0;
      const t = store.createTask({ envId: ENVS[i % 5].id, kind: TASK_KINDS[i % 7 === 0 ? 3 : 0], trigger: TASK_TRIGGERS[i % 3], status: failed ? 'failed' : 'succeeded', queuedAt: q, startedAt: q + 10, finishedAt: q + 45_000, error: failed ? 'tar: exit code 2: No space left on device' : null });
      if (!failed) store.updateTask(t.id, { result: { archivePath: `/backups/${t.envId}/${t.envId}-2026${String(i).padStart(4, '0')}-101500.tar.gz`, size: 1_000_000 + i * 4096, fileCount: 1200 + i } });
    }
    const running = store.createTask({ envId: 'docs', kind: 'backup', trigger: 'scheduled', status: 'running', queuedAt: Date.now(), startedAt: Date.now() });
    store.updateTask(running.id, { progress: { percent: 10, files: 100, bytes: 1_000_000, current: 'src/a.ts' } });
    const append = (n: number, from: number) => {
      for (let i = from; i < from + n; i++) store.appendLog(running.id, (i % 50 === 0 ? 'warn' : 'info') as LogLevel, logText(i), Date.now());
    };
    append(100, 0);

    const controller = new TaskLogController({
      searchTasks: (q) => store.searchTasks(q), logAfter: (id, a, l) => store.logAfter(id, a, l), changesSince: (r) => store.changesSince(r),
      getTask: (id) => store.getTask(id), environments: () => ENVS, runAction: async () => undefined,
    }, silentLogger, { pollMs: () => 2000 });

    // The webview's side, with its real state transitions.
    let view: ViewState = select(initialState(), running.id);
    const poll = async (): Promise<ChangesReply | UnchangedReply> => {
      const { request, sent } = pollRequest(view, 1);
      const reply = (await controller.handle(request)) as HostReply;
      if (reply.type !== 'changes' && reply.type !== 'unchanged') throw new Error(`unexpected reply ${JSON.stringify(reply).slice(0, 200)}`);
      view = applyPoll(view, reply, sent);
      return reply;
    };
    const init = await controller.handle({ type: 'ready', id: 1 });
    const first = await poll();

    // Nothing changed: the steady state of an open panel (20 polls, every one measured).
    const idle: number[] = [];
    for (let i = 0; i < 20; i++) idle.push(bytes(await poll()));

    // 1,000 log lines arrive for the selected task between two polls, with the progress update the
    // TaskManager makes meanwhile (the realistic case), then the same without any row change.
    append(1000, 100);
    store.updateTask(running.id, { progress: { percent: 55, files: 1100, bytes: 9_000_000, current: 'src/z.ts' } });
    const withProgress = await poll();
    if (view.logSeq !== 1100) throw new Error(`webview holds log up to ${view.logSeq}, expected 1100`);
    append(1000, 1100);
    const linesOnly = await poll();
    const storeLines = store.logAfter(running.id, 1100, 2000);

    // The same 1,000 lines for a task that is not selected: nothing for this webview to fetch.
    view = select(view, 1);
    await poll();
    append(1000, 2100);
    const otherTask = await poll();

    // One row changes (a progress tick of a running task): the everyday non-empty reply.
    store.updateTask(running.id, { progress: { percent: 56, files: 1110, bytes: 9_100_000, current: 'src/zz.ts' } });
    const oneRow = await poll();

    const parts = (r: ChangesReply | UnchangedReply) => (r.type === 'unchanged' ? { total: bytes(r) } : {
      total: bytes(r), page: r.page ? bytes(r.page) : 0, pageRowsSent: r.page?.rows.length ?? 0, log: r.log ? bytes(r.log) : 0, logLines: r.log?.lines.length ?? 0, selected: r.selected ? bytes(r.selected) : 0,
    });
    const results = {
      date: new Date().toISOString(),
      node: process.version,
      store: 'sql.js (openTaskStore), 201 tasks, page size 50',
      initReplyBytes: bytes(init),
      firstPollBytes: parts(first),
      unchangedReplyBytes: { min: Math.min(...idle), max: Math.max(...idle), replies: idle.length, example: JSON.stringify({ type: 'unchanged', id: 1 }) },
      thousandLogLinesWithProgressUpdate: parts(withProgress),
      thousandLogLinesOnly: parts(linesOnly),
      logBytesPerLine: Math.round((linesOnly.type === 'changes' && linesOnly.log ? bytes(linesOnly.log) : 0) / 1000),
      sameLinesAsLogLineObjects: { bytes: bytes(storeLines), note: 'what the log part would weigh as {taskId,seq,time,level,text} objects instead of tuples' },
      thousandLinesForUnselectedTask: parts(otherTask),
      oneRowChanged: parts(oneRow),
    };
    writeFileSync(join(repo, 'test', 'bench', 'results', 'ui-protocol.json'), `${JSON.stringify(results, null, 2)}\n`);
    console.log(JSON.stringify(results, null, 2));
  } finally {
    await store.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
