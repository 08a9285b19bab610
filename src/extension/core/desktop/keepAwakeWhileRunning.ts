// The agent holds the sleep block exactly while it runs at least one task: the first task that
// starts takes it, the last one that ends lets it go. A window does not need this: its user is
// at the machine.
import type { Backups } from '../backups';
import type { Disposable } from '../util/emitter';

export interface SleepBlock {
  hold(why: string): void;
  release(): void;
}

export function keepAwakeWhileRunning(backups: Pick<Backups, 'role' | 'activeTasks' | 'onDidChangeTask' | 'environment'>, block: SleepBlock): Disposable {
  const update = () => {
    const running = backups.role === 'leader' ? backups.activeTasks().filter((t) => t.status === 'running') : [];
    if (running.length === 0) return block.release();
    const names = running.map((t) => backups.environment(t.envId)?.name ?? t.envId);
    block.hold(`backing up ${names.join(', ')}`);
  };
  const sub = backups.onDidChangeTask(update);
  return {
    dispose: () => {
      sub.dispose();
      block.release();
    },
  };
}
