// What the agent does for a user with no window open (issue 16 item 6), kept apart from main.ts:
// desktop notifications (a failed backup with no window to say it, an overdue environment), the
// machine kept awake while a task runs, and catch-ups that wait for a destination that is not
// back yet after a wake. Everything here is a core module; this file only connects them.
import { join } from 'node:path';
import { CATCH_UP_RETRY_DELAYS_MS } from '../extension/core/engines/unreachable';
import { watchAgentAlerts } from '../extension/core/desktop/agentAlerts';
import { KeepAwake } from '../extension/core/desktop/keepAwake';
import { keepAwakeWhileRunning } from '../extension/core/desktop/keepAwakeWhileRunning';
import { systemNotifier } from '../extension/core/desktop/notify';
import type { Core } from '../extension/core/compose';
import { systemClock, type Logger } from '../extension/core/ports';
import type { Disposable } from '../extension/core/util/emitter';

/**
 * Options of the agent's core beyond a window's: catch-ups retry an unreachable destination, and
 * the lease is renewed every 4 s instead of 2 s. An agent leads for days with nothing to do, and
 * each renewal is a file write and a rename: it was most of its idle CPU time. Windows still judge
 * it dead after 10 s without a renewal (two and a half beats), and at once when its pid is gone.
 */
export const agentCoreOptions = { catchUpRetryDelaysMs: CATCH_UP_RETRY_DELAYS_MS, election: { heartbeatMs: 4000 } };

export function startAgentOps(core: Core, storage: string, logger: Logger): Disposable {
  const alerts = watchAgentAlerts({
    backups: core.backups,
    notifier: systemNotifier({ logger }),
    clock: systemClock,
    windowsOpen: () => core.backups.followerWindows() > 0,
    stateFile: join(storage, 'agent', 'alerts.json'),
    logger,
  });
  const awake = keepAwakeWhileRunning(core.backups, new KeepAwake({ logger }));
  return {
    dispose: () => {
      alerts.dispose();
      awake.dispose();
    },
  };
}
