// What a window does for the background agent (README "Background agent"):
// - publishes the environments it resolved to `<storage>/agent/environments.json`
//   (core/agent/snapshot.ts decides what may go: nothing from an untrusted workspace or a
//   non-`file` folder), at start and whenever settings, trust or folders change;
// - hands the agent the SecretStorage values its environments need while the agent leads;
// - tells the views who runs the schedules, which environments only the agent runs (their
//   workspace is not open here) and which wait for a password the agent does not have.
import { readFileSync } from 'node:fs';
import * as vscode from 'vscode';
import { agentStatusPath, environmentsPath } from '../core/agent/paths';
import { publish, readSnapshot, removeEnvironment, snapshotEntries } from '../core/agent/snapshot';
import { secretKeys, secretNamesIn } from '../core/engines/secrets';
import type { Environment, EnvironmentEntry } from '../core/environments/types';
import type { Coordinator, Leadership } from '../core/leader/coordinator';
import type { Logger } from '../core/ports';
import type { Settings } from '../config';
import { formatDateTime } from '../../shared/format';
import * as os from 'node:os';

/** The secret keys an environment reads from SecretStorage (none with passwordFile/passwordCommand). */
export function secretKeysOf(env: Environment): string[] {
  const keys: string[] = [];
  if (env.engine === 'restic' && env.repository && !env.passwordFile && !env.passwordCommand) keys.push(secretKeys.resticPassword(env.repository));
  for (const n of secretNamesIn(env.backendEnv)) keys.push(secretKeys.named(n));
  return keys;
}

/** "Schedules run in …", for the status bar tooltip and the Environments view. */
export function describeLeadership(l: Leadership): string {
  switch (l.who) {
    case 'self':
      return l.handingOver ? vscode.l10n.t('Schedules run in this window until its running tasks end, then in the background agent.') : vscode.l10n.t('Schedules run in this window.');
    case 'window':
      return vscode.l10n.t('Schedules run in another VS Code window (since {0}).', l.since ? formatDateTime(l.since) : '?');
    case 'agent':
      return vscode.l10n.t('Schedules run in the background agent (version {0}, since {1}).', l.version || '?', l.since ? formatDateTime(l.since) : '?');
    default:
      return vscode.l10n.t('No process runs the schedules right now; one takes over within seconds.');
  }
}

export interface AgentLinkOptions {
  storageDir: string;
  backups: Coordinator;
  secrets: vscode.SecretStorage;
  logger: Logger;
  settings: () => Settings;
  readEnvironments: () => EnvironmentEntry[];
}

export class AgentLink implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly subs: vscode.Disposable[] = [];
  private readonly timer: ReturnType<typeof setInterval>;
  private publishing: Promise<void> = Promise.resolve();
  private pending: ReturnType<typeof setTimeout> | undefined;
  private lastSummary = '';
  private ticks = 0;

  constructor(private readonly o: AgentLinkOptions) {
    this.publishSoon(0);
    this.subs.push(
      vscode.workspace.onDidChangeConfiguration((e) => (e.affectsConfiguration('backupScheduler') ? this.publishSoon() : undefined)),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.publishSoon()),
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.publishSoon()),
    );
    const role = o.backups.onDidChangeRole(() => this.check(true));
    this.subs.push(new vscode.Disposable(() => role.dispose()));
    // Who leads can change without this window's role changing (a window hands over to the
    // agent): a few file reads every 5 s keep the views right.
    this.timer = setInterval(() => this.check(false), 5_000);
  }

  /** `<storage>/agent/environments.json` (tests read what was published). */
  get environmentsFile(): string {
    return environmentsPath(this.o.storageDir);
  }

  /** Who runs the schedules now. */
  leadership(): Leadership {
    return this.o.backups.leadership();
  }

  describe(): string {
    return describeLeadership(this.leadership());
  }

  /** Environments the agent runs that this window does not define (their workspace is not open here). */
  agentOnly(): Environment[] {
    const l = this.leadership();
    if (l.who !== 'agent' && !l.agent) return [];
    const own = new Set(this.o.backups.environments().flatMap((e) => (e.valid ? [e.environment.id] : [])));
    const { entries } = snapshotEntries(readSnapshot(environmentsPath(this.o.storageDir)), { home: os.homedir(), env: process.env });
    return entries.flatMap((e) => (e.valid && !own.has(e.environment.id) ? [e.environment] : []));
  }

  /** The agent leads and has asked for a secret of this environment that no window handed over. */
  waitingForPassword(env: Environment): boolean {
    if (this.leadership().who !== 'agent') return false;
    const waiting = this.agentStatus()?.waitingForSecrets ?? [];
    return secretKeysOf(env).some((k) => waiting.includes(k));
  }

  /** "Stop Running in Background": the agent drops it at its next reload. */
  async stopInBackground(envId: string): Promise<void> {
    await removeEnvironment(environmentsPath(this.o.storageDir), envId);
    this.changed.fire();
  }

  /** Publishes now (tests, and the command that installs the agent). */
  publishNow(): Promise<void> {
    clearTimeout(this.pending);
    this.publishing = this.publishing.then(() => this.doPublish());
    return this.publishing;
  }

  dispose(): void {
    clearInterval(this.timer);
    clearTimeout(this.pending);
    this.subs.forEach((s) => s.dispose());
    this.changed.dispose();
  }

  private publishSoon(delayMs = 300): void {
    clearTimeout(this.pending);
    this.pending = setTimeout(() => void this.publishNow(), delayMs);
  }

  private async doPublish(): Promise<void> {
    const s = this.o.settings();
    try {
      await publish(environmentsPath(this.o.storageDir), {
        entries: this.o.readEnvironments(),
        folders: (vscode.workspace.workspaceFolders ?? []).map((f) => ({ path: f.uri.fsPath, scheme: f.uri.scheme })),
        trusted: vscode.workspace.isTrusted,
        settings: { resticPath: vscode.workspace.getConfiguration('backupScheduler').get<string>('restic.path') || undefined, bounds: s.bounds, stallMs: s.stallMs, fsCallTimeoutMs: s.fsCallTimeoutMs },
        now: Date.now(),
        includesUserList: vscode.workspace.getConfiguration('backupScheduler').inspect('environments')?.workspaceValue === undefined,
      });
    } catch (e) {
      this.o.logger.warn(`could not publish the environments for the background agent: ${(e as Error).message}`);
    }
    this.changed.fire();
  }

  private agentStatus(): { waitingForSecrets?: string[] } | undefined {
    try {
      return JSON.parse(readFileSync(agentStatusPath(this.o.storageDir), 'utf8'));
    } catch {
      return undefined;
    }
  }

  private check(force: boolean): void {
    const l = this.leadership();
    const status = l.who === 'agent' ? this.agentStatus() : undefined;
    const summary = JSON.stringify([l.who, l.pid, l.handingOver, !!l.agent, status?.waitingForSecrets]);
    // Hand the secrets over when the agent starts leading, when it asks, and every minute after.
    if (l.who === 'agent' && (force || summary !== this.lastSummary || ++this.ticks % 12 === 0)) void this.handSecrets();
    if (force || summary !== this.lastSummary) {
      this.lastSummary = summary;
      this.changed.fire();
    }
  }

  private handSecrets(): Promise<void> {
    return this.o.backups.handSecrets(async () => {
      const envs = [...this.o.backups.environments().flatMap((e) => (e.valid ? [e.environment] : [])), ...this.agentOnly()];
      const out: Record<string, string> = {};
      for (const key of new Set(envs.flatMap(secretKeysOf))) {
        const v = await this.o.secrets.get(key);
        if (v) out[key] = v;
      }
      return out;
    });
  }
}
