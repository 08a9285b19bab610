// The one core every entry point runs: the VS Code extension (extension.ts), the background
// agent (src/agent/main.ts) and the CLI build it here and differ only in their ports (logger,
// secrets, where settings come from) and in what they put around it (views, signals, a socket).
// It builds the engines, the file-system guard, the Coordinator (election, tasks.db,
// BackupService, Scheduler, TaskManager, the leader channel) and the health-check pings.
import type { SecretSource } from './engines/types';
import { EngineRegistry } from './engines/registry';
import type { EnvironmentEntry } from './environments/types';
import { fsGuard } from './fsguard';
import { watchHealthchecks } from './health/healthchecks';
import { Coordinator, type CoordinatorOptions } from './leader/coordinator';
import { VERSION } from './version';

export interface CoreOptions extends Omit<CoordinatorOptions, 'engines'> {
  secrets: SecretSource;
  /** `backupScheduler.restic.path`, read each time an engine needs it. */
  resticPath: () => string | undefined;
  /** Bound of one file-system call on a source or destination (FsGuard). */
  fsCallTimeoutMs: number;
  entries: EnvironmentEntry[];
}

export interface Core {
  backups: Coordinator;
  engines: EngineRegistry;
  /** Cancels what runs (no partial archive stays), writes the history, releases leadership. */
  dispose(): Promise<void>;
}

export async function startCore(o: CoreOptions): Promise<Core> {
  const { secrets, resticPath, fsCallTimeoutMs, entries, ...coordinator } = o;
  const engines = new EngineRegistry({
    clock: o.clock,
    logger: o.logger,
    secrets,
    defaultCwd: o.defaultCwd,
    settings: {
      get resticPath() {
        return resticPath();
      },
    },
  });
  fsGuard.configure({ callTimeoutMs: fsCallTimeoutMs });
  const backups = await Coordinator.start({ version: VERSION, ...coordinator, engines }, entries);
  const health = watchHealthchecks({ backups, logger: o.logger });
  return {
    backups,
    engines,
    dispose: async () => {
      health.dispose();
      await backups.dispose();
    },
  };
}
