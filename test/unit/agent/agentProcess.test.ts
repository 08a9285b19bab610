// The background agent as real processes: the agent bundle copied alone to a folder (as the
// service runs it) and "windows" running the same core (fixtures/window.ts) on one storage folder.
// What the user would see: archives written with no window, a window that opens later follows
// the agent and shows its runs, a SIGKILL in the middle of a backup leaves an interrupted task
// and a window that takes over, and a leading window hands over to a newly started agent after
// its running task, with no occurrence run twice.
import * as assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentLogPath, agentStatusPath, environmentsPath } from '../../../src/extension/core/agent/paths';
import { publish } from '../../../src/extension/core/agent/snapshot';
import { parseEnvironments } from '../../../src/extension/core/environments/parse';

const root = join(__dirname, '..', '..', '..', '..');

interface Line {
  pid: number;
  at: number;
  role?: string;
  who?: string;
  handingOver?: boolean;
  tasks?: { id: number; envId: string; kind: string; trigger: string; status: string; error?: string | null; occurrence?: string }[];
  [k: string]: unknown;
}

class Proc {
  readonly lines: Line[] = [];
  readonly exited: Promise<number | null>;
  private waiters = new Set<() => void>();
  stderr = '';
  constructor(readonly child: ChildProcess) {
    let buf = '';
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (c: string) => {
      buf += c;
      const parts = buf.split('\n');
      buf = parts.pop()!;
      for (const p of parts) if (p.startsWith('{')) this.lines.push(JSON.parse(p) as Line);
      for (const w of [...this.waiters]) w();
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (c: string) => (this.stderr += c));
    this.exited = new Promise((r) => child.on('exit', (code) => r(code)));
  }
  last(): Line | undefined {
    return this.lines.filter((l) => l.role).at(-1);
  }
  waitFor(pred: (l: Line) => boolean, timeoutMs: number, what: string): Promise<Line> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const hit = this.lines.find(pred);
        if (hit) {
          this.waiters.delete(check);
          clearTimeout(timer);
          resolve(hit);
        }
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`timed out waiting for ${what}; last lines: ${JSON.stringify(this.lines.slice(-5))}`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }
  async tasks(): Promise<NonNullable<Line['tasks']>> {
    const before = this.lines.length;
    this.child.stdin!.write(`${JSON.stringify({ op: 'tasks' })}\n`);
    const l = await this.waitFor((x) => this.lines.indexOf(x) >= before && x.tasks !== undefined, 20_000, 'the task list');
    return l.tasks!;
  }
}

const procs = new Set<Proc>();
const dirs: string[] = [];
let agentBin = '';

function temp(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

/** The agent's four files, built from src/agent/main.ts and copied alone to a folder of their own. */
function buildAgent(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const esbuild = require('esbuild') as typeof import('esbuild');
  const bin = temp('bs-agent-bin-');
  const common = { bundle: true, platform: 'node' as const, format: 'cjs' as const, target: 'node20', logLevel: 'silent' as const, define: { 'process.env.BACKUP_SCHEDULER_VERSION': '"9.9.9-test"' } };
  esbuild.buildSync({ ...common, entryPoints: [join(root, 'src/agent/main.ts')], outfile: join(bin, 'agent.js') });
  esbuild.buildSync({ ...common, entryPoints: [join(root, 'src/extension/core/engines/archive/restoreWorker.ts')], outfile: join(bin, 'restoreWorker.js') });
  esbuild.buildSync({ ...common, entryPoints: [join(root, 'src/extension/core/util/spawnWorker.ts')], outfile: join(bin, 'spawnWorker.js') });
  copyFileSync(join(root, 'node_modules/sql.js/dist/sql-wasm.wasm'), join(bin, 'sql-wasm.wasm'));
  return join(bin, 'agent.js');
}

function startAgent(storage: string): Proc {
  // The command line a service uses; cwd elsewhere, so nothing is found by accident.
  const p = new Proc(spawn(process.execPath, [agentBin, '--storage', storage], { cwd: tmpdir(), stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, BACKUP_SCHEDULER_STATE_DIR: join(storage, 'cli-state') } }));
  procs.add(p);
  return p;
}

function startWindow(storage: string, envs: unknown[], secrets: Record<string, string> = {}): Proc {
  const p = new Proc(spawn(process.execPath, [join(__dirname, 'fixtures', 'window.js')], { env: { ...process.env, BS_STORAGE: storage, BS_ENVS: JSON.stringify(envs), BS_SECRETS: JSON.stringify(secrets) }, stdio: ['pipe', 'pipe', 'inherit'] }));
  procs.add(p);
  return p;
}

async function publishFor(storage: string, envs: unknown[]): Promise<void> {
  const entries = parseEnvironments(envs, { workspaceFolder: storage, home: storage, env: {} });
  await publish(environmentsPath(storage), { entries, folders: [], trusted: true, now: Date.now() });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(pred: () => boolean | Promise<boolean>, timeoutMs: number, what: string, show?: () => Promise<unknown>): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${show ? `: ${JSON.stringify(await show())}` : ''}`);
    await sleep(200);
  }
}

/** Scheduled and catch-up runs by occurrence: each must appear once. */
function assertNoOccurrenceTwice(tasks: NonNullable<Line['tasks']>): void {
  const occ = tasks.filter((t) => t.kind === 'backup' && t.occurrence).map((t) => `${t.envId} ${t.occurrence}`);
  assert.deepEqual(occ.filter((o, i) => occ.indexOf(o) !== i), [], `an occurrence ran twice: ${occ.join(', ')}`);
}

describe('background agent (real processes)', function () {
  this.timeout(180_000);

  before(() => {
    agentBin = buildAgent();
  });

  afterEach(async () => {
    for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await Promise.all([...procs].map((p) => p.exited));
    procs.clear();
  });

  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('with no window, runs the published schedule from its own folder; a window opened later follows it and shows its runs; SIGTERM stops it cleanly and a window takes over', async () => {
    const storage = temp('bs-agent-st-');
    const src = temp('bs-agent-src-');
    const dest = temp('bs-agent-dst-');
    writeFileSync(join(src, 'a.txt'), 'hello');
    const envs = [{ id: 'notes', name: 'Notes', type: 'folder', source: src, destination: dest, schedule: '*/2 * * * * *' }];
    await publishFor(storage, envs);
    const agent = startAgent(storage);
    await until(() => readdirSync(dest).filter((n) => n.endsWith('.tar.gz')).length >= 2, 60_000, 'two archives written by the agent');

    const win = startWindow(storage, envs);
    const first = await win.waitFor((l) => l.role !== undefined, 30_000, 'the window role');
    assert.equal(first.role, 'follower', 'a window does not lead while the agent runs');
    await win.waitFor((l) => l.who === 'agent', 30_000, 'the window sees the agent leading');
    // The history reaches the window at the agent's next write of tasks.db (coalesced, about a second).
    await until(async () => (await win.tasks()).filter((t) => t.envId === 'notes' && t.status === 'succeeded').length >= 2, 30_000, "the window to show the agent's runs", () => win.tasks());

    agent.child.kill('SIGTERM');
    assert.equal(await agent.exited, 0);
    await win.waitFor((l) => l.role === 'leader', 30_000, 'the window to take over after the agent stopped');
    const log = readFileSync(agentLogPath(storage), 'utf8');
    assert.match(log, /background agent 9\.9\.9-test starting/);
    assert.match(log, /background agent stopped/);
    assert.ok(!existsSync(join(storage, 'leader', 'agent.hb')), 'its presence file is gone');
    assertNoOccurrenceTwice(await win.tasks());
  });

  it('SIGKILL of the agent in the middle of a backup: the window takes over, the task is interrupted, no occurrence runs twice', async () => {
    const storage = temp('bs-agent-st-');
    const dest = temp('bs-agent-dst-');
    const envs = [{ id: 'slow', name: 'Slow', type: 'command', command: 'sleep 6; echo data > "$BACKUP_FILE"', destination: dest, schedule: '*/10 * * * * *' }];
    await publishFor(storage, envs);
    const agent = startAgent(storage);
    const win = startWindow(storage, envs);
    await win.waitFor((l) => l.who === 'agent', 60_000, 'the agent leading');
    await until(async () => (await win.tasks()).some((t) => t.status === 'running'), 60_000, 'a running backup, seen by the window');
    agent.child.kill('SIGKILL');
    await agent.exited;
    await win.waitFor((l) => l.role === 'leader', 60_000, 'the window to take over');
    // The interrupted one is marked, and the window runs the next occurrences itself.
    await until(async () => (await win.tasks()).some((t) => t.status === 'interrupted'), 30_000, 'the killed task marked interrupted');
    await until(async () => (await win.tasks()).some((t) => t.status === 'succeeded'), 60_000, 'a backup run by the window', () => win.tasks());
    assertNoOccurrenceTwice(await win.tasks());
  });

  it('a restic password kept in SecretStorage: without a window the run fails saying what to do and the agent lists it as awaited; a window hands it over and runs work; it is never written to disk', async () => {
    const storage = temp('bs-agent-st-');
    const src = temp('bs-agent-src-');
    const repo = join(temp('bs-agent-repo-'), 'repo');
    const password = 'correct-horse-battery-staple-4711';
    writeFileSync(join(src, 'a.txt'), 'hello');
    execFileSync('restic', ['init', '--repo', repo], { env: { ...process.env, RESTIC_PASSWORD: password }, stdio: 'ignore' });
    const key = `restic.password:${repo}`;
    const envs = [{ id: 'vault', name: 'Vault', type: 'folder', engine: 'restic', source: src, repository: repo, schedule: '*/5 * * * * *' }];
    await publishFor(storage, envs);
    const agent = startAgent(storage);
    const status = () => (existsSync(agentStatusPath(storage)) ? (JSON.parse(readFileSync(agentStatusPath(storage), 'utf8')) as { waitingForSecrets: string[] }) : undefined);
    await until(() => status()?.waitingForSecrets.includes(key) === true, 60_000, 'the agent to list the password it waits for');
    const win = startWindow(storage, envs, { [key]: password });
    await win.waitFor((l) => l.who === 'agent', 60_000, 'the agent leading');
    await until(async () => (await win.tasks()).some((t) => t.status === 'failed'), 60_000, 'a failed run shown in the window', () => win.tasks());
    const failed = (await win.tasks()).find((t) => t.status === 'failed');
    assert.match(String(failed?.error), /open VS Code once, or use passwordFile\/passwordCommand/);
    win.child.stdin!.write(`${JSON.stringify({ op: 'handSecrets' })}\n`);
    await win.waitFor((l) => l.handed === true, 30_000, 'the hand-over');
    await until(async () => (await win.tasks()).some((t) => t.kind === 'backup' && t.status === 'succeeded'), 60_000, 'a backup with the handed password', () => win.tasks());
    await until(() => status()?.waitingForSecrets.length === 0, 30_000, 'nothing awaited any more');
    // In memory only: no file the agent writes holds it.
    const files = (dir: string): string[] => readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? files(join(dir, n)) : statSync(join(dir, n)).isFile() ? [join(dir, n)] : []));
    for (const f of files(storage)) assert.ok(!readFileSync(f).includes(password), `${f} holds the password`);
    agent.child.kill('SIGTERM');
    assert.equal(await agent.exited, 0);
  });

  it('a leading window hands over to a newly started agent once its running task ends: the task finishes, no occurrence runs twice or is lost', async () => {
    const storage = temp('bs-agent-st-');
    const dest = temp('bs-agent-dst-');
    const envs = [{ id: 'slow', name: 'Slow', type: 'command', command: 'sleep 5; echo data > "$BACKUP_FILE"', destination: dest, schedule: '*/10 * * * * *' }];
    await publishFor(storage, envs);
    const win = startWindow(storage, envs);
    await win.waitFor((l) => l.role === 'leader', 60_000, 'the window leading');
    await until(async () => (await win.tasks()).some((t) => t.status === 'running'), 60_000, 'a running backup in the window');
    const agent = startAgent(storage);
    await win.waitFor((l) => l.handingOver === true, 30_000, 'the window handing over');
    await win.waitFor((l) => l.role === 'follower' && l.who === 'agent', 60_000, 'the agent leading after the hand-over');
    // The task that ran in the window ended well, and the agent runs the next occurrences.
    await until(async () => (await win.tasks()).filter((t) => t.status === 'succeeded').length >= 2, 60_000, 'a backup by the agent after the hand-over', () => win.tasks());
    const tasks = await win.tasks();
    assert.equal(tasks.filter((t) => t.status === 'interrupted' || t.status === 'cancelled').length, 0, `nothing was cut short: ${JSON.stringify(tasks)}`);
    assertNoOccurrenceTwice(tasks);
    assert.match(readFileSync(agentLogPath(storage), 'utf8'), /the background agent is now the leader/);
    agent.child.kill('SIGTERM');
    assert.equal(await agent.exited, 0);
  });
});
