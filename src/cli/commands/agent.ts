// `backup-scheduler agent …`: the same actions as the VS Code commands "Keep Backups Running When
// VS Code Is Closed" and its reverse, through the same core (core/agentService/AgentInstaller),
// plus start/stop/status. Run from a checkout's dist/ or from the agent's installed files: either
// way the agent's program is found beside this file.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { AgentInstaller, NodeNotFoundError, systemContext, type InstallReport } from '../../extension/core/agentService';
import { pidAlive, terminate } from '../../extension/core/agentService/agentProcess';
import { LAUNCHER_NAME, writeLauncher } from '../../extension/core/client/launcher';
import { linkLauncher, unlinkLauncher, type LinkResult } from '../../extension/core/client/localBinLink';
import { readLeader } from '../../extension/core/client/leaderLink';
import { VERSION } from '../../extension/core/version';
import { flag, str, UsageError } from '../args';
import type { Command, Context } from '../command';

const ACTIONS = ['start', 'stop', 'status', 'install', 'uninstall'] as const;

/** The agent's pid as its own lock file says (it runs, leading or not), else undefined. */
function runningAgentPid(storage: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(storage, 'agent', 'agent.lock'), 'utf8').trim());
    return Number.isSafeInteger(pid) && pid > 0 && pidAlive(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

function leadingSince(storage: string, pid: number | undefined): number | undefined {
  const l = readLeader(storage);
  return l && pid !== undefined && l.pid === pid ? ((l.extra.leadingSince as number | undefined) ?? l.since) : undefined;
}

async function until(f: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (f()) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return f();
}

/** The launcher in the storage folder, pointed at the installed copy of this command line, and linked if asked. */
function installLauncher(storage: string, installer: AgentInstaller, r: InstallReport, link: boolean): { launcher?: string; link?: LinkResult } {
  const cliJs = join(installer.layout.versionDir(r.version), 'cli.js');
  if (!existsSync(cliJs)) return {};
  const launcher = writeLauncher(join(storage, 'bin'), [{ node: r.node.path, cliJs }, { node: process.execPath, cliJs: join(__dirname, 'cli.js') }], storage);
  return { launcher, ...(link ? { link: linkLauncher(launcher) } : {}) };
}

export const agent: Command = {
  name: 'agent',
  summary: 'the background agent that runs the backups while VS Code is closed: install, uninstall, start, stop, status',
  args: [{ name: 'action', required: true, help: ACTIONS.join(' | ') }],
  options: [
    { name: '--link', help: 'install: also link backup-scheduler into ~/.local/bin (only where that folder exists)' },
    { name: '--node', value: 'PATH', help: 'install: the Node (20 or newer) that runs the agent; default `node` on PATH, else this command\'s runtime' },
  ],
  json: true,
  details: [
    'install    copies the agent\'s files to <storage>/agent/<version>/ and registers it with the user\'s service manager',
    '           (systemd --user, launchd, Task Scheduler), or starts it detached where there is none; lists the files written',
    'uninstall  stops it and removes the service and its files (and the ~/.local/bin link made by --link)',
    'start      starts the installed agent (not installed: starts it for this session only, detached)',
    'stop       stops it; a VS Code window takes over the schedules',
    'status     installed or not, running or not, leading since when',
    'Exit codes: 0 done, 1 failed, 2 bad input.',
  ].join('\n'),
  async run(ctx: Context, p) {
    const action = p.positionals[0];
    if (!(ACTIONS as readonly string[]).includes(action)) throw new UsageError(`agent: unknown action "${action}" (one of ${ACTIONS.join(', ')})`);
    if (flag(p, '--link') && action !== 'install') throw new UsageError('--link goes with agent install');
    if (str(p, '--node') !== undefined && action !== 'install') throw new UsageError('--node goes with agent install');
    const storage = ctx.storage();
    const { out } = ctx;
    const installer = new AgentInstaller({ storageDir: storage, version: VERSION, bundleDir: __dirname, nodePath: str(p, '--node'), execPath: process.execPath, ctx: systemContext() });

    if (action === 'status') {
      const st = await installer.status();
      const pid = st.service.pid ?? runningAgentPid(storage);
      const since = st.leadingSince ?? leadingSince(storage, pid);
      const data = { installed: st.installed ? { kind: st.installed.kind, version: st.installed.version, node: st.installed.node.path } : null, running: pid !== undefined, pid: pid ?? null, leadingSince: since ?? null, detail: st.service.detail, storage };
      if (out.json) out.data(data);
      else {
        out.line(st.installed ? `installed: version ${st.installed.version} as ${st.installed.kind} (node ${st.installed.node.path})` : 'installed: no');
        out.line(pid !== undefined ? `running: pid ${pid}${since ? `, leading since ${new Date(since).toISOString()}` : ', not leading (a VS Code window hands over once its tasks end)'}` : `running: no (${st.service.detail})`);
      }
      return 0;
    }

    if (action === 'install') {
      let r: InstallReport;
      try {
        r = await installer.install();
      } catch (e) {
        out.error(`backup-scheduler: the agent was not installed: ${e instanceof NodeNotFoundError ? e.message : (e as Error).message}`);
        return 1;
      }
      const extra = installLauncher(storage, installer, r, flag(p, '--link'));
      if (out.json) out.data({ ...r, ...extra });
      else {
        out.line(`installed the background agent ${r.version} as ${r.kind === 'detached' ? 'a background process (no user service manager here: it stops at logout or reboot)' : `a ${r.kind} service`}, node ${r.node.path} (${r.node.version})`);
        out.line('files written:');
        for (const f of [...r.files, ...(extra.launcher ? [extra.launcher] : [])]) out.line(`  ${f}`);
        if (extra.link) out.line('linked' in extra.link ? `linked ${extra.link.linked}` : `not linked: ${extra.link.skipped}`);
        for (const n of r.notes) out.line(n);
      }
      return 0;
    }

    if (action === 'uninstall') {
      const launcher = join(storage, 'bin', LAUNCHER_NAME);
      const removed = await installer.uninstall();
      const link = unlinkLauncher(launcher);
      if (link) removed.push(link);
      // A launcher `agent install` pointed at the agent's copy would now run nothing (a window
      // writes its own again at its next start).
      try {
        if (readFileSync(launcher, 'utf8').includes(installer.layout.agentDir)) {
          rmSync(launcher, { force: true });
          removed.push(launcher);
        }
      } catch {
        // none
      }
      if (out.json) out.data({ removed });
      else out.line(removed.length ? `removed the background agent:\n  ${removed.join('\n  ')}` : 'the background agent was not installed');
      return 0;
    }

    if (action === 'start') {
      const pid = runningAgentPid(storage);
      if (pid !== undefined) {
        if (out.json) out.data({ started: false, pid });
        else out.line(`the agent already runs (pid ${pid})`);
        return 0;
      }
      if (installer.installed()) await installer.start();
      else {
        // Not installed: this session only, with this command's runtime, from the files beside it.
        const script = join(__dirname, 'agent.js');
        if (!existsSync(script)) {
          out.error(`backup-scheduler: the agent's program is not beside this command (${script}); install the extension's agent from VS Code`);
          return 1;
        }
        mkdirSync(join(storage, 'agent'), { recursive: true, mode: 0o700 });
        const log = openSync(join(storage, 'agent', 'agent.out.log'), 'a', 0o600);
        spawn(process.execPath, [script, '--storage', storage], { detached: true, stdio: ['ignore', log, log], env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } }).unref();
      }
      const up = await until(() => runningAgentPid(storage) !== undefined, 30_000);
      const now = runningAgentPid(storage);
      if (!up) {
        out.error(`backup-scheduler: the agent did not start; see ${join(storage, 'agent', 'agent.log')} and agent.out.log`);
        return 1;
      }
      if (out.json) out.data({ started: true, pid: now, installed: installer.installed() !== undefined });
      else {
        out.line(`started the background agent (pid ${now}); it runs the backups once no VS Code window is running a task`);
        if (!installer.installed()) out.line('it is not installed as a service, so it stops at logout or reboot: `backup-scheduler agent install` keeps it');
      }
      return 0;
    }

    // stop
    const pid = runningAgentPid(storage);
    if (installer.installed()) await installer.stop();
    if (pid !== undefined && pidAlive(pid)) await terminate(pid);
    const stopped = pid === undefined || !pidAlive(pid);
    if (out.json) out.data({ stopped, pid: pid ?? null });
    else out.line(pid === undefined ? 'the agent was not running' : stopped ? `stopped the background agent (pid ${pid}); a VS Code window takes over the schedules` : `the agent (pid ${pid}) is still stopping`);
    return stopped ? 0 : 1;
  },
};
