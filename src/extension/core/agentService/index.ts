// The background agent's installation: what the extension, the vscode:uninstall script and the
// command-line tool use.
import { homedir, userInfo } from 'node:os';
import { execRunner } from './commandRunner';
import type { ManagerContext } from './managers/types';

export { AgentInstaller, type AgentStatus, type InstallReport, type InstalledAgent } from './installer';
export { agentLayout, AGENT_FILES, serviceNames } from './layout';
export { NodeNotFoundError } from './nodeRuntime';
export type { ServiceKind } from './managers/types';

/** The real machine: its platform, environment, home, user, and programs run for real. */
export function systemContext(env: NodeJS.ProcessEnv = process.env): ManagerContext {
  let uid = -1;
  try {
    uid = userInfo().uid;
  } catch {
    /* no passwd entry (a container's random uid): launchd needs none of it on Linux */
  }
  const windowsUser = env.USERNAME ? (env.USERDOMAIN ? `${env.USERDOMAIN}\\${env.USERNAME}` : env.USERNAME) : undefined;
  return { runner: execRunner, platform: process.platform, env, homedir: homedir(), uid: process.getuid?.() ?? uid, windowsUser };
}
