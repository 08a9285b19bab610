// Builds the bundles: the extension host (node, cjs, `vscode` external), the background agent
// (node, cjs, no `vscode` at all: it runs without VS Code), the restore, spawner and store workers and the webview
// (browser, esm). `--watch` rebuilds on change, `--production` minifies and drops source maps.
// `--tests` transpiles src/ and test/ file by file into out/ for mocha (type-checking is
// `npm run check`'s job, so this step stays fast).
import * as esbuild from 'esbuild';
import { cpSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';

const args = new Set(process.argv.slice(2));
const production = args.has('--production');
const watch = args.has('--watch');

function copyWasm() {
  // A production build starts from an empty dist/, so no stale source map or bundle is packaged.
  if (production) rmSync('dist', { recursive: true, force: true });
  mkdirSync('dist', { recursive: true });
  cpSync('node_modules/sql.js/dist/sql-wasm.wasm', 'dist/sql-wasm.wasm');
}

// Generated trees that benchmarks archive (test/bench/tmp, test/bench/<name>/tmp) are data, not code.
function tsFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...(name === 'tmp' ? [] : tsFiles(p)));
    else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

const version = JSON.parse(readFileSync('package.json', 'utf8')).version;
const common = { bundle: true, sourcemap: !production, minify: production, logLevel: 'info', define: { 'process.env.BACKUP_SCHEDULER_VERSION': JSON.stringify(version) } };
const targets = [
  { ...common, entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js', platform: 'node', format: 'cjs', target: 'node20', external: ['vscode'] },
  // The background agent (src/agent/main.ts): copied with sql-wasm.wasm, restoreWorker.js and spawnWorker.js, it
  // runs on its own. `vscode` is not external here: an import of it fails the build.
  { ...common, entryPoints: ['src/agent/main.ts'], outfile: 'dist/agent.js', platform: 'node', format: 'cjs', target: 'node20' },
  // The restore worker thread's script: restore.ts starts it from beside extension.js.
  { ...common, entryPoints: ['src/extension/core/engines/archive/restoreWorker.ts'], outfile: 'dist/restoreWorker.js', platform: 'node', format: 'cjs', target: 'node20' },
  // The spawner thread's script: restic and command environments start from it, not from the host's
  // thread (core/util/offThreadSpawn.ts finds it beside extension.js or agent.js).
  { ...common, entryPoints: ['src/extension/core/util/spawnWorker.ts'], outfile: 'dist/spawnWorker.js', platform: 'node', format: 'cjs', target: 'node20' },
  // The store worker thread's script: the extension host's tasks.db is saved and text-searched
  // there (core/store/replica.ts starts it from beside extension.js). The agent keeps its store
  // in its own thread, so agent.js does not need it.
  { ...common, entryPoints: ['src/extension/core/store/storeWorker.ts'], outfile: 'dist/storeWorker.js', platform: 'node', format: 'cjs', target: 'node20' },
  // The command line (`backup-scheduler`): beside extension.js and sql-wasm.wasm, and copied with the agent.
  { ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', platform: 'node', format: 'cjs', target: 'node20' },
  // The vscode:uninstall hook (package.json): removes the background agent, with plain Node.
  { ...common, entryPoints: ['src/uninstall/main.ts'], outfile: 'dist/uninstall.js', platform: 'node', format: 'cjs', target: 'node20' },
  { ...common, entryPoints: ['src/webview/main.ts'], outfile: 'dist/webview.js', platform: 'browser', format: 'esm', target: 'es2022' },
];

if (args.has('--tests')) {
  await esbuild.build({
    entryPoints: [...tsFiles('src'), ...tsFiles('test')],
    outdir: 'out', outbase: '.', platform: 'node', format: 'cjs', target: 'node20', sourcemap: true, logLevel: 'warning',
  });
} else if (watch) {
  copyWasm();
  for (const t of targets) await (await esbuild.context(t)).watch();
} else {
  copyWasm();
  await Promise.all(targets.map((t) => esbuild.build(t)));
}
