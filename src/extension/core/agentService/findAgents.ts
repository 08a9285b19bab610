// For the `vscode:uninstall` script, which runs with no VS Code API and no idea which VS Code
// flavour it belongs to: every global-storage folder of this extension that holds an installed
// agent, and whether the VS Code that installed it still has the extension.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { agentLayout, EXTENSION_ID } from './layout';

/** Desktop flavours' user-data folder names (Code's forks keep its layout). */
const DESKTOP = ['Code', 'Code - Insiders', 'Code - OSS', 'VSCodium', 'VSCodium - Insiders', 'Cursor', 'Windsurf', 'Positron'];
/** Remote servers' data folders under the home folder. */
const SERVERS = ['.vscode-server', '.vscode-server-insiders', '.vscode-server-oss', '.vscodium-server', '.cursor-server', '.windsurf-server', '.positron-server', '.vscode-remote'];

export function candidateStorageDirs(platform: NodeJS.Platform, env: NodeJS.ProcessEnv, home: string): string[] {
  const userDirs: string[] = [];
  const configRoot = platform === 'win32' ? env.APPDATA ?? join(home, 'AppData', 'Roaming') : platform === 'darwin' ? join(home, 'Library', 'Application Support') : env.XDG_CONFIG_HOME || join(home, '.config');
  for (const f of DESKTOP) userDirs.push(join(configRoot, f, 'User'));
  for (const s of SERVERS) userDirs.push(join(home, s, 'data', 'User'));
  userDirs.push(join(env.XDG_DATA_HOME || join(home, '.local', 'share'), 'code-server', 'User'));
  if (env.VSCODE_PORTABLE) userDirs.push(join(env.VSCODE_PORTABLE, 'user-data', 'User'));
  if (env.VSCODE_AGENT_FOLDER) userDirs.push(join(env.VSCODE_AGENT_FOLDER, 'data', 'User'));
  return [...new Set(userDirs.map((u) => resolve(u, 'globalStorage', EXTENSION_ID)))];
}

/** The storage folders among `dirs` where an agent is (or was) installed. */
export function installedAgents(dirs: string[]): string[] {
  return dirs.filter((d) => {
    const l = agentLayout(d);
    return existsSync(l.stateFile) || existsSync(l.pidFile);
  });
}

/**
 * True when `extensionsDir` still holds this extension in a folder other than `ownFolder` (the one
 * being uninstalled) and not marked for removal in `.obsolete`: another install (a newer version,
 * or the same extension in a second profile of that VS Code) still wants its agent.
 */
export function stillInstalled(extensionsDir: string | undefined, ownFolder: string): boolean {
  if (!extensionsDir) return false;
  let obsolete: Record<string, unknown> = {};
  try {
    obsolete = JSON.parse(readFileSync(join(extensionsDir, '.obsolete'), 'utf8')) as Record<string, unknown>;
  } catch {
    /* none marked */
  }
  let names: string[];
  try {
    names = readdirSync(extensionsDir);
  } catch {
    return false;
  }
  const prefix = `${EXTENSION_ID}-`;
  return names.some((n) => n.toLowerCase().startsWith(prefix) && resolve(extensionsDir, n) !== resolve(ownFolder) && !obsolete[n]);
}
