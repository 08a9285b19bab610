// The service managers' calls, with a recording runner in place of systemctl / launchctl /
// schtasks (this machine has no user bus and no macOS or Windows): the unit is written where the
// user's manager reads it and enabled with `systemctl --user enable --now`, an already running
// agent is restarted (a new version), lingering is suggested when it is off, removal disables and
// deletes; launchd bootstraps into gui/<uid>; schtasks registers the XML as UTF-16.
import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CommandResult, CommandRunner } from '../../../src/extension/core/agentService/commandRunner';
import { LaunchdManager } from '../../../src/extension/core/agentService/managers/launchd';
import { SchtasksManager } from '../../../src/extension/core/agentService/managers/schtasks';
import { SystemdManager } from '../../../src/extension/core/agentService/managers/systemd';
import type { ManagerContext } from '../../../src/extension/core/agentService/managers/types';
import type { ServiceDefinition } from '../../../src/extension/core/agentService/serviceFiles';

class RecordingRunner implements CommandRunner {
  readonly calls: string[] = [];
  constructor(private readonly answer: (line: string) => Partial<CommandResult> = () => ({})) {}
  async run(file: string, args: string[]): Promise<CommandResult> {
    const line = [file, ...args].join(' ');
    this.calls.push(line);
    return { code: 0, stdout: '', stderr: '', ...this.answer(line) };
  }
}

const def = (name: string): ServiceDefinition => ({
  name,
  description: 'Backup Scheduler agent',
  command: { node: '/usr/bin/node', electron: false, args: ['/s/agent/0.2.0/agent.js', '--storage', '/s'], cwd: '/s/agent/0.2.0', outLog: '/s/agent/agent.out.log' },
});

describe('agent service managers', () => {
  let home: string;
  beforeEach(() => (home = mkdtempSync(join(tmpdir(), 'managers-'))));
  afterEach(() => rmSync(home, { recursive: true, force: true }));
  const ctx = (runner: CommandRunner, platform: NodeJS.Platform, env: NodeJS.ProcessEnv = {}): ManagerContext => ({ runner, platform, env, homedir: home, uid: 1000, windowsUser: 'PC\\me' });

  it('systemd: writes the unit in the user folder, enables it with --now and suggests lingering', async () => {
    const runner = new RecordingRunner((l) => (l.includes('is-active') ? { code: 3 } : l.startsWith('loginctl') ? { stdout: 'no\n' } : {}));
    const m = new SystemdManager(ctx(runner, 'linux', { XDG_CONFIG_HOME: join(home, 'cfg') }));
    const done = await m.install(def('backup-scheduler-agent-1.service'));
    const unit = join(home, 'cfg', 'systemd', 'user', 'backup-scheduler-agent-1.service');
    assert.deepEqual(done.files, [unit]);
    assert.match(readFileSync(unit, 'utf8'), /^Restart=on-failure$/m);
    assert.deepEqual(runner.calls, [
      'systemctl --user daemon-reload',
      'systemctl --user is-active --quiet backup-scheduler-agent-1.service',
      'systemctl --user enable --now backup-scheduler-agent-1.service',
      'loginctl show-user 1000 --property=Linger --value',
    ]);
    assert.match(done.notes.join(' '), /loginctl enable-linger/);
    assert.ok(!runner.calls.some((c) => /sudo|^systemctl (?!--user)/.test(c)), 'never root');
  });

  it('systemd: restarts an agent that already runs (a new version), no linger hint when lingering', async () => {
    const runner = new RecordingRunner((l) => (l.startsWith('loginctl') ? { stdout: 'yes\n' } : {}));
    const m = new SystemdManager(ctx(runner, 'linux', { XDG_CONFIG_HOME: join(home, 'cfg') }));
    const done = await m.install(def('u.service'));
    assert.ok(runner.calls.includes('systemctl --user restart u.service'));
    assert.deepEqual(done.notes, []);
  });

  it('systemd: an enable that fails is an error with systemctl\'s words; the probe reports a missing bus', async () => {
    const runner = new RecordingRunner((l) => (l.includes('enable') || l.includes('show-environment') ? { code: 1, stderr: 'Failed to connect to bus: No medium found\n' } : l.includes('is-active') ? { code: 3 } : {}));
    const m = new SystemdManager(ctx(runner, 'linux', { XDG_CONFIG_HOME: join(home, 'cfg') }));
    assert.equal(await m.probe(), 'systemctl --user: Failed to connect to bus: No medium found');
    await assert.rejects(m.install(def('u.service')), /systemctl --user enable --now u\.service failed: Failed to connect to bus/);
  });

  it('systemd: removal disables, deletes the unit and reloads', async () => {
    const runner = new RecordingRunner((l) => (l.startsWith('loginctl') ? { stdout: 'yes' } : l.includes('is-active') ? { code: 3 } : {}));
    const m = new SystemdManager(ctx(runner, 'linux', { XDG_CONFIG_HOME: join(home, 'cfg') }));
    await m.install(def('u.service'));
    runner.calls.length = 0;
    const removed = await m.remove(def('u.service'));
    assert.deepEqual(removed, [join(home, 'cfg', 'systemd', 'user', 'u.service')]);
    assert.equal(existsSync(removed[0]), false);
    assert.deepEqual(runner.calls, ['systemctl --user disable --now u.service', 'systemctl --user daemon-reload', 'systemctl --user reset-failed u.service']);
  });

  it('systemd: status reads the state and the main pid', async () => {
    const runner = new RecordingRunner(() => ({ stdout: 'ActiveState=active\nSubState=running\nMainPID=4242\n' }));
    const s = await new SystemdManager(ctx(runner, 'linux')).status(def('u.service'));
    assert.deepEqual(s, { running: true, pid: 4242, detail: 'active (running)' });
  });

  it('launchd: writes the plist in ~/Library/LaunchAgents and bootstraps it into gui/<uid>', async () => {
    const runner = new RecordingRunner((l) => (l.includes('bootout') ? { code: 3, stderr: 'No such process' } : {}));
    const m = new LaunchdManager(ctx(runner, 'darwin'));
    const done = await m.install(def('dev.backup-scheduler.agent.1'));
    const plist = join(home, 'Library', 'LaunchAgents', 'dev.backup-scheduler.agent.1.plist');
    assert.deepEqual(done.files, [plist]);
    assert.match(readFileSync(plist, 'utf8'), /<key>RunAtLoad<\/key><true\/>/);
    assert.deepEqual(runner.calls, [
      'launchctl bootout gui/1000/dev.backup-scheduler.agent.1',
      'launchctl enable gui/1000/dev.backup-scheduler.agent.1',
      `launchctl bootstrap gui/1000 ${plist}`,
    ]);
    runner.calls.length = 0;
    await m.stop(def('dev.backup-scheduler.agent.1'));
    assert.deepEqual(runner.calls, ['launchctl kill SIGTERM gui/1000/dev.backup-scheduler.agent.1']);
  });

  it('schtasks: registers the UTF-16 task XML for the user, then runs it', async () => {
    const runner = new RecordingRunner();
    const m = new SchtasksManager(ctx(runner, 'win32'), join(home, 'agent'));
    const done = await m.install(def('Backup Scheduler Agent 1'));
    const xml = join(home, 'agent', 'task.xml');
    assert.deepEqual(done.files, [xml]);
    const bytes = readFileSync(xml);
    assert.deepEqual([...bytes.subarray(0, 2)], [0xff, 0xfe]);
    assert.match(bytes.subarray(2).toString('utf16le'), /<UserId>PC\\me<\/UserId>/);
    assert.deepEqual(runner.calls, [
      `schtasks /Create /TN Backup Scheduler Agent 1 /XML ${xml} /F`,
      'schtasks /End /TN Backup Scheduler Agent 1',
      'schtasks /Run /TN Backup Scheduler Agent 1',
    ]);
  });
});
