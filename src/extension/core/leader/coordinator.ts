// One object the VS Code layer holds for the life of the window, whatever this window's role.
// It runs the election; as leader it owns tasks.db, the BackupService and the channel other
// windows call; as follower it shows a read-only copy of tasks.db and sends commands to the
// leader. When the role changes (the leader window closed or died), it swaps the inside and
// tells the views to redraw; the views never see the swap otherwise.
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { TaskRecord } from '../../../shared/model';
import type { EngineRegistry } from '../engines/registry';
import type { BackupEntry, BackupRef, EngineSummary, RepositoryLock, RestoreRequest } from '../engines/types';
import { LocalBackups, type Backups, type CommandOutcome, type TaskReader } from '../backups';
import type { Environment, EnvironmentEntry } from '../environments/types';
import type { Clock, Logger } from '../ports';
import { BackupService } from '../service';
import { openTaskStore } from '../store/openTaskStore';
import type { SqlTaskStore } from '../store/sqlStore';
import type { HistoryBounds } from '../store/taskStore';
import { Emitter, type Disposable } from '../util/emitter';
import { connectLeaderChannel, LeaderChannelError, serveLeaderChannel, type LeaderChannelClient, type LeaderChannelServer } from './channel';
import { startElection, type Election } from './election';
import { channelEndpointFor } from './endpoint';
import { FollowerBackups, type LeaderCaller } from './followerBackups';
import { ReplicaStore } from './replicaStore';
import { claimOccurrence, occurrenceKey, pruneOccurrenceClaims, releaseOccurrence } from './occurrenceClaims';
import { checkRegistration } from './requestChecks';
import { LEADER_METHODS, leaderHandlers } from './rpc';
import { readHandlers, type LeaderAbout } from './readHandlers';

export interface CoordinatorOptions {
  storageDir: string;
  clock: Clock;
  logger: Logger;
  trusted: boolean;
  defaultCwd: string | undefined;
  /** This window's workspace folders: while it is untrusted, no command runs inside them. */
  workspaceFolders?: string[];
  bounds: HistoryBounds;
  engines: EngineRegistry;
  /** A running task silent this long is flagged stalled (read each time: the setting may change). */
  stallMs?: () => number;
  /**
   * Shown to the user: a problem with the history (moved aside, not saved, newer version) or with
   * leading (this window could not). Each problem is told once, not at every retry.
   */
  onStoreWarning?: (message: string) => void;
  election?: { heartbeatMs?: number; checkMs?: number; staleMs?: number; maxRetryMs?: number };
  replicaPollMs?: number;
  /** sql-wasm.wasm (default: beside the bundle). */
  wasmPath?: string;
  /** First wait before this window tries to lead again after it could not (doubles up to 5 min). */
  leadRetryMs?: number;
  /** 'agent': this is the background agent, the preferred leader (README "Background agent"). */
  kind?: 'window' | 'agent';
  /**
   * Save and text-search tasks.db in a worker thread (openTaskStore's `worker`): the extension
   * host sets it, as its thread is every extension's; the agent does not (memory).
   */
  storeWorker?: boolean;
  /** Catch-ups retry an unreachable destination after these delays (BackupService); the agent sets it. */
  catchUpRetryDelaysMs?: readonly number[];
  /** This build's version, published to the others while leading. */
  version?: string;
  /** The agent: a window handed it the secrets its environments need (held in memory only). */
  onSecrets?: (secrets: Record<string, string>) => void;
  /** More folders where no command may run: the agent's, from environments.json (windows that had them open untrusted). */
  moreUntrustedFolders?: () => readonly string[];
}

/** Who runs the schedules, as the status bar and the Environments view tell it. */
export interface Leadership {
  /** 'self': this process; 'window': another VS Code window; 'agent': the background agent; 'none': nobody right now. */
  who: 'self' | 'window' | 'agent' | 'none';
  pid?: number;
  version?: string;
  /** When the current leader started leading (epoch ms). */
  since?: number;
  /** A background agent is alive and waits to take over (it does not lead yet). */
  agent?: { pid: number; version: string; startedAt: number };
  /** This window leads but hands over to the agent once its running tasks end. */
  handingOver?: boolean;
}

const MAX_LEAD_RETRY_MS = 5 * 60_000;

/** How long a follower's environments stay scheduled after its last word (it re-sends every 15 s). */
const REGISTRATION_TTL_MS = 60_000;
const REGISTER_EVERY_MS = 15_000;

type Inner =
  | { role: 'leader'; backups: LocalBackups; service: BackupService; store: SqlTaskStore; server: LeaderChannelServer }
  | { role: 'follower'; backups: FollowerBackups; replica: ReplicaStore; caller: LeaderClientProxy };

export class Coordinator implements Backups {
  private inner!: Inner;
  private entries: EnvironmentEntry[] = [];
  private trusted: boolean;
  private readonly registered = new Map<string, { at: number; envs: Environment[]; folders: string[]; trusted: boolean }>();
  private readonly taskChanged = new Emitter<TaskRecord>();
  private readonly envChanged = new Emitter<void>();
  private readonly roleChanged = new Emitter<'leader' | 'follower'>();
  private innerSubs: Disposable[] = [];
  private switching: Promise<void> = Promise.resolve();
  private timer: ReturnType<typeof setInterval> | undefined;
  private disposed = false;
  private registration: Promise<void> = Promise.resolve();
  private ticks = 0;
  /** Attempts to lead that failed in a row; reset by one that worked. */
  private leadFailures = 0;
  private readonly told = new Set<string>();
  readonly windowId = `${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  readonly onDidChangeRole = this.roleChanged.event;
  /** A leading window waits for its tasks to end before it hands over to the agent. */
  private handingOver = false;

  private constructor(private readonly opts: CoordinatorOptions, private readonly election: Election, initial: EnvironmentEntry[]) {
    this.trusted = opts.trusted;
    this.entries = initial;
  }

  static async start(opts: CoordinatorOptions, entries: EnvironmentEntry[]): Promise<Coordinator> {
    const election = await startElection({
      dir: join(opts.storageDir, 'leader'),
      clock: opts.clock,
      logger: opts.logger,
      endpoint: channelEndpointFor(opts.storageDir),
      kind: opts.kind,
      version: opts.version,
      onError: (m) => opts.onStoreWarning?.(`Backups cannot be coordinated between windows: ${m}.`),
      ...opts.election,
    });
    const c = new Coordinator(opts, election, entries);
    await c.become(election.role);
    election.onDidChangeRole((e) => c.queueSwitch(e.role));
    election.onAgentWaiting((waiting) => (waiting ? c.handOverWhenIdle() : c.checkHandOver()));
    c.timer = setInterval(() => c.tick(), REGISTER_EVERY_MS);
    (c.timer as { unref?: () => void }).unref?.();
    return c;
  }

  get role(): 'leader' | 'follower' {
    return this.inner.role;
  }
  /**
   * Stable across role changes: each call goes to the current role's store. Views and commands
   * keep this object for the life of the window; a window that hands over to the background agent
   * (or takes the schedules back) swaps its store, and a reader taken before must not read the
   * closed one.
   */
  readonly reader: TaskReader = {
    queryTasks: (q) => this.inner.backups.reader.queryTasks(q),
    searchTasks: (q) => this.inner.backups.reader.searchTasks(q),
    getTask: (id) => this.inner.backups.reader.getTask(id),
    lastSucceeded: (envId, kind) => this.inner.backups.reader.lastSucceeded(envId, kind),
    logAfter: (id, afterSeq, limit) => this.inner.backups.reader.logAfter(id, afterSeq, limit),
    changesSince: (revision) => this.inner.backups.reader.changesSince(revision),
    recentRuns: (envId, limit) => this.inner.backups.reader.recentRuns(envId, limit),
  };
  /** The leader's history is saved and text-searched in the store worker (tests and diagnostics). */
  get storeInWorker(): boolean {
    return this.inner.role === 'leader' && this.inner.store.inWorker;
  }
  /** The leader's own service (tests and diagnostics); undefined in a follower. */
  get service(): BackupService | undefined {
    return this.inner.role === 'leader' ? this.inner.service : undefined;
  }
  /**
   * How many windows follow this leader (each registers every 15 s, and a closing one says so):
   * the agent tells the user on the desktop only what no open window tells them.
   */
  followerWindows(): number {
    const now = this.opts.clock.now();
    return [...this.registered.values()].filter((r) => now - r.at <= REGISTRATION_TTL_MS).length;
  }

  /** Who runs the schedules right now (read from the election's files). */
  leadership(): Leadership {
    const agent = this.election.agentInfo();
    const a = agent && { pid: agent.pid, version: agent.version, startedAt: agent.startedAt };
    if (this.inner.role === 'leader') return { who: 'self', pid: process.pid, version: this.opts.version, agent: a, handingOver: this.handingOver };
    let info;
    try {
      info = this.election.leaderInfo();
    } catch {
      info = undefined;
    }
    if (!info || info.released) return { who: 'none', agent: a };
    return { who: info.kind === 'agent' ? 'agent' : 'window', pid: info.pid, version: info.version, since: info.leadingSince ?? info.startedAt, agent: a };
  }

  /** Resolves when a pending role change has been carried out. */
  settled(): Promise<void> {
    return this.switching;
  }

  setEnvironments(entries: EnvironmentEntry[]): void {
    this.entries = entries;
    this.applyEnvironments();
  }

  /** Folders where a command must not run: this window's while untrusted, and other windows' they report untrusted. */
  untrustedFolders(): string[] {
    const out = this.trusted ? [] : [...(this.opts.workspaceFolders ?? [])];
    out.push(...(this.opts.moreUntrustedFolders?.() ?? []));
    const now = this.opts.clock.now();
    for (const r of this.registered.values()) if (!r.trusted && now - r.at <= REGISTRATION_TTL_MS) out.push(...r.folders);
    return out;
  }

  setWorkspaceFolders(folders: string[]): void {
    this.opts.workspaceFolders = folders;
    this.applyEnvironments();
  }

  setTrusted(trusted: boolean): void {
    this.trusted = trusted;
    if (this.inner.role === 'leader') this.inner.service.setTrusted(trusted);
    else this.inner.backups.setTrusted(trusted);
    this.applyEnvironments();
  }

  setBounds(bounds: HistoryBounds): void {
    this.opts.bounds = bounds;
    if (this.inner.role === 'leader') this.inner.store.setBounds(bounds);
  }

  environments(): EnvironmentEntry[] {
    return this.entries;
  }
  environment(id: string): Environment | undefined {
    return this.inner.backups.environment(id) ?? this.ownEnvironment(id);
  }
  blockedReason(env: Environment): string | undefined {
    return this.inner.backups.blockedReason(env);
  }
  activeTasks(): TaskRecord[] {
    return this.inner.backups.activeTasks();
  }
  busyWith(envId: string): TaskRecord | undefined {
    return this.inner.backups.busyWith(envId);
  }
  liveRecord(id: number): TaskRecord | undefined {
    return this.inner.backups.liveRecord(id);
  }
  nextRuns(envId: string, count: number): number[] {
    return this.inner.backups.nextRuns(envId, count);
  }
  scheduledIds(): string[] {
    return this.inner.backups.scheduledIds();
  }
  lastHandled(envId: string): number | undefined {
    return this.inner.backups.lastHandled(envId);
  }
  onDidChangeTask(listener: (t: TaskRecord) => void): Disposable {
    return this.taskChanged.event(listener);
  }
  onDidChangeEnvironments(listener: () => void): Disposable {
    return this.envChanged.event(listener);
  }
  async runNow(envId: string): Promise<CommandOutcome> {
    await this.registration; // the leader must know what this window knows before it is asked
    return this.inner.backups.runNow(envId);
  }
  retry(taskId: number): Promise<CommandOutcome> {
    return this.inner.backups.retry(taskId);
  }
  verify(envId: string, backupId?: string): Promise<CommandOutcome> {
    return this.inner.backups.verify(envId, backupId);
  }
  restore(envId: string, req: RestoreRequest): Promise<CommandOutcome> {
    return this.inner.backups.restore(envId, req);
  }
  initRepository(envId: string): Promise<CommandOutcome> {
    return this.inner.backups.initRepository(envId);
  }
  unlockRepository(envId: string, all: boolean): Promise<CommandOutcome> {
    return this.inner.backups.unlockRepository(envId, all);
  }
  listLocks(envId: string, signal?: AbortSignal): Promise<RepositoryLock[]> {
    return this.inner.backups.listLocks(envId, signal);
  }
  cancel(taskId: number): Promise<boolean> {
    return this.inner.backups.cancel(taskId);
  }
  clearHistory(filter?: { envIds?: string[] }): Promise<number> {
    return this.inner.backups.clearHistory(filter);
  }
  listBackups(envId: string, signal?: AbortSignal): Promise<BackupRef[]> {
    return this.inner.backups.listBackups(envId, signal);
  }
  listFiles(envId: string, backupId: string, signal?: AbortSignal): Promise<BackupEntry[]> {
    return this.inner.backups.listFiles(envId, backupId, signal);
  }
  listsFolders(envId: string): boolean {
    return this.inner.backups.listsFolders(envId);
  }
  listFolder(envId: string, backupId: string, dir: string, signal?: AbortSignal): Promise<BackupEntry[]> {
    return this.inner.backups.listFolder(envId, backupId, dir, signal);
  }
  statEntry(envId: string, backupId: string, path: string, signal?: AbortSignal): Promise<BackupEntry | undefined> {
    return this.inner.backups.statEntry(envId, backupId, path, signal);
  }
  readFile(envId: string, backupId: string, path: string, signal?: AbortSignal): Promise<Uint8Array> {
    return this.inner.backups.readFile(envId, backupId, path, signal);
  }
  summary(envId: string): Promise<EngineSummary | undefined> {
    return this.inner.backups.summary(envId);
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    if (this.timer) clearInterval(this.timer);
    await this.switching;
    if (this.inner.role === 'follower') await this.inner.caller.call(LEADER_METHODS.registerEnvironments, { windowId: this.windowId, entries: [] }).catch(() => undefined);
    (await this.teardown())?.();
    // Released last: the next leader starts only after this one has written its history.
    this.election.dispose();
    this.taskChanged.dispose();
    this.envChanged.dispose();
    this.roleChanged.dispose();
  }

  /**
   * A live agent waits while this window leads: stop arming scheduled runs now, and release the
   * term once no task runs, so the agent claims the next one. Occurrences due meanwhile are the
   * agent's catch-up (the "handled" marks in tasks.db say which); if the agent dies first, the
   * schedules are armed again here.
   */
  private handOverWhenIdle(): void {
    const inner = this.inner;
    if (this.disposed || inner?.role !== 'leader' || this.opts.kind === 'agent') return;
    if (!this.handingOver) {
      this.handingOver = true;
      inner.service.pauseSchedules();
      this.opts.logger.info('a background agent is running: this window hands the schedules over to it once its running tasks end');
      this.envChanged.fire();
    }
    if (inner.backups.activeTasks().length > 0) return;
    void inner.store.flush().then(
      () => {
        if (this.inner === inner && this.handingOver) this.election.handOver();
      },
      (e: Error) => this.opts.logger.warn(`could not write the history before handing over: ${e.message}`),
    );
  }

  /** No live agent any more: a hand-over whose agent died resumes the schedules here. */
  private checkHandOver(): void {
    if (!this.handingOver || this.inner.role !== 'leader') return;
    this.handingOver = false;
    this.opts.logger.info('the background agent is gone before the hand-over: this window keeps running the schedules');
    this.inner.service.resumeSchedules();
    this.envChanged.fire();
  }

  private queueSwitch(role: 'leader' | 'follower'): void {
    this.switching = this.switching.then(() => (this.disposed || role === this.inner.role ? undefined : this.become(role))).catch((e) => this.opts.logger.error(`could not switch to ${role}: ${(e as Error).message}`));
  }

  private async become(role: 'leader' | 'follower'): Promise<void> {
    // The old role's store stays open (read-only) until the new one is in place: this.reader reads
    // this.inner at every call, and views, commands and the Task Log read during the switch too.
    const release = this.inner ? await this.teardown() : undefined;
    try {
      await this.enter(role);
    } finally {
      release?.();
    }
  }

  private async enter(role: 'leader' | 'follower'): Promise<void> {
    this.handingOver = false;
    if (role === 'leader') {
      try {
        this.inner = await this.makeLeader();
        this.leadFailures = 0;
        this.told.delete('lead');
      } catch (e) {
        role = 'follower';
        this.stepDown((e as Error).message);
      }
    }
    if (role === 'follower') this.inner = await this.makeFollower();
    const self = this.opts.kind === 'agent' ? 'the background agent' : 'this window';
    this.opts.logger.info(`${self} is now the ${role}${role === 'leader' ? ': it runs the schedules and writes the history' : ': another process runs the schedules'}`);
    this.innerSubs = [this.inner.backups.onDidChangeTask((t) => this.taskChanged.fire(t)), this.inner.backups.onDidChangeEnvironments(() => this.envChanged.fire())];
    this.applyEnvironments();
    this.roleChanged.fire(role);
  }

  /**
   * Leading failed (the history will not open, the WASM will not load, a newer version wrote the
   * history): a leader that cannot lead must not hold the term, or nothing runs anywhere. Release
   * it so another window takes over, try again later with back-off, and tell the user once.
   */
  private stepDown(reason: string): void {
    const wait = Math.min(MAX_LEAD_RETRY_MS, (this.opts.leadRetryMs ?? 5000) * 2 ** this.leadFailures++);
    this.election.resign(wait);
    this.opts.logger.error(`this window cannot run the backups: ${reason}; another window may take over, this one tries again in ${Math.round(wait / 1000)} s`);
    this.tellOnce('lead', `This window cannot run the backups: ${reason} Another open window takes over if it can; this one tries again later.`);
  }

  private tellOnce(key: string, message: string): void {
    if (this.told.has(key)) return;
    this.told.add(key);
    this.opts.onStoreWarning?.(message);
  }

  private async makeLeader(): Promise<Inner> {
    const { clock, logger } = this.opts;
    const { store, warnings, readOnly } = await openTaskStore({
      dir: this.opts.storageDir,
      clock,
      logger,
      bounds: this.opts.bounds,
      wasmPath: this.opts.wasmPath,
      canPersist: () => this.election.isLeader(),
      worker: this.opts.storeWorker,
      onSaveError: (m) => this.opts.onStoreWarning?.(m),
    });
    if (readOnly) {
      store.close();
      this.told.add('newer'); // the follower's copy would say the same again
      throw new Error(warnings.join(' '));
    }
    for (const w of warnings) this.opts.onStoreWarning?.(w);
    const service = new BackupService({ store, engines: this.opts.engines, clock, logger, defaultCwd: this.opts.defaultCwd, trusted: this.trusted, untrustedFolders: () => this.untrustedFolders(), stallMs: this.opts.stallMs, catchUpRetryDelaysMs: this.opts.catchUpRetryDelaysMs, beforeScheduledRun: (env, occurrence) => this.claim(env.id, occurrence, store) });
    const backups = new LocalBackups(service, store, this.opts.engines);
    const since = this.opts.clock.now();
    const about = (): LeaderAbout => {
      const l = this.leadership();
      return { host: this.opts.kind ?? 'window', pid: process.pid, since, ...(this.opts.version ? { version: this.opts.version } : {}), ...(l.agent && this.opts.kind !== 'agent' ? { agent: l.agent } : {}), ...(l.handingOver ? { handingOver: true } : {}) };
    };
    service.setEnvironments(this.mergedEntries());
    service.start();
    // Without its channel the leader still runs everything itself; only other windows' commands fail.
    const server = await serveLeaderChannel({
      path: channelEndpointFor(this.opts.storageDir),
      logger,
      handlers: { ...readHandlers(backups, about), ...leaderHandlers(backups, () => store.flush(), (params) => this.register(params), (params) => this.receiveSecrets(params)) },
    }).catch((e: Error): LeaderChannelServer => {
      logger.error(`other windows cannot reach this one: ${e.message}`);
      return { endpoint: '', dispose: () => undefined };
    });
    return { role: 'leader', backups, service, store, server };
  }

  /**
   * Exactly one window runs an occurrence. Leadership alone cannot promise it: a window suspended
   * right after checking it leads may wake after another took over and ran the same occurrence.
   * So the occurrence is claimed with an O_EXCL file first (one winner), leadership is checked
   * again (a loser gives the claim back, so the new leader can still catch it up), and the
   * "handled" mark goes to tasks.db. The run does not wait for that write: the claim file alone
   * already stops any other process from running the occurrence, and 30 runs due at once would
   * otherwise each wait for a write of the whole history (the agent benchmark's lateness).
   */
  private async claim(envId: string, occurrence: number, store: SqlTaskStore): Promise<boolean> {
    const { logger } = this.opts;
    if (!this.election.isLeader()) return false;
    const key = occurrenceKey(envId, occurrence);
    if (!claimOccurrence(this.claimsDir, key, { term: this.election.term, pid: process.pid })) {
      logger.info(`occurrence ${key} was already run by another window`);
      return false;
    }
    if (!this.election.isLeader()) {
      releaseOccurrence(this.claimsDir, key);
      return false;
    }
    void store.flush().catch((e) => logger.warn(`could not write the history at a scheduled run: ${(e as Error).message}`));
    return true;
  }

  private get claimsDir(): string {
    return join(this.opts.storageDir, 'leader', 'occurrences');
  }

  private async makeFollower(): Promise<Inner> {
    const replica = await ReplicaStore.open({
      dir: this.opts.storageDir,
      clock: this.opts.clock,
      logger: this.opts.logger,
      pollMs: this.opts.replicaPollMs,
      wasmPath: this.opts.wasmPath,
      onWarning: (m) => this.tellOnce('newer', m),
    });
    const caller = new LeaderClientProxy(this.election);
    const backups = new FollowerBackups(replica, caller, this.opts.clock, this.trusted, this.opts.engines, { untrustedFolders: () => this.untrustedFolders(), defaultCwd: this.opts.defaultCwd });
    return { role: 'follower', backups, replica, caller };
  }

  /**
   * Stops the current role (nothing runs or writes any more) and returns what closes its store.
   * The caller closes it once the next role's store answers reads (or at once, when disposing).
   */
  private async teardown(): Promise<(() => void) | undefined> {
    this.innerSubs.forEach((s) => s.dispose());
    this.innerSubs = [];
    const inner = this.inner;
    if (!inner) return undefined;
    if (inner.role === 'leader') {
      inner.server.dispose();
      await inner.service.dispose();
      // Still the leader: write the history (normal close). Not any more: another window owns it.
      await inner.store.stopWriting(this.election.isLeader());
      return () => inner.store.close();
    }
    inner.backups.dispose();
    inner.caller.dispose();
    return () => inner.replica.dispose();
  }

  private applyEnvironments(): void {
    if (!this.inner) return;
    if (this.inner.role === 'leader') this.inner.service.setEnvironments(this.mergedEntries());
    else {
      this.inner.backups.setEnvironments(this.entries);
      void this.sendRegistration();
    }
  }

  /** Our entries first; then environments only other windows' workspace settings define. */
  private mergedEntries(): EnvironmentEntry[] {
    const now = this.opts.clock.now();
    const ids = new Set(this.entries.map((e) => (e.valid ? e.environment.id : e.id)));
    const out = [...this.entries];
    for (const r of this.registered.values()) {
      if (now - r.at > REGISTRATION_TTL_MS) continue;
      for (const env of r.envs) {
        if (ids.has(env.id)) continue;
        ids.add(env.id);
        out.push({ index: out.length, valid: true, environment: env });
      }
    }
    return out;
  }

  private ownEnvironment(id: string): Environment | undefined {
    for (const e of this.mergedEntries()) if (e.valid && e.environment.id === id) return e.environment;
    return undefined;
  }

  /** A follower's registration, checked by the rules in requestChecks.ts; the reply lists what was refused. */
  private register(params: unknown): { accepted: number; refused: { id: string; reason: string }[] } {
    const reg = checkRegistration(params, { home: homedir(), env: process.env });
    for (const r of reg.refused) this.opts.logger.warn(`window ${reg.windowId}: environment "${r.id}" refused: ${r.reason}`);
    if (reg.envs.length === 0 && (reg.trusted || reg.folders.length === 0)) this.registered.delete(reg.windowId); // a closing window sends nothing
    // The workspace rule was applied above with that window's trust; this window's trust is about
    // its own workspace, so a checked entry counts as the user's here (folder rules still apply).
    else this.registered.set(reg.windowId, { at: this.opts.clock.now(), envs: reg.envs.map((e) => ({ ...e, origin: 'user' as const })), folders: reg.folders, trusted: reg.trusted });
    if (this.inner.role === 'leader') this.inner.service.setEnvironments(this.mergedEntries());
    return { accepted: reg.envs.length, refused: reg.refused };
  }

  /**
   * A follower hands the leader the environments it knows: those only its workspace defines,
   * and user-level ones too, because a settings change reaches each window at its own pace and
   * a command from this window must find what this window shows. The leader's own definition
   * wins where both have one. Paths are already expanded for this window's folder, and a
   * workspace command is sent only when this window trusts its workspace.
   */
  private sendRegistration(): Promise<void> {
    if (this.inner.role !== 'follower') return Promise.resolve();
    const mine = this.entries.flatMap((e) => (e.valid && !this.inner.backups.blockedReason(e.environment) ? [e.environment] : []));
    const params = { windowId: this.windowId, entries: mine, folders: this.opts.workspaceFolders ?? [], trusted: this.trusted };
    this.registration = this.inner.caller.call(LEADER_METHODS.registerEnvironments, params).then(
      () => undefined,
      () => undefined,
    );
    return this.registration;
  }

  /** The agent keeps what a window hands over; a window leader has SecretStorage itself. */
  private receiveSecrets(params: unknown): { accepted: number } {
    const p = params && typeof params === 'object' && !Array.isArray(params) ? (params as { secrets?: unknown }).secrets : undefined;
    if (!p || typeof p !== 'object' || Array.isArray(p)) throw new Error('"secrets" must be an object');
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(p as Record<string, unknown>)) if (typeof v === 'string' && k.length <= 4096 && v.length <= 65_536) out[k] = v;
    if (this.opts.kind !== 'agent' || !this.opts.onSecrets) return { accepted: 0 };
    this.opts.onSecrets(out);
    return { accepted: Object.keys(out).length };
  }

  /**
   * A window that follows the agent hands it the secrets its environments need from SecretStorage
   * (the agent cannot read it). `collect` returns them by secret key; nothing is sent to a window leader.
   */
  async handSecrets(collect: () => Promise<Record<string, string>>): Promise<void> {
    if (this.inner.role !== 'follower' || this.leadership().who !== 'agent') return;
    const secrets = await collect();
    if (Object.keys(secrets).length === 0) return;
    await this.inner.caller.call(LEADER_METHODS.provideSecrets, { secrets }).catch((e: Error) => this.opts.logger.warn(`could not hand the passwords to the background agent: ${e.message}`));
  }

  private tick(): void {
    if (this.inner.role === 'follower') return void this.sendRegistration();
    // Registrations of windows that went quiet (crashed) expire; re-schedule only when one did.
    const now = this.opts.clock.now();
    const expired = [...this.registered].filter(([, r]) => now - r.at > REGISTRATION_TTL_MS).map(([id]) => id);
    for (const id of expired) this.registered.delete(id);
    if (expired.length) this.inner.service.setEnvironments(this.mergedEntries());
    // A claim matters only as long as a takeover can take; a week covers any sleep that matters.
    if (++this.ticks % 240 === 0) pruneOccurrenceClaims(this.claimsDir, 7 * 86_400_000, this.opts.clock.now());
  }
}

/** Calls whoever leads now: the endpoint is read from the election's files on every call. */
class LeaderClientProxy implements LeaderCaller {
  private client: LeaderChannelClient | undefined;
  private endpoint = '';

  constructor(private readonly election: Election) {}

  async call(method: string, params: unknown): Promise<unknown> {
    const info = this.election.leaderInfo();
    if (!info?.endpoint || info.released) throw new Error('no window leads the backups right now; try again in a few seconds');
    if (info.endpoint !== this.endpoint) {
      this.client?.dispose();
      this.client = connectLeaderChannel(info.endpoint, { timeoutMs: 15_000 });
      this.endpoint = info.endpoint;
    }
    try {
      return await this.client!.call(method, params);
    } catch (e) {
      if (e instanceof LeaderChannelError && e.code !== 'remote') throw new Error(`the leader window did not answer (${e.message}); try again in a few seconds`);
      throw e;
    }
  }

  dispose(): void {
    this.client?.dispose();
  }
}
