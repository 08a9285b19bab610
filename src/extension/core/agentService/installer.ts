// Installs, upgrades, starts, stops and removes the background agent of one global-storage
// folder. Plain Node (no vscode import): the extension's commands, the `vscode:uninstall` script
// and the command-line tool all drive the agent through this class.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { agentStatusPath } from '../agent/paths';
import { highestTerm, readHeartbeat } from '../leader/terms';
import { processCommandLine, terminate } from './agentProcess';
import { agentLayout, AGENT_FILES, compareVersions, OPTIONAL_FILES, serviceNames, VERSION_DIR_RE, type AgentLayout } from './layout';
import { withInstallLock } from './installLock';
import { DetachedManager } from './managers/detached';
import { LaunchdManager } from './managers/launchd';
import { SchtasksManager } from './managers/schtasks';
import { SystemdManager } from './managers/systemd';
import type { ManagerContext, ServiceKind, ServiceManager, ServiceStatus } from './managers/types';
import { resolveNode, type NodeRuntime } from './nodeRuntime';
import type { ServiceDefinition } from './serviceFiles';

/** What service.json records: enough to stop and remove exactly what was installed. */
export interface InstalledAgent {
  kind: ServiceKind;
  version: string;
  name: string;
  node: NodeRuntime;
  installedAt: number;
  /** The extensions folder of the VS Code that installed it: the uninstall script checks the extension is gone from there. */
  extensionsDir?: string;
  /** The unit, plist or task XML written (none when detached). */
  definitionFile?: string;
}

export interface InstallReport {
  kind: ServiceKind;
  version: string;
  node: NodeRuntime;
  /** Every file or folder written. */
  files: string[];
  /** What the user should know (lingering, the detached fallback's limits). */
  notes: string[];
  /** Version folders of older versions removed. */
  removed: string[];
}

export interface AgentStatus {
  installed?: InstalledAgent;
  service: ServiceStatus;
  /** The agent leads the election (it runs the schedules) since this time. */
  leadingSince?: number;
}

export interface AgentInstallerOptions {
  storageDir: string;
  /** This extension's version: the folder the program is copied to. */
  version: string;
  /** Where agent.js, sql-wasm.wasm, restoreWorker.js and spawnWorker.js are (the extension's dist/). */
  bundleDir: string;
  /** `backupScheduler.agent.nodePath`. */
  nodePath?: string;
  /** The running VS Code's binary (process.execPath): the last Node candidate. */
  execPath: string;
  extensionsDir?: string;
  ctx: ManagerContext;
  /** The OS's service manager; default by platform (tests pass their own). */
  osManager?: ServiceManager;
}

/** Heartbeats older than this do not count as leading (the election's own limit is 10 s). */
const FRESH_MS = 30_000;

export class AgentInstaller {
  readonly layout: AgentLayout;
  private readonly names: ReturnType<typeof serviceNames>;
  private readonly detached: DetachedManager;
  private readonly os: ServiceManager | undefined;

  constructor(private readonly o: AgentInstallerOptions) {
    this.layout = agentLayout(o.storageDir);
    this.names = serviceNames(o.storageDir);
    this.detached = new DetachedManager(o.ctx, this.layout.pidFile);
    this.os = o.osManager ?? osManager(o.ctx, this.layout.agentDir);
  }

  installed(): InstalledAgent | undefined {
    try {
      return JSON.parse(readFileSync(this.layout.stateFile, 'utf8')) as InstalledAgent;
    } catch {
      return undefined;
    }
  }

  /** Copies the program, registers the service (or starts it detached) and starts it. */
  async install(): Promise<InstallReport> {
    return withInstallLock(this.layout.installLock, async () => {
      const previous = this.installed();
      const dir = this.copyProgram();
      const node = await resolveNode({ setting: this.o.nodePath, platform: this.o.ctx.platform, env: this.o.ctx.env, execPath: this.o.execPath, runner: this.o.ctx.runner });
      const notes: string[] = [];
      let manager: ServiceManager = this.detached;
      const why = this.os ? await this.os.probe() : 'no service manager for this OS';
      if (this.os && why === undefined) manager = this.os;
      // Installed before with another manager (a user bus that came or went): that one goes first.
      if (previous && previous.kind !== manager.kind) await this.managerFor(previous.kind).remove(this.definition(previous.version, previous.node, previous.kind), previous.definitionFile);
      const def = this.definition(this.o.version, node, manager.kind);
      // An agent started some other way (by hand, by the command line) holds the agent's lock: the
      // one installed now would exit at once, so that one goes.
      const ours = previous ? (await this.managerFor(previous.kind).status(this.definition(previous.version, previous.node, previous.kind)).catch(() => undefined))?.pid : undefined;
      if (await this.stopStray(ours)) notes.push('An agent started by hand was stopped: the installed one replaces it.');
      const done = await manager.install(def);
      notes.push(...done.notes);
      if (manager.kind === 'detached' && why) notes.push(`(${why})`);
      this.writeState({ kind: manager.kind, version: this.o.version, name: def.name, node, installedAt: Date.now(), extensionsDir: this.o.extensionsDir, definitionFile: manager.definitionFile(def) });
      const removed = this.removeOtherVersions();
      return { kind: manager.kind, version: this.o.version, node, files: [...this.programFiles(dir), ...done.files, this.layout.stateFile], notes, removed };
    });
  }

  /**
   * Run by every window at start: when the installed agent is of an older version, installs this
   * version's program and restarts the agent with it. Undefined when nothing was to do.
   */
  async upgradeIfOlder(): Promise<InstallReport | undefined> {
    const state = this.installed();
    if (!state || compareVersions(this.o.version, state.version) <= 0) return undefined;
    return withInstallLock(this.layout.installLock, async () => {
      const now = this.installed();
      if (!now || compareVersions(this.o.version, now.version) <= 0) return undefined; // another window did it
      const dir = this.copyProgram();
      const node = await resolveNode({ setting: this.o.nodePath, platform: this.o.ctx.platform, env: this.o.ctx.env, execPath: this.o.execPath, runner: this.o.ctx.runner });
      const manager = this.managerFor(now.kind);
      // The old agent must stop before the new one starts: two would both want to lead.
      if (manager.kind === 'detached') await manager.stop(this.definition(now.version, now.node, now.kind));
      const def = this.definition(this.o.version, node, now.kind);
      const done = await manager.install(def);
      this.writeState({ ...now, version: this.o.version, node, installedAt: Date.now(), extensionsDir: this.o.extensionsDir ?? now.extensionsDir, definitionFile: manager.definitionFile(def) });
      const removed = this.removeOtherVersions();
      return { kind: now.kind, version: this.o.version, node, files: [...this.programFiles(dir), ...done.files, this.layout.stateFile], notes: done.notes, removed };
    });
  }

  /**
   * Stops the agent, unregisters the service and removes what install wrote. `everything` also
   * removes the agent's log and the rest of `<storage>/agent/` (the extension is being
   * uninstalled). Returns the paths removed.
   */
  async uninstall(everything = false): Promise<string[]> {
    const state = this.installed();
    const removed: string[] = [];
    if (state) {
      removed.push(...(await this.managerFor(state.kind).remove(this.definition(state.version, state.node, state.kind), state.definitionFile)));
    } else {
      // No record (a failed install, or removed by hand): stop a detached agent and remove a
      // definition left behind, whatever wrote it.
      removed.push(...(await this.detached.remove(this.definition(this.o.version, undefined, 'detached'))));
      if (this.os) {
        const def = this.definition(this.o.version, undefined, this.os.kind);
        const file = this.os.definitionFile(def);
        if (file && existsSync(file)) removed.push(...(await this.os.remove(def)));
      }
    }
    for (const v of this.versionDirs()) {
      rmSync(this.layout.versionDir(v), { recursive: true, force: true });
      removed.push(this.layout.versionDir(v));
    }
    for (const f of [this.layout.stateFile, this.layout.pidFile]) {
      if (existsSync(f)) removed.push(f);
      rmSync(f, { force: true });
    }
    if (everything && existsSync(this.layout.agentDir)) {
      rmSync(this.layout.agentDir, { recursive: true, force: true });
      removed.push(this.layout.agentDir);
    }
    return [...new Set(removed)];
  }

  async start(): Promise<void> {
    const s = this.requireInstalled();
    await this.managerFor(s.kind).start(this.definition(s.version, s.node, s.kind));
  }

  async stop(): Promise<void> {
    const s = this.requireInstalled();
    await this.managerFor(s.kind).stop(this.definition(s.version, s.node, s.kind));
  }

  async status(): Promise<AgentStatus> {
    const installed = this.installed();
    if (!installed) return { service: { running: false, detail: 'not installed' } };
    const service = await this.managerFor(installed.kind).status(this.definition(installed.version, installed.node, installed.kind));
    return { installed, service, leadingSince: service.pid !== undefined ? this.leadingSince(service.pid) : undefined };
  }

  /**
   * Stops the agent that agent/status.json names (written by the agent itself) when it is alive
   * and is an agent of this storage folder; true when there was one.
   */
  private async stopStray(ours: number | undefined): Promise<boolean> {
    let pid: number;
    try {
      pid = Number((JSON.parse(readFileSync(agentStatusPath(this.o.storageDir), 'utf8')) as { pid?: unknown }).pid);
    } catch {
      return false;
    }
    if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid || pid === ours) return false;
    const cmd = await processCommandLine(pid, this.o.ctx.platform, this.o.ctx.runner);
    const line = cmd?.join(' ') ?? '';
    if (!line.includes('agent.js') || !line.includes(this.o.storageDir)) return false;
    await terminate(pid);
    return true;
  }

  /** The service definition for a version: the command line points into that version's folder. */
  definition(version: string, node: NodeRuntime | undefined, kind: ServiceKind): ServiceDefinition {
    const dir = this.layout.versionDir(version);
    const name = kind === 'launchd' ? this.names.label : kind === 'schtasks' ? this.names.task : this.names.unit;
    return {
      name,
      description: `Backup Scheduler agent: runs the backup schedules of ${this.o.storageDir} while VS Code is closed`,
      command: {
        node: node?.path ?? process.execPath,
        electron: node?.electron ?? false,
        args: [join(dir, 'agent.js'), '--storage', this.o.storageDir],
        cwd: dir,
        outLog: this.layout.outLog,
      },
    };
  }

  private managerFor(kind: ServiceKind): ServiceManager {
    if (kind === 'detached') return this.detached;
    if (this.os?.kind === kind) return this.os;
    throw new Error(`the agent was installed with ${kind}, which this machine does not have`);
  }

  private requireInstalled(): InstalledAgent {
    const s = this.installed();
    if (!s) throw new Error('the background agent is not installed (run "Keep Backups Running When VS Code Is Closed")');
    return s;
  }

  /** Copies the program into its version folder (file by file through a temp name); returns the folder. */
  private copyProgram(): string {
    const dir = this.layout.versionDir(this.o.version);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    for (const f of [...AGENT_FILES, ...OPTIONAL_FILES]) {
      const src = join(this.o.bundleDir, f);
      if (!existsSync(src)) {
        if ((OPTIONAL_FILES as readonly string[]).includes(f)) continue;
        throw new Error(`the agent's program is missing from this extension: ${src}`);
      }
      const dst = join(dir, f);
      // The same version again: a running agent may have these files open (Windows refuses to replace them).
      if (existsSync(dst) && readFileSync(dst).equals(readFileSync(src))) continue;
      const tmp = `${dst}.tmp-${process.pid}`;
      copyFileSync(src, tmp);
      renameSync(tmp, dst);
    }
    return dir;
  }

  private programFiles(dir: string): string[] {
    return [...AGENT_FILES, ...OPTIONAL_FILES].map((f) => join(dir, f)).filter((f) => existsSync(f));
  }

  private versionDirs(): string[] {
    try {
      return readdirSync(this.layout.agentDir).filter((n) => VERSION_DIR_RE.test(n));
    } catch {
      return [];
    }
  }

  /** Removes the folders of other versions; one still in use (Windows keeps open files) stays for next time. */
  private removeOtherVersions(): string[] {
    const removed: string[] = [];
    for (const v of this.versionDirs()) {
      if (v === this.o.version) continue;
      try {
        rmSync(this.layout.versionDir(v), { recursive: true });
        removed.push(this.layout.versionDir(v));
      } catch {
        /* in use: removed by a later install */
      }
    }
    return removed;
  }

  private writeState(s: InstalledAgent): void {
    mkdirSync(this.layout.agentDir, { recursive: true });
    const tmp = `${this.layout.stateFile}.tmp-${process.pid}`;
    writeFileSync(tmp, JSON.stringify(s, null, 2), { mode: 0o600 });
    renameSync(tmp, this.layout.stateFile);
  }

  private leadingSince(pid: number): number | undefined {
    const dir = join(this.o.storageDir, 'leader');
    const term = highestTerm(dir);
    const hb = term ? readHeartbeat(dir, term) : undefined;
    if (!hb || hb.pid !== pid || hb.released || Date.now() - hb.heartbeatAt > FRESH_MS) return undefined;
    return hb.startedAt;
  }
}

/** The OS's user service manager, or undefined where there is none to try. */
export function osManager(ctx: ManagerContext, agentDir: string): ServiceManager | undefined {
  if (ctx.platform === 'linux') return new SystemdManager(ctx);
  if (ctx.platform === 'darwin') return new LaunchdManager(ctx);
  if (ctx.platform === 'win32') return new SchtasksManager(ctx, agentDir);
  return undefined;
}
