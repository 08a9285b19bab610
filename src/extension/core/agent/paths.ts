// Where the background agent keeps its files, all under `<storage>/agent/` (README "Background
// agent"). The election files it shares with windows stay in `<storage>/leader/`.
import { join } from 'node:path';

export const agentDir = (storageDir: string): string => join(storageDir, 'agent');
export const agentLogPath = (storageDir: string): string => join(agentDir(storageDir), 'agent.log');
/** What windows publish for the agent to run (snapshot.ts). */
export const environmentsPath = (storageDir: string): string => join(agentDir(storageDir), 'environments.json');
/** What the agent tells windows about itself beyond the election files: secrets it waits for. */
export const agentStatusPath = (storageDir: string): string => join(agentDir(storageDir), 'status.json');
