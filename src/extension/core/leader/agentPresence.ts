// The background agent's "I am here" file, `<storage>/leader/agent.hb`, written by the agent every
// heartbeat whether it leads or not. Windows read it to leave leadership to the agent: a window
// does not claim a term while this file is fresh, and a leading window hands over when it appears.
// Freshness is judged like a term's heartbeat (election.ts): the pid on this host, else a `seq`
// that keeps changing on the reader's own monotonic clock, never by comparing wall clocks.
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface AgentPresence {
  pid: number;
  hostname: string;
  instanceId: string;
  /** When the agent process started (epoch ms). */
  startedAt: number;
  version: string;
  heartbeatAt: number;
  seq: number;
  /** Written by an agent that stops cleanly: windows take over at once. */
  stopped?: boolean;
  /** How often it renews this file (ms); see Heartbeat.beatEveryMs. */
  beatEveryMs?: number;
}

export const agentPresencePath = (leaderDir: string): string => join(leaderDir, 'agent.hb');

export function readAgentPresence(leaderDir: string): AgentPresence | undefined {
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(agentPresencePath(leaderDir), 'utf8'));
  } catch {
    return undefined;
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const a = v as Record<string, unknown>;
  const ok = Number.isSafeInteger(a.pid) && typeof a.hostname === 'string' && typeof a.instanceId === 'string' && typeof a.startedAt === 'number' && typeof a.version === 'string' && Number.isSafeInteger(a.seq);
  return ok ? (a as unknown as AgentPresence) : undefined;
}

/** Published whole (temp + rename), like a term heartbeat. */
export function writeAgentPresence(leaderDir: string, p: AgentPresence): void {
  const path = agentPresencePath(leaderDir);
  const tmp = `${path}.${p.instanceId}.tmp`;
  writeFileSync(tmp, JSON.stringify(p));
  renameSync(tmp, path);
}

/** Removes the file, but only when it is still this agent's (a newer agent may have replaced it). */
export function removeAgentPresence(leaderDir: string, instanceId: string): void {
  const p = readAgentPresence(leaderDir);
  if (p && p.instanceId !== instanceId) return;
  rmSync(agentPresencePath(leaderDir), { force: true });
}
