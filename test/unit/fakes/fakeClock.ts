// A fake wall clock + monotonic clock over @sinonjs/fake-timers, so node-schedule (which reads
// Date and arms setTimeout) runs unchanged while the test moves time. `sleep` models a machine
// suspend: the wall clock jumps, the monotonic clock and pending timers do not move.
import * as FakeTimers from '@sinonjs/fake-timers';
import type { Clock } from '../../../src/extension/core/ports';

export interface FakeClock extends Clock {
  timers: FakeTimers.Clock;
  tick(ms: number): Promise<void>;
  sleep(ms: number): void;
  uninstall(): void;
}

export function installFakeClock(startIso: string): FakeClock {
  const timers = FakeTimers.install({
    now: new Date(startIso),
    toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'],
  });
  let slept = 0;
  return {
    timers,
    now: () => timers.now,
    monotonic: () => timers.now - slept,
    tick: async (ms) => {
      await timers.tickAsync(ms);
    },
    sleep: (ms) => {
      slept += ms;
      timers.setSystemTime(timers.now + ms);
    },
    uninstall: () => timers.uninstall(),
  };
}
