// `backup-scheduler agent install --link` for real on this machine, run from a folder holding the
// agent's program and the command line (as dist/ does): the agent is installed through the same
// AgentInstaller the VS Code command uses (a systemd user service where `systemctl --user` works,
// else a detached process), runs from <storage>/agent/<version>/, and the command is linked into
// ~/.local/bin (a temporary HOME). The link works from any shell; uninstall removes it all.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pidAlive } from '../../../src/extension/core/agentService/agentProcess';
import { cli, until } from './helpers';

const repo = join(__dirname, '..', '..', '..', '..');

describe('backup-scheduler agent install --link (real processes)', function () {
  this.timeout(240_000);
  let root: string;
  let home: string;
  let storage: string;
  let bin: string;
  const env = () => ({ HOME: home, BACKUP_SCHEDULER_STATE_DIR: join(root, 'state') });
  const bs = (...args: string[]) => cli(['--storage', storage, ...args], { env: env(), script: join(bin, 'cli.js') });
  const lockPid = () => {
    try {
      return Number(readFileSync(join(storage, 'agent', 'agent.lock'), 'utf8'));
    } catch {
      return undefined;
    }
  };

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'bs-cli-install-'));
    home = join(root, 'home');
    storage = join(root, 'storage');
    bin = join(root, 'dist');
    for (const d of [join(home, '.local', 'bin'), storage, bin]) mkdirSync(d, { recursive: true });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const esbuild = require('esbuild') as typeof import('esbuild');
    const common = { bundle: true, platform: 'node' as const, format: 'cjs' as const, target: 'node20', logLevel: 'silent' as const, define: { 'process.env.BACKUP_SCHEDULER_VERSION': '"9.9.8"' } };
    esbuild.buildSync({ ...common, entryPoints: [join(repo, 'src/agent/main.ts')], outfile: join(bin, 'agent.js') });
    esbuild.buildSync({ ...common, entryPoints: [join(repo, 'src/cli/main.ts')], outfile: join(bin, 'cli.js') });
    esbuild.buildSync({ ...common, entryPoints: [join(repo, 'src/extension/core/engines/archive/restoreWorker.ts')], outfile: join(bin, 'restoreWorker.js') });
    esbuild.buildSync({ ...common, entryPoints: [join(repo, 'src/extension/core/util/spawnWorker.ts')], outfile: join(bin, 'spawnWorker.js') });
    copyFileSync(join(repo, 'node_modules/sql.js/dist/sql-wasm.wasm'), join(bin, 'sql-wasm.wasm'));
  });
  after(async () => {
    await bs('agent', 'uninstall');
    const pid = lockPid();
    if (pid && pidAlive(pid)) process.kill(pid, 'SIGKILL');
    rmSync(root, { recursive: true, force: true });
  });

  it('installs, links, runs from its installed files, and uninstalls', async () => {
    const r = await bs('agent', 'install', '--link', '--json');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const report = JSON.parse(r.stdout) as { kind: string; version: string; files: string[]; launcher: string; link: { linked?: string } };
    assert.equal(report.version, '9.9.8');
    const installed = join(storage, 'agent', '9.9.8');
    for (const f of ['agent.js', 'cli.js', 'sql-wasm.wasm', 'restoreWorker.js', 'spawnWorker.js']) assert.ok(report.files.includes(join(installed, f)), `${f} in ${report.files.join(', ')}`);
    assert.equal(report.launcher, join(storage, 'bin', 'backup-scheduler'));
    assert.match(readFileSync(report.launcher, 'utf8'), new RegExp(`${installed.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/cli\\.js`));
    const link = join(home, '.local', 'bin', 'backup-scheduler');
    assert.equal(report.link.linked, link);
    assert.equal(readlinkSync(link), report.launcher);

    // The link, from a plain shell with nothing but PATH: the command line of the installed copy.
    const status = await until('the installed agent to lead', () => {
      const s = spawnSync('sh', ['-c', 'backup-scheduler status --json'], { encoding: 'utf8', env: { PATH: `${join(home, '.local', 'bin')}:${process.env.PATH}`, HOME: home, BACKUP_SCHEDULER_STATE_DIR: join(root, 'state') } });
      const parsed = s.status === 0 ? (JSON.parse(s.stdout) as { leader: { host: string; pid: number } | null }) : undefined;
      return parsed?.leader?.host === 'agent' && parsed.leader;
    }, 120_000);
    const st = JSON.parse((await bs('agent', 'status', '--json')).stdout) as { installed: { kind: string; version: string }; running: boolean; pid: number; leadingSince: number | null };
    assert.deepEqual([st.installed.kind, st.installed.version, st.running, st.pid], [report.kind, '9.9.8', true, status.pid]);
    assert.ok(st.leadingSince && st.leadingSince <= Date.now());

    const stop = await bs('agent', 'stop');
    assert.equal(stop.code, 0, stop.stdout + stop.stderr);
    assert.equal(pidAlive(status.pid), false);
    const start = await bs('agent', 'start', '--json');
    assert.equal(start.code, 0, start.stdout + start.stderr);
    const again = JSON.parse(start.stdout) as { pid: number };
    assert.ok(pidAlive(again.pid));

    const un = await bs('agent', 'uninstall', '--json');
    assert.equal(un.code, 0, un.stdout + un.stderr);
    const removed = (JSON.parse(un.stdout) as { removed: string[] }).removed;
    assert.ok(removed.includes(link) && removed.includes(installed) && removed.includes(report.launcher), removed.join(', '));
    assert.equal(existsSync(report.launcher), false);
    assert.equal(existsSync(link), false);
    assert.equal(existsSync(installed), false);
    await until('the agent to stop', () => !pidAlive(again.pid), 60_000);
  });

  it('bad input: unknown action, --link without install', async () => {
    const a = await bs('agent', 'restart');
    assert.equal(a.code, 2);
    assert.match(a.stderr, /unknown action "restart"/);
    const b = await bs('agent', 'status', '--link');
    assert.equal(b.code, 2);
  });
});
