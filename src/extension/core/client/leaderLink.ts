// How a program outside VS Code (the command line) finds whoever leads a storage folder and talks
// to it: it reads the election's files without joining the election (it never claims a term, so
// it never leads and never writes tasks.db), and calls the leader's private channel exactly as a
// follower window does.
import { statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { connectLeaderChannel, LeaderChannelError, type LeaderChannelClient } from '../leader/channel';
import { heartbeatPath, highestTerm, readClaim, readHeartbeat, termPath } from '../leader/terms';
import { pidAlive } from '../util/pid';

/** A heartbeat this old (wall clock) means nobody leads: the election's own limit is 10 s. */
const STALE_MS = 30_000;

export interface LeaderFiles {
  term: number;
  pid: number;
  hostname: string;
  endpoint: string;
  /** Epoch ms the term was claimed (the claim file's time). */
  since: number;
  /** What the leader wrote about itself besides the election's fields (e.g. that it is the agent). */
  extra: Record<string, unknown>;
}


/** The live leader of `storageDir` as its files say, or undefined when nobody leads. */
export function readLeader(storageDir: string, now = Date.now()): LeaderFiles | undefined {
  const dir = join(storageDir, 'leader');
  let term: number;
  try {
    term = highestTerm(dir);
  } catch {
    return undefined;
  }
  if (term === 0) return undefined;
  const hb = readHeartbeat(dir, term);
  const owner = hb ?? readClaim(dir, term);
  if (!owner || hb?.released || !owner.endpoint) return undefined;
  if (owner.hostname === hostname() && !pidAlive(owner.pid)) return undefined;
  let beat = hb?.heartbeatAt;
  let since = now;
  try {
    since = statSync(termPath(dir, term)).mtimeMs;
    beat ??= statSync(heartbeatPath(dir, term)).mtimeMs;
  } catch {
    // judged by what was read
  }
  if (beat === undefined || now - beat > STALE_MS) return undefined;
  const { pid, hostname: host, endpoint, instanceId: _i, startedAt: _s, ...rest } = owner as unknown as Record<string, unknown> & { pid: number; hostname: string; endpoint: string };
  delete rest.term;
  delete rest.heartbeatAt;
  delete rest.seq;
  delete rest.released;
  return { term, pid, hostname: host, endpoint, since, extra: rest };
}

export class NoLeaderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NoLeaderError';
  }
}

/** One connection to the leader found in the files; every failure to reach it is a NoLeaderError. */
export class LeaderLink {
  private readonly client: LeaderChannelClient;
  constructor(readonly leader: LeaderFiles, timeoutMs = 15_000) {
    this.client = connectLeaderChannel(leader.endpoint, { timeoutMs });
  }

  async call<T>(method: string, params?: unknown): Promise<T> {
    try {
      return (await this.client.call(method, params)) as T;
    } catch (e) {
      if (e instanceof LeaderChannelError && e.code !== 'remote') throw new NoLeaderError(`the process leading the backups (pid ${this.leader.pid}) did not answer: ${e.message}`);
      throw e;
    }
  }

  dispose(): void {
    this.client.dispose();
  }
}
