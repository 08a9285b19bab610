// One service manager per OS, plus the detached fallback, behind one shape: the installer picks
// one and never switches on which.
import type { CommandRunner } from '../commandRunner';
import type { ServiceDefinition } from '../serviceFiles';

export type ServiceKind = 'systemd' | 'launchd' | 'schtasks' | 'detached';

export interface ManagerContext {
  runner: CommandRunner;
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  homedir: string;
  /** POSIX user id (launchd's gui/<uid> domain). */
  uid: number;
  /** DOMAIN\name on Windows (the logon trigger's user). */
  windowsUser?: string;
}

export interface ServiceStatus {
  running: boolean;
  pid?: number;
  /** What the manager says, for the status line ("active (running)", "Ready", ...). */
  detail: string;
}

export interface ServiceManager {
  readonly kind: ServiceKind;
  /** The file the definition is written to (none for the detached fallback). */
  definitionFile(def: ServiceDefinition): string | undefined;
  /** Undefined when this manager works here; else why not ("Failed to connect to bus"). */
  probe(): Promise<string | undefined>;
  /**
   * Writes the definition, registers it to start at login and (re)starts the agent with it.
   * Returns the files written and what the user should know.
   */
  install(def: ServiceDefinition): Promise<{ files: string[]; notes: string[] }>;
  /**
   * Stops the agent, unregisters it and removes the definition (`file`: where install wrote it,
   * as recorded then: the environment of an uninstall hook may differ); returns the files removed.
   */
  remove(def: ServiceDefinition, file?: string): Promise<string[]>;
  start(def: ServiceDefinition): Promise<void>;
  stop(def: ServiceDefinition): Promise<void>;
  status(def: ServiceDefinition): Promise<ServiceStatus>;
}

export class ServiceError extends Error {
  override name = 'ServiceError';
}
