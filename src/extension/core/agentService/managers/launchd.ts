// macOS: a LaunchAgent in ~/Library/LaunchAgents, loaded into the user's GUI domain with
// `launchctl bootstrap gui/<uid>`. It starts at login, as the user.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { failureText } from '../commandRunner';
import { launchdPlist, type ServiceDefinition } from '../serviceFiles';
import { ServiceError, type ManagerContext, type ServiceManager, type ServiceStatus } from './types';

export class LaunchdManager implements ServiceManager {
  readonly kind = 'launchd' as const;
  constructor(private readonly ctx: ManagerContext) {}

  definitionFile(def: ServiceDefinition): string {
    return join(this.ctx.homedir, 'Library', 'LaunchAgents', `${def.name}.plist`);
  }

  private get domain(): string {
    return `gui/${this.ctx.uid}`;
  }

  private launchctl(...args: string[]) {
    return this.ctx.runner.run('launchctl', args);
  }

  async probe(): Promise<string | undefined> {
    if (this.ctx.platform !== 'darwin') return 'not macOS';
    const r = await this.launchctl('print', this.domain);
    return r.code === 0 ? undefined : `launchctl print ${this.domain}: ${failureText(r)}`;
  }

  async install(def: ServiceDefinition): Promise<{ files: string[]; notes: string[] }> {
    const file = this.definitionFile(def);
    mkdirSync(join(this.ctx.homedir, 'Library', 'LaunchAgents'), { recursive: true });
    writeFileSync(file, launchdPlist(def), { mode: 0o644 });
    // A loaded older definition must go first: bootstrap refuses a label that is loaded.
    await this.launchctl('bootout', `${this.domain}/${def.name}`);
    await this.launchctl('enable', `${this.domain}/${def.name}`);
    const r = await this.launchctl('bootstrap', this.domain, file);
    if (r.code !== 0) throw new ServiceError(`launchctl bootstrap ${this.domain} failed: ${failureText(r)}`);
    return { files: [file], notes: [] };
  }

  async remove(def: ServiceDefinition, file = this.definitionFile(def)): Promise<string[]> {
    await this.launchctl('bootout', `${this.domain}/${def.name}`);
    rmSync(file, { force: true });
    return [file];
  }

  async start(def: ServiceDefinition): Promise<void> {
    const r = await this.launchctl('kickstart', `${this.domain}/${def.name}`);
    if (r.code !== 0) throw new ServiceError(`launchctl kickstart failed: ${failureText(r)}`);
  }

  async stop(def: ServiceDefinition): Promise<void> {
    // SIGTERM makes the agent exit 0, which KeepAlive/SuccessfulExit=false leaves stopped.
    const r = await this.launchctl('kill', 'SIGTERM', `${this.domain}/${def.name}`);
    if (r.code !== 0) throw new ServiceError(`launchctl kill failed: ${failureText(r)}`);
  }

  async status(def: ServiceDefinition): Promise<ServiceStatus> {
    const r = await this.launchctl('print', `${this.domain}/${def.name}`);
    if (r.code !== 0) return { running: false, detail: 'not loaded' };
    const pid = Number(/^\s*pid = (\d+)/m.exec(r.stdout)?.[1]) || undefined;
    const state = /^\s*state = (\S+)/m.exec(r.stdout)?.[1] ?? 'unknown';
    return { running: state === 'running', pid, detail: state };
  }
}
