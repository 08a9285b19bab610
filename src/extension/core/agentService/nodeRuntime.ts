// Which Node runs the agent. In order: the setting `backupScheduler.agent.nodePath`; `node` on
// PATH; VS Code's own binary run as Node (ELECTRON_RUN_AS_NODE=1), on Linux and macOS only: on
// Windows a long-running Code.exe blocks VS Code's updater. Each candidate is asked its version,
// because the agent's bundle targets Node 20.
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import type { CommandRunner } from './commandRunner';

export const MIN_NODE_MAJOR = 20;

export interface NodeRuntime {
  path: string;
  electron: boolean;
  /** e.g. "20.20.2" */
  version: string;
  source: 'setting' | 'path' | 'vscode';
}

export interface NodeLookup {
  /** The setting's value ('' or undefined: not set). */
  setting?: string;
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  /** The extension host's process.execPath (VS Code's binary, or the server's node). */
  execPath: string;
  runner: CommandRunner;
}

export class NodeNotFoundError extends Error {
  override name = 'NodeNotFoundError';
}

/** Finds `name` on PATH as the OS would (PATHEXT on Windows); undefined when absent. */
export function findOnPath(name: string, env: NodeJS.ProcessEnv, platform: NodeJS.Platform): string | undefined {
  const path = env.PATH ?? env.Path ?? '';
  const exts = platform === 'win32' ? (env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';').filter(Boolean) : [''];
  for (const dir of path.split(platform === 'win32' ? ';' : delimiter)) {
    if (!dir) continue;
    for (const ext of exts) {
      const p = join(dir, name + ext.toLowerCase());
      try {
        if (!statSync(p).isFile()) continue;
        if (platform !== 'win32') accessSync(p, constants.X_OK);
        return p;
      } catch {
        /* not here */
      }
    }
  }
  return undefined;
}

/** The Node version a binary reports, or a reason it reports none. */
export async function nodeVersion(runner: CommandRunner, path: string, electron: boolean, env: NodeJS.ProcessEnv): Promise<{ version?: string; error?: string }> {
  const r = await runner.run(path, ['-p', 'process.versions.node'], { env: { ...env, ...(electron ? { ELECTRON_RUN_AS_NODE: '1' } : {}) }, timeoutMs: 30_000 });
  const v = r.stdout.trim();
  if (r.code === 0 && /^\d+\.\d+\.\d+/.test(v)) return { version: v };
  return { error: r.code === null ? `could not run it (${r.stderr.trim() || 'not found'})` : `it did not print a Node version (exit code ${r.code})` };
}

const major = (v: string) => Number(v.split('.')[0]);

export async function resolveNode(o: NodeLookup): Promise<NodeRuntime> {
  const setting = o.setting?.trim();
  if (setting) {
    if (!isAbsolute(setting)) throw new NodeNotFoundError(`backupScheduler.agent.nodePath must be an absolute path (it is "${setting}")`);
    const r = await nodeVersion(o.runner, setting, false, o.env);
    if (!r.version) throw new NodeNotFoundError(`backupScheduler.agent.nodePath ${setting}: ${r.error}`);
    if (major(r.version) < MIN_NODE_MAJOR) throw new NodeNotFoundError(`backupScheduler.agent.nodePath ${setting} is Node ${r.version}; the agent needs Node ${MIN_NODE_MAJOR} or newer`);
    return { path: setting, electron: false, version: r.version, source: 'setting' };
  }
  const tried: string[] = [];
  const onPath = findOnPath('node', o.env, o.platform);
  if (onPath) {
    const r = await nodeVersion(o.runner, onPath, false, o.env);
    if (r.version && major(r.version) >= MIN_NODE_MAJOR) return { path: onPath, electron: false, version: r.version, source: 'path' };
    tried.push(r.version ? `${onPath} is Node ${r.version}` : `${onPath}: ${r.error}`);
  } else {
    tried.push('no node on PATH');
  }
  if (o.platform !== 'win32') {
    const r = await nodeVersion(o.runner, o.execPath, true, o.env);
    if (r.version && major(r.version) >= MIN_NODE_MAJOR) return { path: o.execPath, electron: true, version: r.version, source: 'vscode' };
    tried.push(r.version ? `VS Code's runtime ${o.execPath} is Node ${r.version}` : `VS Code's runtime ${o.execPath}: ${r.error}`);
  }
  throw new NodeNotFoundError(
    `no Node ${MIN_NODE_MAJOR} or newer to run the agent (${tried.join('; ')}). Install Node ${MIN_NODE_MAJOR}+ or set backupScheduler.agent.nodePath to its full path`,
  );
}
