// Which engine stores an environment's backups. Adding an engine: one folder under engines/
// and one line in FACTORIES.
import type { Environment } from '../environments/types';
import { ArchiveEngine } from './archive/archiveEngine';
import { ResticEngine } from './restic';
import type { Engine, EngineDeps, EngineName } from './types';

const FACTORIES: Partial<Record<EngineName, (deps: EngineDeps) => Engine>> = {
  archive: (deps) => new ArchiveEngine(deps),
  restic: (deps) => new ResticEngine(deps),
};

export class EngineRegistry {
  private readonly made = new Map<EngineName, Engine>();
  constructor(private readonly deps: EngineDeps) {}

  /** The engine of `env`; throws a user-facing error for an engine this build does not have. */
  for(env: Environment): Engine {
    const name = env.engine ?? 'archive';
    let engine = this.made.get(name);
    if (!engine) {
      const make = FACTORIES[name];
      if (!make) throw new Error(`The "${name}" engine is not available in this version of Backup Scheduler`);
      engine = make(this.deps);
      this.made.set(name, engine);
    }
    return engine;
  }
}
