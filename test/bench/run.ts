// `npm run bench [name...]`: runs each benchmark test/bench/<name>/run.ts in its own Node process
// (so one benchmark's heap and timers never skew the next) and leaves results in test/bench/results/.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const here = __dirname; // out/test/bench
const wanted = process.argv.slice(2);
const names = readdirSync(here).filter((n) => existsSync(join(here, n, 'run.js')) && (wanted.length === 0 || wanted.includes(n)));
let failed = 0;
for (const name of names) {
  console.log(`\n=== bench: ${name} ===`);
  const r = spawnSync(process.execPath, ['--expose-gc', join(here, name, 'run.js')], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
