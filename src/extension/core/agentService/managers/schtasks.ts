// Windows: a Task Scheduler task started at the user's logon, registered with `schtasks /Create
// /XML` as the user (no elevation). The XML is kept in the agent folder: schtasks reads it from a
// file, and uninstall removes both.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { failureText } from '../commandRunner';
import { taskXml, type ServiceDefinition } from '../serviceFiles';
import { ServiceError, type ManagerContext, type ServiceManager, type ServiceStatus } from './types';

export class SchtasksManager implements ServiceManager {
  readonly kind = 'schtasks' as const;
  constructor(private readonly ctx: ManagerContext, private readonly agentDir: string) {}

  definitionFile(): string {
    return join(this.agentDir, 'task.xml');
  }

  private schtasks(...args: string[]) {
    return this.ctx.runner.run('schtasks', args);
  }

  async probe(): Promise<string | undefined> {
    if (this.ctx.platform !== 'win32') return 'not Windows';
    return this.ctx.windowsUser ? undefined : 'the user name is unknown (USERNAME is not set)';
  }

  async install(def: ServiceDefinition): Promise<{ files: string[]; notes: string[] }> {
    const file = this.definitionFile();
    mkdirSync(dirname(file), { recursive: true });
    // schtasks expects the encoding the XML declares: UTF-16 little-endian with a BOM.
    writeFileSync(file, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(taskXml(def, this.ctx.windowsUser ?? ''), 'utf16le')]));
    const r = await this.schtasks('/Create', '/TN', def.name, '/XML', file, '/F');
    if (r.code !== 0) throw new ServiceError(`schtasks /Create failed: ${failureText(r)}`);
    await this.schtasks('/End', '/TN', def.name);
    await this.start(def);
    return { files: [file], notes: [] };
  }

  async remove(def: ServiceDefinition, file = this.definitionFile()): Promise<string[]> {
    await this.schtasks('/End', '/TN', def.name);
    await this.schtasks('/Delete', '/TN', def.name, '/F');
    rmSync(file, { force: true });
    return [file];
  }

  async start(def: ServiceDefinition): Promise<void> {
    const r = await this.schtasks('/Run', '/TN', def.name);
    if (r.code !== 0) throw new ServiceError(`schtasks /Run failed: ${failureText(r)}`);
  }

  async stop(def: ServiceDefinition): Promise<void> {
    const r = await this.schtasks('/End', '/TN', def.name);
    if (r.code !== 0) throw new ServiceError(`schtasks /End failed: ${failureText(r)}`);
  }

  async status(def: ServiceDefinition): Promise<ServiceStatus> {
    const r = await this.schtasks('/Query', '/TN', def.name, '/FO', 'LIST');
    if (r.code !== 0) return { running: false, detail: 'not registered' };
    const state = /^Status:\s*(.+)$/m.exec(r.stdout)?.[1]?.trim() ?? 'unknown';
    return { running: state === 'Running', detail: state };
  }
}
