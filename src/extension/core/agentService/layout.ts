// Where the background agent's pieces live. Everything the installer writes is named here, so the
// install and uninstall messages can list exactly these paths.
//   <storage>/agent/<version>/agent.js, sql-wasm.wasm, restoreWorker.js, spawnWorker.js   the program the service starts
//   <storage>/agent/service.json     what was installed (manager, version, node), read by uninstall
//   <storage>/agent/agent.pid        the detached fallback's process (no service manager to ask)
//   <storage>/agent/agent.out.log    the agent's stdout and stderr (a crash's trace; its own log is agent.log)
// The program is copied out of the extension's folder because VS Code deletes that folder when the
// extension updates: a service pointing into it would break at the next update.
import { createHash } from 'node:crypto';
import { join } from 'node:path';

/** The files of the agent's program, found beside extension.js in dist/. */
export const AGENT_FILES = ['agent.js', 'sql-wasm.wasm', 'restoreWorker.js', 'spawnWorker.js'] as const;
/** Copied along when the extension has it: the command line, so it outlives the extension's folder too. */
export const OPTIONAL_FILES = ['cli.js'] as const;

/** The extension's id (publisher.name): its global storage folder and extension folders are named after it. */
export const EXTENSION_ID = 'backup-scheduler.backup-scheduler';

export interface AgentLayout {
  storageDir: string;
  agentDir: string;
  stateFile: string;
  pidFile: string;
  outLog: string;
  /** The agent's own log (written by the agent). */
  agentLog: string;
  installLock: string;
  versionDir(version: string): string;
}

export function agentLayout(storageDir: string): AgentLayout {
  const agentDir = join(storageDir, 'agent');
  return {
    storageDir,
    agentDir,
    stateFile: join(agentDir, 'service.json'),
    pidFile: join(agentDir, 'agent.pid'),
    outLog: join(agentDir, 'agent.out.log'),
    agentLog: join(agentDir, 'agent.log'),
    installLock: join(agentDir, 'install.lock'),
    versionDir: (version) => join(agentDir, version),
  };
}

/**
 * One agent per global-storage folder (each VS Code flavour, and each --user-data-dir, has its
 * own), so the service's name carries a short hash of that folder: two flavours never overwrite
 * each other's unit.
 */
export function serviceNames(storageDir: string): { unit: string; label: string; task: string } {
  const h = createHash('sha256').update(storageDir).digest('hex').slice(0, 8);
  return {
    unit: `backup-scheduler-agent-${h}.service`,
    label: `dev.backup-scheduler.agent.${h}`,
    task: `Backup Scheduler Agent ${h}`,
  };
}

/** Version folders are named by the version; anything else in agent/ is not a version folder. */
export const VERSION_DIR_RE = /^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?$/;

/** Compares two x.y.z versions (a pre-release suffix sorts before its release). */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const [core, pre] = v.split(/[-+]/, 2);
    return { nums: core.split('.').map((n) => Number(n) || 0), pre };
  };
  const x = parse(a);
  const y = parse(b);
  for (let i = 0; i < 3; i++) {
    const d = (x.nums[i] ?? 0) - (y.nums[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  if (x.pre === y.pre) return 0;
  if (x.pre === undefined) return 1;
  if (y.pre === undefined) return -1;
  return x.pre < y.pre ? -1 : 1;
}
