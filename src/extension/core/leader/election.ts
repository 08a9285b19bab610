// Leader election by numbered terms (see terms.ts for the files). Term k is owned by whoever
// created `term-k` with O_EXCL, so two hosts can never both win the same term, and taking over
// is "claim k+1", never "overwrite k": there is no read-modify-write race to lose.
// A follower judges the current term's owner dead when
//   - it released the term (clean shutdown), or
//   - it runs on this host and its pid is gone (fast path after SIGKILL or a crash), or
//   - its heartbeat has not changed for staleMs, measured on the follower's own monotonic clock
//     (covers other hosts sharing the folder, pid reuse, and hung or paused processes; comparing
//     the writer's wall-clock timestamp with ours would break on clock skew and clock jumps).
// A leader that finds a higher term steps down at once. isLeader() re-checks the folder and the
// leader's own lease, so a leader that was paused long enough to be replaced fences itself.
// A leader that cannot do the work (resign()) releases its term and stays out for a while, so
// another window takes over. A folder that cannot be used (read-only storage) is reported once
// and retried with back-off, never every tick.
// The background agent (kind 'agent') is the preferred leader: while it does not lead, it
// publishes its presence in `agent.hb` (agentPresence.ts); a window claims no term while that file
// is fresh, and a leading window is told (onAgentWaiting) so it can hand over (handOver()). While
// the agent leads, its term heartbeat keeps windows out like any leader's.
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Clock, Logger } from '../ports';
import { readAgentPresence, removeAgentPresence, writeAgentPresence, type AgentPresence } from './agentPresence';
import { ensurePrivateDir } from './endpoint';
import { Emitter, type Disposable } from '../util/emitter';
import {
  MAX_TERM,
  highestTerm,
  listTerms,
  readClaim,
  readHeartbeat,
  readTermNames,
  removeForeignTerms,
  removeOldTerms,
  removeTerm,
  tryClaim,
  writeHeartbeat,
  type Heartbeat,
  type LeaderClaim,
} from './terms';
import { pidAlive } from '../util/pid';

export type Role = 'leader' | 'follower';

/** The longest renewal interval a follower honours (see staleAfter). */
const MAX_BEAT_MS = 30_000;

export interface RoleChange {
  role: Role;
  /** The term this process now leads, or (as a follower) the term of the leader it follows. */
  term: number;
}

/** The current leader as its files describe it. */
export interface LeaderInfo extends LeaderClaim {
  term: number;
  heartbeatAt?: number;
  released?: boolean;
  leadingSince?: number;
}

export interface ElectionOptions {
  /** `<storage>/leader`: created if missing. */
  dir: string;
  clock: Clock;
  logger: Logger;
  /** This host's RPC endpoint, published to followers while it leads. */
  endpoint?: string;
  heartbeatMs?: number;
  checkMs?: number;
  staleMs?: number;
  /** Longest wait between attempts while the folder cannot be used (default 60 s). */
  maxRetryMs?: number;
  /** Told once when the folder stops being usable (again only after it worked in between). */
  onError?: (message: string) => void;
  /** 'agent': this host is the background agent, the preferred leader (default 'window'). */
  kind?: 'window' | 'agent';
  /** Published in the claim and heartbeats (and the agent's presence file). */
  version?: string;
}

export interface Election extends Disposable {
  readonly role: Role;
  /** Own term while leading; otherwise the highest term seen (0: none yet). */
  readonly term: number;
  readonly instanceId: string;
  /** Cheap re-check (one readdir) for fencing right before acting, e.g. before persisting. */
  isLeader(): boolean;
  /** Reads the current leader's heartbeat (or claim) from disk; undefined when there is none. */
  leaderInfo(): LeaderInfo | undefined;
  readonly onDidChangeRole: (listener: (e: RoleChange) => void) => Disposable;
  /** Fires the new highest term whenever it changes (a follower reconnects its channel then). */
  readonly onDidChangeLeader: (listener: (term: number) => void) => Disposable;
  /**
   * This window cannot lead (its history will not open, ...): release the term now, so another
   * window takes over, and claim none for `retryAfterMs`. Fires a role change when it led.
   */
  resign(retryAfterMs: number): void;
  /** The background agent, when one other than this host is alive (its presence file is fresh). */
  agentInfo(): AgentPresence | undefined;
  /** Fires on every tick while this window leads: whether a live agent waits to take over. */
  readonly onAgentWaiting: (listener: (waiting: boolean) => void) => Disposable;
  /** Leading window: release the term to the agent now (its running tasks have ended). */
  handOver(): void;
}

export async function startElection(options: ElectionOptions): Promise<Election> {
  const election = new TermElection(options);
  election.start();
  return election;
}

class TermElection implements Election {
  role: Role = 'follower';
  term = 0;
  readonly instanceId = randomUUID();

  private readonly dir: string;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly heartbeatMs: number;
  private readonly checkMs: number;
  private readonly staleMs: number;
  private readonly maxRetryMs: number;
  private readonly onError: ((message: string) => void) | undefined;
  private readonly claim: LeaderClaim;
  private readonly roleEmitter = new Emitter<RoleChange>();
  private readonly leaderEmitter = new Emitter<number>();
  private readonly agentWaiting = new Emitter<boolean>();
  readonly onDidChangeRole = this.roleEmitter.event;
  readonly onDidChangeLeader = this.leaderEmitter.event;
  readonly onAgentWaiting = this.agentWaiting.event;
  private readonly kind: 'window' | 'agent';
  private readonly version: string;
  /** What we last saw of the agent's presence file, and since when (monotonic). */
  private agentSeen = { key: '', since: 0 };
  private lastPresence = 0;
  private leadingSince = 0;

  private timer: NodeJS.Timeout | undefined;
  private disposed = false;
  private seq = 0;
  /** Monotonic time of our last successful heartbeat: our lease, while leading. */
  private lastBeat = 0;
  /** What we last saw of the current term's heartbeat, and since when (monotonic). */
  private seen = { term: 0, key: '', since: 0 };
  /** No claim before this monotonic time (after resign()). */
  private holdUntil = 0;
  /** Ticks that failed in a row, and when the next attempt is due (monotonic). */
  private failures = 0;
  private retryAt = 0;

  constructor(o: ElectionOptions) {
    this.dir = o.dir;
    this.clock = o.clock;
    this.logger = o.logger;
    // `??` and not destructuring defaults: an option passed as undefined keeps its default.
    this.heartbeatMs = o.heartbeatMs ?? 2000;
    this.checkMs = o.checkMs ?? 1000;
    this.staleMs = o.staleMs ?? 10_000;
    this.maxRetryMs = o.maxRetryMs ?? 60_000;
    this.onError = o.onError;
    this.kind = o.kind ?? 'window';
    this.version = o.version ?? '';
    this.claim = { pid: process.pid, hostname: hostname(), instanceId: this.instanceId, startedAt: o.clock.now(), endpoint: o.endpoint ?? '', kind: this.kind, version: this.version };
  }

  start(): void {
    try {
      ensurePrivateDir(this.dir); // an older version made it 0755; the heartbeat names the channel
    } catch {
      // reported by the first tick, which fails the same way
    }
    this.tick();
    this.schedule();
  }

  /**
   * A follower looks every checkMs (it is the one that must notice a dead leader); a leader only
   * has to renew its lease, so it wakes every heartbeatMs. An idle background agent leads for days:
   * half the wake-ups is most of what it costs then. isLeader() still re-checks before each act.
   */
  private schedule(): void {
    if (this.disposed) return;
    const every = this.role === 'leader' ? this.heartbeatMs : Math.min(this.checkMs, this.heartbeatMs);
    this.timer = setTimeout(() => {
      this.tick();
      this.schedule();
    }, every);
    // The election must not keep a process alive on its own (tests, a host that is shutting down).
    this.timer.unref();
  }

  isLeader(): boolean {
    if (this.role !== 'leader' || this.disposed) return false;
    try {
      const top = highestTerm(this.dir);
      if (top !== this.term) {
        this.stepDown(top);
        return false;
      }
    } catch (e) {
      this.logger.warn(`Leader election: cannot read ${this.dir}: ${String(e)}`);
      return false;
    }
    // A lease older than staleMs means followers may already see us as dead: do not act until
    // the next tick has either renewed it or found the new leader.
    return this.clock.monotonic() - this.lastBeat < this.staleMs;
  }

  leaderInfo(): LeaderInfo | undefined {
    const top = highestTerm(this.dir);
    if (top === 0) return undefined;
    const hb = readHeartbeat(this.dir, top);
    if (hb) return hb;
    const claim = readClaim(this.dir, top);
    return claim && { ...claim, term: top };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    clearTimeout(this.timer);
    if (this.role === 'leader') {
      // Synchronous on purpose: a closing window may be gone right after deactivate returns.
      try {
        if (highestTerm(this.dir) === this.term) writeHeartbeat(this.dir, this.heartbeat(true));
        this.logger.info(`Leader election: released term ${this.term}`);
      } catch (e) {
        this.logger.warn(`Leader election: could not release term ${this.term}: ${String(e)}`);
      }
    }
    if (this.kind === 'agent') {
      try {
        removeAgentPresence(this.dir, this.instanceId);
      } catch {
        // its presence goes stale instead
      }
    }
    this.role = 'follower';
    this.roleEmitter.dispose();
    this.leaderEmitter.dispose();
    this.agentWaiting.dispose();
  }

  agentInfo(): AgentPresence | undefined {
    if (this.kind === 'agent') return undefined;
    const p = readAgentPresence(this.dir);
    if (!p || p.stopped) return undefined;
    if (p.hostname === this.claim.hostname && !pidAlive(p.pid)) return undefined;
    const key = `${p.instanceId}:${p.seq}`;
    const now = this.clock.monotonic();
    if (this.agentSeen.key !== key) this.agentSeen = { key, since: now };
    return now - this.agentSeen.since < this.staleAfter(p.beatEveryMs) ? p : undefined;
  }

  handOver(): void {
    if (this.disposed || this.role !== 'leader') return;
    try {
      if (highestTerm(this.dir) === this.term) writeHeartbeat(this.dir, this.heartbeat(true));
    } catch (e) {
      this.logger.warn(`Leader election: could not release term ${this.term}: ${String(e)}`);
    }
    this.logger.info(`Leader election: handed term ${this.term} over to the background agent`);
    this.role = 'follower';
    this.seen = { term: 0, key: '', since: 0 };
    this.roleEmitter.fire({ role: 'follower', term: this.term });
  }

  resign(retryAfterMs: number): void {
    if (this.disposed) return;
    this.holdUntil = this.clock.monotonic() + retryAfterMs;
    if (this.role !== 'leader') return;
    try {
      if (highestTerm(this.dir) === this.term) writeHeartbeat(this.dir, this.heartbeat(true));
    } catch (e) {
      this.logger.warn(`Leader election: could not release term ${this.term}: ${String(e)}`); // its heartbeat goes stale instead
    }
    this.logger.warn(`Leader election: this window cannot lead; released term ${this.term}, no new claim for ${Math.round(retryAfterMs / 1000)} s`);
    this.role = 'follower';
    this.seen = { term: 0, key: '', since: 0 };
    this.roleEmitter.fire({ role: 'follower', term: this.term });
  }

  private tick(): void {
    if (this.disposed) return;
    const now = this.clock.monotonic();
    if (this.failures > 0 && now < this.retryAt) return;
    try {
      // While it leads, its term's heartbeat says the same to windows: one file write less every beat.
      if (this.kind === 'agent' && this.role !== 'leader' && now - this.lastPresence >= this.heartbeatMs) this.publishPresence(now);
      if (this.role === 'leader') this.leaderTick();
      else this.followerTick();
      if (this.failures > 0) this.logger.info(`Leader election: ${this.dir} works again`);
      this.failures = 0;
    } catch (e) {
      // A failing tick (read-only or full disk, folder gone) must not kill the host, nor log every
      // second: one error, then attempts at growing intervals. While leading, the lease simply
      // runs out and isLeader() turns false.
      this.failures++;
      this.retryAt = now + Math.min(this.maxRetryMs, Math.min(this.checkMs, this.heartbeatMs) * 2 ** this.failures);
      if (this.failures === 1) {
        const message = `cannot use the folder ${this.dir} (${(e as Error).message ?? String(e)}): this window cannot coordinate backups with other windows; it keeps trying, less and less often`;
        this.logger.error(`Leader election: ${message}`);
        this.onError?.(message);
      } else this.logger.debug(`Leader election: still failing: ${String(e)}`);
    }
  }

  private leaderTick(): void {
    // One readdir per tick: the cleanup and the term check share it.
    const names = removeForeignTerms(this.dir, readTermNames(this.dir));
    const terms = listTerms(this.dir, names);
    const top = terms[0] ?? 0;
    if (top !== this.term) return this.stepDown(top); // also when our claim is gone
    // A tick comes every heartbeatMs now: a timer that fires a hair early must not skip a beat.
    if (this.clock.monotonic() - this.lastBeat >= this.heartbeatMs * 0.75) this.beat();
    removeOldTerms(this.dir, this.term, 2, names);
    if (this.kind === 'window') this.agentWaiting.fire(this.agentInfo() !== undefined);
  }

  private publishPresence(now: number): void {
    writeAgentPresence(this.dir, { pid: process.pid, hostname: this.claim.hostname, instanceId: this.instanceId, startedAt: this.claim.startedAt, version: this.version, heartbeatAt: this.clock.now(), seq: ++this.seq, beatEveryMs: this.heartbeatMs });
    this.lastPresence = now;
  }

  private followerTick(): void {
    // The storage folder may have been wiped (or never made). 0700: the heartbeat names the channel.
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const terms = listTerms(this.dir, removeForeignTerms(this.dir, readTermNames(this.dir)));
    let top = terms[0] ?? 0;
    // A term no claim can follow is not a real one (see MAX_TERM): drop it rather than wedge.
    if (top >= MAX_TERM) {
      removeTerm(this.dir, top);
      top = terms[1] ?? 0;
    }
    this.noteLeader(top);
    if (this.clock.monotonic() < this.holdUntil) return;
    // The agent is the preferred leader: while it is alive, windows leave every term to it.
    if (this.kind === 'window' && this.agentInfo()) return;
    if (top === 0 || this.isStale(top)) this.tryLead(top + 1);
  }

  private isStale(term: number): boolean {
    const hb = readHeartbeat(this.dir, term);
    if (hb?.released) return true;
    const owner = hb ?? readClaim(this.dir, term);
    if (owner && owner.hostname === this.claim.hostname && !pidAlive(owner.pid)) return true;
    const key = hb ? `${hb.instanceId}:${hb.seq}` : '';
    const now = this.clock.monotonic();
    if (this.seen.term !== term || this.seen.key !== key) this.seen = { term, key, since: now };
    return now - this.seen.since >= this.staleAfter(hb?.beatEveryMs);
  }

  /**
   * A leader that renews less often than this follower expects (the idle agent beats every 4 s)
   * must not be judged dead between two beats: wait at least two and a half of its beats. Capped,
   * so a file that claims a huge interval cannot keep windows out for long.
   */
  private staleAfter(beatEveryMs: unknown): number {
    const beat = typeof beatEveryMs === 'number' && Number.isFinite(beatEveryMs) ? Math.min(beatEveryMs, MAX_BEAT_MS) : 0;
    return Math.max(this.staleMs, beat * 2.5);
  }

  private tryLead(term: number): void {
    if (!tryClaim(this.dir, term, this.claim)) {
      this.noteLeader(highestTerm(this.dir)); // someone else won this term
      return;
    }
    // A follower that stalled between reading the folder and claiming could have recreated a
    // term that cleanup had removed, below the real current one: then it is not the leader.
    const top = highestTerm(this.dir);
    if (top !== term) return this.noteLeader(top);
    this.role = 'leader';
    this.term = term;
    this.leadingSince = this.clock.now();
    this.beat();
    this.logger.info(`Leader election: leading term ${term} (pid ${process.pid})`);
    this.leaderEmitter.fire(term);
    this.roleEmitter.fire({ role: 'leader', term });
  }

  private stepDown(top: number): void {
    this.logger.warn(`Leader election: term ${this.term} is over (highest is ${top}); stepping down`);
    this.role = 'follower';
    this.term = top;
    this.seen = { term: 0, key: '', since: 0 };
    this.leaderEmitter.fire(top);
    this.roleEmitter.fire({ role: 'follower', term: top });
  }

  private noteLeader(top: number): void {
    if (top === this.term) return;
    this.term = top;
    this.leaderEmitter.fire(top);
  }

  private beat(): void {
    writeHeartbeat(this.dir, this.heartbeat(false));
    this.lastBeat = this.clock.monotonic();
  }

  private heartbeat(released: boolean): Heartbeat {
    return { ...this.claim, term: this.term, heartbeatAt: this.clock.now(), seq: ++this.seq, leadingSince: this.leadingSince, beatEveryMs: this.heartbeatMs, ...(released ? { released } : {}) };
  }
}

