// Loaded with NODE_OPTIONS=--require into every Node process the VS Code server starts (Node
// refuses --cpu-prof in NODE_OPTIONS): in the extension host only, it samples the CPU with the
// inspector for BS_PROFILE_MS and writes a .cpuprofile to BS_PROFILE_DIR (open it in Chrome's
// DevTools or speedscope). The bench's BENCH_HOST_LATENESS_CPU_PROF sets both.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

const dir = process.env.BS_PROFILE_DIR;
if (dir && process.argv.includes('--type=extensionHost')) {
  const session = new Session();
  session.connect();
  session.post('Profiler.setSamplingInterval', { interval: 500 }, () =>
    session.post('Profiler.enable', () => session.post('Profiler.start')),
  );
  const timer = setTimeout(() => {
    session.post('Profiler.stop', (err, res) => {
      if (!err) writeFileSync(join(dir, `exthost-${process.pid}.cpuprofile`), JSON.stringify(res.profile));
      session.disconnect();
    });
  }, Number(process.env.BS_PROFILE_MS ?? 60_000));
  timer.unref();
}
