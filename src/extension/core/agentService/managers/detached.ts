// Where no user service manager exists (a container, WSL without systemd, a session without a
// user bus), the agent is started as a detached process: it outlives the VS Code window that
// started it, but nothing restarts it after a crash, a logout or a reboot. Its pid is kept in
// agent.pid so that stop, status and uninstall find it again.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { isAgentProcess, terminate } from '../agentProcess';
import { agentEnvironment, type ServiceDefinition } from '../serviceFiles';
import { ServiceError, type ManagerContext, type ServiceManager, type ServiceStatus } from './types';

interface PidRecord {
  pid: number;
  startedAt: number;
  argv: string[];
}

/** How long a just-started agent must stay up before the start counts (it fails at once on a bad setup). */
const SETTLE_MS = 1500;

export class DetachedManager implements ServiceManager {
  readonly kind = 'detached' as const;
  constructor(private readonly ctx: ManagerContext, private readonly pidFile: string) {}

  definitionFile(): undefined {
    return undefined;
  }

  async probe(): Promise<undefined> {
    return undefined;
  }

  async install(def: ServiceDefinition): Promise<{ files: string[]; notes: string[] }> {
    await this.stop(def);
    await this.start(def);
    return {
      files: [this.pidFile, def.command.outLog],
      notes: ['No user service manager is available here, so the agent was started as a background process: it stops at logout or reboot and is not restarted after a crash. Run the command again after a reboot.'],
    };
  }

  async remove(def: ServiceDefinition): Promise<string[]> {
    await this.stop(def);
    return [this.pidFile];
  }

  async start(def: ServiceDefinition): Promise<void> {
    if ((await this.running(def)) !== undefined) return;
    mkdirSync(dirname(def.command.outLog), { recursive: true });
    const out = openSync(def.command.outLog, 'a', 0o600);
    let pid: number | undefined;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    try {
      const child = spawn(def.command.node, def.command.args, {
        cwd: def.command.cwd,
        env: { ...this.ctx.env, ...agentEnvironment(def.command) },
        // Its own session: the window's end (and its process group's signals) do not reach it.
        detached: true,
        stdio: ['ignore', out, out],
        windowsHide: true,
      });
      const spawned = await new Promise<number>((resolve, reject) => {
        child.once('spawn', () => resolve(child.pid!));
        child.once('error', reject);
      }).catch((e: Error) => {
        throw new ServiceError(`could not start ${def.command.node}: ${e.message}`);
      });
      pid = spawned;
      child.once('exit', (code, signal) => (exit = { code, signal }));
      child.unref();
    } finally {
      closeSync(out);
    }
    const record: PidRecord = { pid, startedAt: Date.now(), argv: [def.command.node, ...def.command.args] };
    writeFileSync(this.pidFile, JSON.stringify(record), { mode: 0o600 });
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    if (exit) {
      rmSync(this.pidFile, { force: true });
      const why = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
      throw new ServiceError(`the agent ${why} right after it started; see ${def.command.outLog}`);
    }
  }

  async stop(def: ServiceDefinition): Promise<void> {
    const pid = await this.running(def);
    if (pid !== undefined) await terminate(pid);
    rmSync(this.pidFile, { force: true });
  }

  async status(def: ServiceDefinition): Promise<ServiceStatus> {
    const pid = await this.running(def);
    return pid !== undefined ? { running: true, pid, detail: 'running (detached)' } : { running: false, detail: 'not running' };
  }

  /** The pid of the agent agent.pid names, when that process is alive and is that agent. */
  private async running(def: ServiceDefinition): Promise<number | undefined> {
    let rec: PidRecord;
    try {
      rec = JSON.parse(readFileSync(this.pidFile, 'utf8')) as PidRecord;
    } catch {
      return undefined;
    }
    if (!Number.isSafeInteger(rec.pid) || rec.pid <= 0) return undefined;
    // The pid file of an older version names that version's agent.js: it is still "the agent".
    const agentJs = rec.argv?.[1] ?? def.command.args[0];
    return (await isAgentProcess(rec.pid, agentJs, this.ctx.platform, this.ctx.runner)) ? rec.pid : undefined;
  }
}
