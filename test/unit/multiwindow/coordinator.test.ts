// Several "windows" (real processes, each a Coordinator) on one storage folder: one leads, the
// others follow; commands from a follower run in the leader; the leader's death hands over;
// and over many takeovers no scheduled occurrence runs twice.
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReplicaStore } from '../../../src/extension/core/leader/replicaStore';
import { silentLogger, systemClock } from '../../../src/extension/core/ports';

const FIXTURE = join(__dirname, 'fixtures', 'window.js');

interface Line { pid: number; at: number; role?: 'leader' | 'follower'; runNow?: { kind: string; taskId?: number; message?: string; error?: string } }

class Window {
  readonly lines: Line[] = [];
  readonly proc: ChildProcess;
  exited = false;
  constructor(storage: string, envs: unknown[]) {
    this.proc = spawn(process.execPath, [FIXTURE], { env: { ...process.env, BS_STORAGE: storage, BS_ENVS: JSON.stringify(envs) }, stdio: ['pipe', 'pipe', 'inherit'] });
    let buf = '';
    this.proc.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        this.lines.push(JSON.parse(buf.slice(0, i)) as Line);
        buf = buf.slice(i + 1);
      }
    });
    this.proc.on('exit', () => (this.exited = true));
  }
  get role(): string | undefined {
    return [...this.lines].reverse().find((l) => l.role)?.role;
  }
  send(cmd: object): void {
    this.proc.stdin!.write(JSON.stringify(cmd) + '\n');
  }
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.exited) return;
    const done = new Promise((r) => this.proc.once('exit', r));
    this.proc.kill(signal);
    await done;
  }
}

async function until<T>(what: string, f: () => T | undefined | false, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('many windows on one storage folder (real processes)', function () {
  this.timeout(240_000);
  let storage: string;
  let windows: Window[] = [];
  let replica: ReplicaStore | undefined;
  const open = (envs: unknown[]) => {
    const w = new Window(storage, envs);
    windows.push(w);
    return w;
  };

  beforeEach(() => {
    storage = mkdtempSync(join(tmpdir(), 'bs-windows-'));
    windows = [];
  });
  afterEach(async () => {
    replica?.dispose();
    replica = undefined;
    await Promise.all(windows.map((w) => w.stop('SIGKILL')));
    rmSync(storage, { recursive: true, force: true });
  });

  async function history(): Promise<ReplicaStore> {
    replica ??= await ReplicaStore.open({ dir: storage, clock: systemClock, logger: silentLogger, pollMs: 60_000 });
    await replica.refresh();
    return replica;
  }

  it('one leader; a follower\'s Run now runs in the leader; killing the leader hands over and marks its task interrupted', async () => {
    const envs = [
      { id: 'quick', name: 'Quick', type: 'command', command: 'echo hi > "$BACKUP_FILE"', destination: join(storage, 'dst'), schedule: '0 3 * * *' },
      { id: 'long', name: 'Long', type: 'command', command: 'sleep 60', destination: join(storage, 'dst'), schedule: '0 3 * * *' },
    ];
    const a = open(envs);
    await until('first window to lead', () => a.role === 'leader', 90_000);
    const b = open(envs);
    const c = open(envs);
    await until('the others to follow', () => b.role === 'follower' && c.role === 'follower', 90_000);

    b.send({ op: 'runNow', envId: 'quick' });
    const r = await until('the answer', () => b.lines.find((l) => l.runNow)?.runNow);
    assert.equal(r.kind, 'started', JSON.stringify(r));
    const h = await history();
    await until('the task to succeed', () => h.getTask(r.taskId!)?.status === 'succeeded' || (void h.refresh(), false));

    c.send({ op: 'runNow', envId: 'long' });
    const long = await until('the long task', () => c.lines.find((l) => l.runNow)?.runNow);
    assert.equal(long.kind, 'started');
    await until('the long task to run', () => h.getTask(long.taskId!)?.status === 'running' || (void h.refresh(), false));

    const killedAt = Date.now();
    await a.stop('SIGKILL');
    const next = await until('a new leader', () => [b, c].find((w) => w.role === 'leader'), 30_000);
    const took = [...next.lines].reverse().find((l) => l.role === 'leader')!.at - killedAt;
    console.log(`      takeover after SIGKILL: ${took} ms`);
    assert.ok(took <= 30_000);
    assert.equal([b, c].filter((w) => w.role === 'leader').length, 1);
    await until('the interrupted mark', () => h.getTask(long.taskId!)?.status === 'interrupted' || (void h.refresh(), false));

    const closedAt = Date.now();
    await next.stop('SIGTERM');
    const last = [b, c].find((w) => w !== next)!;
    await until('the last window to lead', () => last.role === 'leader', 10_000);
    console.log(`      takeover after a window closed: ${[...last.lines].reverse().find((l) => l.role === 'leader')!.at - closedAt} ms`);
  });

  it('commands from several followers at the same time are all carried out; no task is lost', async () => {
    const envs = Array.from({ length: 9 }, (_, i) => ({ id: `e${i}`, name: `E${i}`, type: 'command', command: `echo ${i} > "$BACKUP_FILE"`, destination: join(storage, 'dst'), schedule: '0 3 * * *' }));
    const leader = open(envs);
    await until('a leader', () => leader.role === 'leader');
    const followers = [open(envs), open(envs), open(envs)];
    await until('followers', () => followers.every((f) => f.role === 'follower'));
    followers.forEach((f, i) => [0, 1, 2].forEach((j) => f.send({ op: 'runNow', envId: `e${i * 3 + j}` })));
    const answers = await until('all answers', () => {
      const all = followers.flatMap((f) => f.lines.filter((l) => l.runNow).map((l) => l.runNow!));
      return all.length === 9 && all;
    });
    // Up to four run at once; the rest wait in the queue.
    assert.ok(answers.every((a) => a.kind === 'started' || a.kind === 'queued'), JSON.stringify(answers));
    const ids = answers.map((a) => a.taskId!);
    assert.equal(new Set(ids).size, 9);
    const h = await history();
    await until('all nine to succeed', () => ids.every((id) => h.getTask(id)?.status === 'succeeded') || (void h.refresh(), false));
    assert.deepEqual(h.queryTasks({ sort: 'envId', limit: 100 }).rows.map((t) => t.envId), envs.map((e) => e.id));
  });

  it('over many takeovers, no scheduled occurrence runs twice', async () => {
    const envs = [{ id: 'tick', name: 'Tick', type: 'command', command: 'echo x > "$BACKUP_FILE"', destination: join(storage, 'dst'), schedule: '*/2 * * * * *' }];
    const live = () => windows.filter((w) => !w.exited);
    open(envs);
    open(envs);
    open(envs);
    const leaders = new Set<number>();
    for (let round = 0; round < 6; round++) {
      const leader = await until('a leader', () => live().find((w) => w.role === 'leader'), 30_000);
      leaders.add(leader.proc.pid!);
      await new Promise((r) => setTimeout(r, 2500 + Math.random() * 2500));
      await leader.stop(round % 2 ? 'SIGKILL' : 'SIGTERM');
      open(envs);
    }
    await until('a leader', () => live().find((w) => w.role === 'leader'), 30_000);
    await new Promise((r) => setTimeout(r, 3000));
    await Promise.all(live().map((w) => w.stop('SIGTERM')));

    const h = await history();
    const tasks = h.queryTasks({ sort: 'id', limit: 1000 }).rows;
    const occurrences: string[] = [];
    for (const t of tasks) {
      for (const l of h.logAfter(t.id, 0, 10)) {
        const m = /run of (\S+)$/.exec(l.text);
        if (m) occurrences.push(m[1]);
      }
    }
    const dupes = occurrences.filter((o, i) => occurrences.indexOf(o) !== i);
    console.log(`      ${leaders.size} leaders, ${tasks.length} tasks, ${occurrences.length} occurrences run, ${tasks.filter((t) => t.trigger === 'catch-up').length} catch-ups`);
    assert.ok(leaders.size >= 5, 'the leadership moved between processes');
    assert.ok(occurrences.length >= 8, `runs happened (${occurrences.length})`);
    assert.deepEqual(dupes, [], 'an occurrence ran twice');
  });
});
