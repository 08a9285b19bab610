// Linux: a systemd user unit in ~/.config/systemd/user, enabled with `systemctl --user enable
// --now`. No root and no sudo: the user's own manager runs it. Without lingering that manager
// (and so the agent) stops at logout; the install says how to keep it running.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { failureText } from '../commandRunner';
import { systemdUnit, type ServiceDefinition } from '../serviceFiles';
import { ServiceError, type ManagerContext, type ServiceManager, type ServiceStatus } from './types';

export class SystemdManager implements ServiceManager {
  readonly kind = 'systemd' as const;
  constructor(private readonly ctx: ManagerContext) {}

  private unitDir(): string {
    return join(this.ctx.env.XDG_CONFIG_HOME || join(this.ctx.homedir, '.config'), 'systemd', 'user');
  }

  definitionFile(def: ServiceDefinition): string {
    return join(this.unitDir(), def.name);
  }

  private systemctl(...args: string[]) {
    return this.ctx.runner.run('systemctl', ['--user', ...args]);
  }

  async probe(): Promise<string | undefined> {
    if (this.ctx.platform !== 'linux') return 'not Linux';
    // Fails with "Failed to connect to bus" where no user manager runs (containers, WSL without systemd).
    const r = await this.systemctl('show-environment');
    return r.code === 0 ? undefined : `systemctl --user: ${failureText(r)}`;
  }

  async install(def: ServiceDefinition): Promise<{ files: string[]; notes: string[] }> {
    const file = this.definitionFile(def);
    mkdirSync(this.unitDir(), { recursive: true });
    writeFileSync(file, systemdUnit(def), { mode: 0o644 });
    await this.must('daemon-reload');
    const wasActive = (await this.systemctl('is-active', '--quiet', def.name)).code === 0;
    await this.must('enable', '--now', def.name);
    // A new version's unit points at new files: the running agent must be replaced, not kept.
    if (wasActive) await this.must('restart', def.name);
    const notes: string[] = [];
    const linger = await this.ctx.runner.run('loginctl', ['show-user', String(this.ctx.uid), '--property=Linger', '--value']);
    if (linger.stdout.trim() !== 'yes') {
      notes.push('It runs while you are logged in. To keep backups running while you are logged out and after a reboot before you log in, run: loginctl enable-linger');
    }
    return { files: [file], notes };
  }

  async remove(def: ServiceDefinition, file = this.definitionFile(def)): Promise<string[]> {
    // Not loaded (already removed, or no user manager any more): there is nothing to stop.
    await this.systemctl('disable', '--now', def.name);
    rmSync(file, { force: true });
    await this.systemctl('daemon-reload');
    await this.systemctl('reset-failed', def.name);
    return [file];
  }

  async start(def: ServiceDefinition): Promise<void> {
    await this.must('start', def.name);
  }

  async stop(def: ServiceDefinition): Promise<void> {
    await this.must('stop', def.name);
  }

  async status(def: ServiceDefinition): Promise<ServiceStatus> {
    const r = await this.systemctl('show', def.name, '--property=ActiveState', '--property=SubState', '--property=MainPID');
    if (r.code !== 0) return { running: false, detail: failureText(r) };
    const p = Object.fromEntries(r.stdout.split('\n').map((l) => l.split('=', 2) as [string, string]));
    const pid = Number(p.MainPID) || undefined;
    return { running: p.ActiveState === 'active', pid, detail: `${p.ActiveState ?? 'unknown'} (${p.SubState ?? '?'})` };
  }

  private async must(...args: string[]): Promise<void> {
    const r = await this.systemctl(...args);
    if (r.code !== 0) throw new ServiceError(`systemctl --user ${args.join(' ')} failed: ${failureText(r)}`);
  }
}
