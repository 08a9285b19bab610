// `backup-scheduler` against a leading background agent: the agent and the command line built
// from src/ and copied alone into one folder, as the agent's installed files are, and run from
// there (`node <folder>/cli.js`). Then the agent is stopped through the command line, and the
// command line, with nobody leading, still names the environments the windows published.
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TaskRecord } from '../../../src/shared/model';
import { environmentsPath } from '../../../src/extension/core/agent/paths';
import { publish } from '../../../src/extension/core/agent/snapshot';
import { parseEnvironments } from '../../../src/extension/core/environments/parse';
import { cli, testEnvironments, until, Window } from './helpers';

const repo = join(__dirname, '..', '..', '..', '..');

/** agent.js, cli.js, restoreWorker.js, spawnWorker.js and sql-wasm.wasm in a folder of their own. */
function buildInstalledFiles(bin: string): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const esbuild = require('esbuild') as typeof import('esbuild');
  const common = { bundle: true, platform: 'node' as const, format: 'cjs' as const, target: 'node20', logLevel: 'silent' as const, define: { 'process.env.BACKUP_SCHEDULER_VERSION': '"9.9.9-test"' } };
  esbuild.buildSync({ ...common, entryPoints: [join(repo, 'src/agent/main.ts')], outfile: join(bin, 'agent.js') });
  esbuild.buildSync({ ...common, entryPoints: [join(repo, 'src/cli/main.ts')], outfile: join(bin, 'cli.js') });
  esbuild.buildSync({ ...common, entryPoints: [join(repo, 'src/extension/core/engines/archive/restoreWorker.ts')], outfile: join(bin, 'restoreWorker.js') });
  esbuild.buildSync({ ...common, entryPoints: [join(repo, 'src/extension/core/util/spawnWorker.ts')], outfile: join(bin, 'spawnWorker.js') });
  copyFileSync(join(repo, 'node_modules/sql.js/dist/sql-wasm.wasm'), join(bin, 'sql-wasm.wasm'));
}

describe('command line with a leading background agent', function () {
  this.timeout(240_000);
  let root: string;
  let storage: string;
  let state: string;
  let bin: string;
  let agent: ChildProcess | undefined;
  let window: Window;
  let agentExit: Promise<number | null>;
  // The installed files' cli.js, not the transpiled one the other tests run.
  const bs = (...args: string[]) => cli(['--storage', storage, ...args], { env: { BACKUP_SCHEDULER_STATE_DIR: state }, script: join(bin, 'cli.js') });
  const json = <T>(r: { stdout: string }): T => JSON.parse(r.stdout) as T;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'bs-cli-agent-'));
    storage = join(root, 'storage');
    state = join(root, 'state');
    bin = join(root, 'installed');
    for (const d of [storage, bin, join(root, 'src')]) mkdirSync(d);
    writeFileSync(join(root, 'src', 'notes.md'), '# notes\n');
    buildInstalledFiles(bin);
    // `notes` comes from a workspace's settings (the workspace root/ws, as its window published it).
    mkdirSync(join(root, 'ws'));
    const entries = parseEnvironments(testEnvironments(root), { workspaceFolder: join(root, 'ws'), home: root, env: {}, workspaceIds: new Set(['notes']) });
    await publish(environmentsPath(storage), { entries, folders: [{ path: join(root, 'ws'), scheme: 'file' }], trusted: true, now: Date.now() });
    window = new Window(storage, testEnvironments(root));
    await until('the window to lead', () => window.leads, 90_000);
  });
  after(async () => {
    agent?.kill('SIGKILL');
    await window.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('status shows a leading window handing over to a newly started agent once its task ends', async () => {
    const { taskId } = json<{ taskId: number }>(await bs('run', 'slow', '--json'));
    await until('the slow backup to run', async () => json<{ running: TaskRecord[] }>(await bs('status', '--json')).running.some((t) => t.id === taskId && t.status === 'running'));
    const started = spawn(process.execPath, [join(bin, 'agent.js'), '--storage', storage], { cwd: tmpdir(), stdio: 'ignore', env: { ...process.env, BACKUP_SCHEDULER_STATE_DIR: state } });
    agent = started;
    agentExit = new Promise((r) => started.on('exit', (code) => r(code)));
    const waiting = await until('the window to see the agent', async () => {
      const s = json<{ leader: { host: string; pid: number; agent?: { pid: number }; handingOver?: boolean } }>(await bs('status', '--json'));
      return s.leader.agent && s.leader.handingOver && s.leader;
    });
    assert.deepEqual([waiting.host, waiting.pid, waiting.agent?.pid, waiting.handingOver], ['window', window.proc.pid, agent!.pid, true]);
    assert.match((await bs('status')).stdout, /the background agent \(pid \d+\) takes over once the running tasks end/);
    assert.equal((await bs('cancel', String(taskId))).code, 0);
    await until('the agent to lead', async () => (await bs('status', '--json')).stdout.includes('"host": "agent"'), 120_000);
    await window.stop();
  });

  it('status --json names the agent, its pid and version, and the environments it runs', async () => {
    const s = json<{ leader: { host: string; pid: number; version: string }; environments: { id: string; nextRun: number }[] }>(await bs('status', '--json'));
    assert.deepEqual([s.leader.host, s.leader.pid, s.leader.version], ['agent', agent!.pid, '9.9.9-test']);
    // The user's environments first, then each workspace's, as windows published them.
    assert.deepEqual(s.environments.map((e) => e.id), ['warny', 'broken', 'slow', 'checked', 'notes']);
    assert.match((await bs('status')).stdout, /Leader: background agent \(pid \d+\)/);
    const list = json<{ id: string; origin: string; folder?: string }[]>(await bs('list', '--json'));
    assert.deepEqual(list.map((e) => [e.id, e.origin, e.folder]), [['warny', 'user', undefined], ['broken', 'user', undefined], ['slow', 'user', undefined], ['checked', 'user', undefined], ['notes', 'workspace', join(root, 'ws')]]);
    assert.match((await bs('list')).stdout, new RegExp(`notes .*${join(root, 'ws').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  });

  it('run --wait prints the log and exits 0, 3 or 1; history --json then lists the runs', async () => {
    const ok = await bs('run', 'notes', '--wait');
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /Archive .*notes-\d{8}-\d{6}\.tar\.gz: 1 file/);
    assert.equal(readdirSync(join(root, 'dest')).filter((f) => /^notes-.*\.tar\.gz$/.test(f)).length, 1);
    const warned = await bs('run', 'warny', '--wait');
    assert.equal(warned.code, 3, warned.stdout + warned.stderr);
    const failed = await bs('run', 'broken', '--wait');
    assert.equal(failed.code, 1, failed.stdout + failed.stderr);
    const rows = json<TaskRecord[]>(await bs('history', '--json'));
    assert.deepEqual(rows.slice(0, 3).map((t) => [t.envId, t.status]), [['broken', 'failed'], ['warny', 'succeeded'], ['notes', 'succeeded']]);
    const unknown = await bs('run', 'nope');
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown environment "nope"/);
  });

  it('cancel, log and restore go through the agent', async () => {
    const { taskId } = json<{ taskId: number }>(await bs('run', 'slow', '--json'));
    await until('the slow backup to run', async () => json<{ running: TaskRecord[] }>(await bs('status', '--json')).running.some((t) => t.id === taskId && t.status === 'running'));
    assert.equal((await bs('cancel', String(taskId))).code, 0);
    const followed = await bs('log', String(taskId), '--follow');
    assert.equal(followed.code, 1, followed.stdout);
    assert.match(followed.stdout, /backup #\d+ cancelled/);
    const target = join(root, 'restored');
    mkdirSync(target);
    const r = await bs('restore', 'notes', '--target', target, '--wait');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(readFileSync(join(target, 'notes.md'), 'utf8'), '# notes\n');
  });

  it('without --storage it finds the storage folder the running agent recorded', async () => {
    const r = await cli(['status', '--json'], { env: { BACKUP_SCHEDULER_STATE_DIR: state }, script: join(bin, 'cli.js') });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(json<{ leader: { pid: number } }>(r).leader.pid, agent!.pid);
  });

  it('agent status and agent stop; then, with nobody leading, list shows what the windows published', async () => {
    const st = json<{ running: boolean; pid: number }>(await bs('agent', 'status', '--json'));
    assert.deepEqual([st.running, st.pid], [true, agent!.pid]);
    const stop = await bs('agent', 'stop');
    assert.equal(stop.code, 0, stop.stdout + stop.stderr);
    assert.equal(await agentExit, 0);
    const s = json<{ leader: null }>(await bs('status', '--json'));
    assert.equal(s.leader, null);
    const list = json<{ id: string; name: string; schedule: string; folder?: string }[]>(await bs('list', '--json'));
    assert.deepEqual(list.map((e) => [e.id, e.name, e.schedule, e.folder]), [['warny', 'warny', '0 3 * * *', undefined], ['broken', 'broken', '0 3 * * *', undefined], ['slow', 'slow', '0 3 * * *', undefined], ['checked', 'checked', '0 3 * * *', undefined], ['notes', 'Notes', '0 3 * * *', join(root, 'ws')]]);
    const run = await bs('run', 'notes');
    assert.equal(run.code, 1);
    assert.match(run.stderr, /backup-scheduler agent start/);
  });
});
