// The background agent installed for real on this machine: the real dist/agent.js (built by the
// project's esbuild script), real processes, this machine's real service manager. Where
// `systemctl --user` works the agent becomes a systemd user service; where it fails ("Failed to
// connect to bus": containers, these test machines) it is started detached. Either way: it runs
// from <storage>/agent/<version>/, leads the election (it is alone), and uninstall stops it and
// removes its files. A window of a newer version replaces the files and restarts it; an older
// one leaves it alone. The `vscode:uninstall` script removes it once the extension is gone.
import * as assert from 'node:assert/strict';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { AgentInstaller, systemContext } from '../../../src/extension/core/agentService';
import { pidAlive, processCommandLine } from '../../../src/extension/core/agentService/agentProcess';
import { execRunner } from '../../../src/extension/core/agentService/commandRunner';
import { SystemdManager } from '../../../src/extension/core/agentService/managers/systemd';

const REPO = resolve(__dirname, '../../../..');
const DIST = join(REPO, 'dist');

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, limitMs = 90_000): Promise<T> {
  const end = Date.now() + limitMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('background agent install (real processes)', function () {
  this.timeout(240_000);
  let tmp: string;
  let installers: AgentInstaller[] = [];

  before(() => {
    // The real bundle, as `npm run build` makes it (a unit-test run does not build dist/ itself).
    execFileSync(process.execPath, ['esbuild.mjs'], { cwd: REPO, stdio: 'pipe' });
    for (const f of ['agent.js', 'sql-wasm.wasm', 'restoreWorker.js', 'spawnWorker.js']) assert.ok(existsSync(join(DIST, f)), `dist/${f} built`);
  });
  beforeEach(() => {
    // Quotes and spaces in the storage path: it reaches the unit file, the pid file and argv.
    tmp = mkdtempSync(join(tmpdir(), `agent install 'q' `));
    installers = [];
  });
  afterEach(async () => {
    for (const i of installers) await i.uninstall(true).catch(() => undefined);
    rmSync(tmp, { recursive: true, force: true });
  });

  const storage = () => join(tmp, 'User', 'globalStorage', 'backup-scheduler.backup-scheduler');
  // The agent records its storage folder for the command line: in a temporary state folder, not the home folder.
  const testEnv = (): NodeJS.ProcessEnv => ({ ...process.env, BACKUP_SCHEDULER_STATE_DIR: join(tmp, 'cli-state') });
  function installer(version: string, storageDir = storage(), env: NodeJS.ProcessEnv = testEnv()): AgentInstaller {
    const i = new AgentInstaller({ storageDir, version, bundleDir: DIST, execPath: process.execPath, ctx: systemContext(env) });
    installers.push(i);
    return i;
  }
  const agentJs = (version: string) => join(storage(), 'agent', version, 'agent.js');
  async function runningFrom(i: AgentInstaller, version: string): Promise<number> {
    const pid = await until('the agent to run', async () => (await i.status()).service.pid);
    const cmd = await processCommandLine(pid, process.platform, execRunner);
    assert.ok(cmd?.includes(agentJs(version)), `pid ${pid} runs ${agentJs(version)}: ${cmd?.join(' ')}`);
    return pid;
  }

  it("installs with this machine's service manager (or detached without one), runs from the version folder, and uninstalls", async () => {
    const i = installer('1.2.3');
    const userBus = process.platform === 'linux' ? (await new SystemdManager(systemContext()).probe()) === undefined : false;
    const report = await i.install();
    assert.equal(report.kind, userBus ? 'systemd' : 'detached');
    for (const f of ['agent.js', 'sql-wasm.wasm', 'restoreWorker.js', 'spawnWorker.js']) {
      assert.ok(report.files.includes(join(storage(), 'agent', '1.2.3', f)), `${f} listed`);
      assert.deepEqual(readFileSync(join(storage(), 'agent', '1.2.3', f)), readFileSync(join(DIST, f)));
    }
    for (const f of report.files) assert.ok(existsSync(f), `${f} written`);
    if (!userBus) assert.match(report.notes.join(' '), /stops at logout or reboot/);

    const pid = await runningFrom(i, '1.2.3');
    // Alone, the agent leads: it runs the schedules (seen through the election's files).
    await until('the agent to lead', async () => (await i.status()).leadingSince);
    assert.ok(existsSync(join(storage(), 'agent', 'agent.log')), 'the agent logs to agent/agent.log');

    const removed = await i.uninstall();
    assert.ok(removed.includes(join(storage(), 'agent', '1.2.3')));
    assert.ok(removed.includes(join(storage(), 'agent', 'service.json')));
    await until('the agent process to end', () => !pidAlive(pid) || undefined);
    assert.equal(existsSync(join(storage(), 'agent', '1.2.3')), false);
    assert.equal(existsSync(join(storage(), 'agent', 'service.json')), false);
    assert.equal(existsSync(join(storage(), 'agent', 'agent.pid')), false);
    assert.equal((await i.status()).service.running, false);
  });

  it('a window of a newer version replaces the files and restarts the agent; an older one leaves it', async () => {
    const old = installer('1.2.3');
    await old.install();
    const oldPid = await runningFrom(old, '1.2.3');

    assert.equal(await installer('1.2.0').upgradeIfOlder(), undefined, 'an older window changes nothing');
    assert.equal(await installer('1.2.3').upgradeIfOlder(), undefined, 'the same version changes nothing');
    assert.ok(pidAlive(oldPid));

    const next = installer('1.3.0');
    const report = await next.upgradeIfOlder();
    assert.ok(report, 'upgraded');
    assert.deepEqual(report.removed, [join(storage(), 'agent', '1.2.3')]);
    await until('the old agent to end', () => !pidAlive(oldPid) || undefined);
    const newPid = await runningFrom(next, '1.3.0');
    assert.notEqual(newPid, oldPid);
    assert.equal(next.installed()?.version, '1.3.0');
    assert.deepEqual(readdirSync(join(storage(), 'agent')).filter((n) => /^\d/.test(n)), ['1.3.0']);
    await until('the new agent to lead', async () => (await next.status()).leadingSince);
  });

  it('replaces an agent started by hand (it holds the agent lock), and a second install keeps its own agent', async () => {
    const hand = spawn(process.execPath, [join(DIST, 'agent.js'), '--storage', storage()], { stdio: 'ignore', detached: true });
    try {
      await until('the hand-started agent to write its status', () => existsSync(join(storage(), 'agent', 'status.json')) || undefined);
      const i = installer('1.2.3');
      const report = await i.install();
      assert.match(report.notes.join(' '), /An agent started by hand was stopped/);
      // Exit 0 after its clean stop, or by the signal itself while it was still starting up.
      await until('the hand-started agent to end', () => hand.exitCode !== null || hand.signalCode !== null || undefined);
      await runningFrom(i, '1.2.3');
      await until('the installed agent to lead', async () => (await i.status()).leadingSince);
      const again = await i.install();
      assert.doesNotMatch(again.notes.join(' '), /started by hand/);
      await runningFrom(i, '1.2.3');
    } finally {
      hand.kill('SIGKILL');
    }
  });

  it('stop and start through the installer', async () => {
    const i = installer('1.2.3');
    await i.install();
    const pid = await runningFrom(i, '1.2.3');
    await i.stop();
    await until('the agent to stop', () => !pidAlive(pid) || undefined);
    assert.equal((await i.status()).service.running, false);
    await i.start();
    assert.notEqual(await runningFrom(i, '1.2.3'), pid);
  });

  it('vscode:uninstall removes the agent once its VS Code no longer has the extension, and keeps it while it does', async () => {
    // A home folder with the layout of VS Code's desktop flavour on this OS.
    const home = join(tmp, 'home');
    const env = { ...process.env, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_DATA_HOME: join(home, '.local', 'share'), APPDATA: join(home, 'AppData', 'Roaming') };
    const userDir = process.platform === 'darwin' ? join(home, 'Library', 'Application Support', 'Code', 'User') : process.platform === 'win32' ? join(env.APPDATA, 'Code', 'User') : join(env.XDG_CONFIG_HOME, 'Code', 'User');
    const storageDir = join(userDir, 'globalStorage', 'backup-scheduler.backup-scheduler');
    const extensions = join(home, '.vscode', 'extensions');
    const own = join(extensions, 'backup-scheduler.backup-scheduler-1.2.3');
    mkdirSync(own, { recursive: true });
    cpSync(DIST, join(own, 'dist'), { recursive: true });
    // Installed with this machine's real environment (a real user service where there is one);
    // the hook finds it through the fake home, and removes the unit where install wrote it.
    const i = new AgentInstaller({ storageDir, version: '1.2.3', bundleDir: DIST, execPath: process.execPath, extensionsDir: extensions, ctx: systemContext(testEnv()) });
    installers.push(i);
    await i.install();
    const pid = await until('the agent to run', async () => (await i.status()).service.pid);

    // A second version of the extension is still installed there: the agent stays.
    mkdirSync(join(extensions, 'backup-scheduler.backup-scheduler-1.3.0'));
    const kept = (await promisify(execFile)(process.execPath, [join(own, 'dist', 'uninstall.js')], { env })).stdout;
    assert.match(kept, /is kept: its VS Code still has the extension/);
    assert.ok(pidAlive(pid));

    // Now that one is marked obsolete too (uninstalled): the hook removes the agent.
    writeFileSync(join(extensions, '.obsolete'), JSON.stringify({ 'backup-scheduler.backup-scheduler-1.3.0': true, 'backup-scheduler.backup-scheduler-1.2.3': true }));
    const out = (await promisify(execFile)(process.execPath, [join(own, 'dist', 'uninstall.js')], { env })).stdout;
    assert.match(out, /removed the background agent of /);
    await until('the agent process to end', () => !pidAlive(pid) || undefined);
    assert.equal(existsSync(join(storageDir, 'agent')), false);
  });
});
