#!/usr/bin/env node
// Runs before `npm start` and `npm test` (their `prestart` / `pretest` hooks) so that both work on
// a fresh clone with nothing run before them. It installs what is missing, cheapest check first:
//   1. Debian packages (apt-get, when we are root and apt-get exists; otherwise one line naming
//      the command to run, and exit 1),
//   2. npm dependencies (`npm ci` when node_modules is absent or differs from package-lock.json),
//   3. the VS Code test host (scripts/install-test-host.sh, cached in ~/.cache).
// Node built-ins only: it must run before any dependency is installed.
//
//   node scripts/prestep.mjs start|test [--dry-run] [--root DIR] [--steps packages,npm,host]
//                                        [--packages a,b]
// --dry-run prints what it would install instead of installing (the unit test uses it with --root).
// BACKUP_SCHEDULER_SKIP_PRESTEP=1 skips everything; BACKUP_SCHEDULER_PRESTEP_NO_INSTALL=1 names
// missing Debian packages instead of installing them, even as root.
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// chromium drives the workbench in tests; libkrb5-dev, ripgrep and the build tools are what the
// test host's native modules need; sqlite3 opens tasks.db and unzip lists the .vsix in tests;
// restic and rclone are the restic engine's real binaries; pigz is the backup benchmark's judge
// for many small files (`npm run bench backup`).
const ALL_PACKAGES = ['chromium', 'libkrb5-dev', 'ripgrep', 'sqlite3', 'unzip', 'g++', 'make', 'python3', 'restic', 'rclone', 'pigz'];
// What building the test host needs (scripts/install-test-host.sh).
const HOST_PACKAGES = ['libkrb5-dev', 'ripgrep', 'g++', 'make', 'python3'];
// Without dpkg, a package counts as present when this program is on PATH.
const PROGRAM_OF = { chromium: 'chromium', 'libkrb5-dev': 'krb5-config', ripgrep: 'rg' };
const CODE_SERVER_VERSION = '4.100.3'; // as in scripts/install-test-host.sh and test/host/paths.ts

function parseArgs(argv) {
  const opts = { mode: undefined, dryRun: false, root: resolve(dirname(fileURLToPath(import.meta.url)), '..'), steps: ['packages', 'npm', 'host'], packages: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === 'start' || a === 'test') opts.mode = a;
    else if (a === '--dry-run') opts.dryRun = true;
    else if (a === '--root') opts.root = resolve(argv[++i]);
    else if (a === '--steps') opts.steps = argv[++i].split(',');
    else if (a === '--packages') opts.packages = argv[++i].split(',').filter(Boolean);
    else throw new Error(`unknown argument ${a}`);
  }
  if (!opts.mode) throw new Error('say start or test');
  return opts;
}

const say = (line) => console.log(`prestep: ${line}`);

function onPath(program) {
  return spawnSync('sh', ['-c', 'command -v "$1"', 'sh', program], { stdio: 'ignore' }).status === 0;
}

function run(opts, cmd, args, extraEnv = {}) {
  if (opts.dryRun) {
    say(`would run: ${[cmd, ...args].join(' ')}`);
    return;
  }
  say(`running: ${[cmd, ...args].join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: opts.root, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, ...extraEnv } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.error?.message ?? `exit code ${r.status}`})`);
}

function testHostInstalled() {
  const base = process.env.BACKUP_SCHEDULER_TEST_HOST_DIR ?? join(homedir(), '.cache/backup-scheduler/test-host');
  const dir = join(base, `code-server-${CODE_SERVER_VERSION}`);
  return existsSync(join(dir, '.installed')) && existsSync(join(dir, 'node_modules/code-server/lib/vscode/out/server-main.js'));
}

/** npm start needs the test host only for its server form (see test/host/start.ts). */
function needsTestHost(mode) {
  if (mode === 'test') return true;
  return (process.env.BACKUP_SCHEDULER_START_HOST ?? (onPath('code') ? 'code' : 'server')) !== 'code';
}

function missingPackages(wanted) {
  if (wanted.length === 0) return [];
  if (onPath('dpkg-query')) {
    // Prints one line per known package; unknown ones only on stderr (and exit code 1).
    const r = spawnSync('dpkg-query', ['-W', '-f=${Package} ${Status}\n', ...wanted], { encoding: 'utf8' });
    const installed = new Set(r.stdout.split('\n').filter((l) => l.endsWith(' install ok installed')).map((l) => l.split(' ')[0].split(':')[0]));
    return wanted.filter((p) => !installed.has(p));
  }
  return wanted.filter((p) => !onPath(PROGRAM_OF[p] ?? p));
}

function stepPackages(opts) {
  const wanted = opts.packages ?? (opts.mode === 'test' ? ALL_PACKAGES : needsTestHost('start') && !testHostInstalled() ? HOST_PACKAGES : []);
  const missing = missingPackages(wanted);
  if (missing.length === 0) return;
  const isRoot = process.getuid?.() === 0;
  if (isRoot && onPath('apt-get') && process.env.BACKUP_SCHEDULER_PRESTEP_NO_INSTALL !== '1') {
    const env = { DEBIAN_FRONTEND: 'noninteractive' };
    run(opts, 'apt-get', ['update', '-qq'], env);
    run(opts, 'apt-get', ['install', '-y', '-qq', ...missing], env);
    return;
  }
  const how = onPath('apt-get') ? `sudo apt-get install -y ${missing.join(' ')}` : `install ${missing.join(', ')} with your package manager`;
  throw new Error(`missing system packages for npm ${opts.mode}: ${missing.join(' ')}. Run: ${how}`);
}

/** Why node_modules does not match package-lock.json, or undefined when it does. */
export function npmStaleReason(root) {
  const nm = join(root, 'node_modules');
  if (!existsSync(nm)) return 'node_modules is missing';
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
  for (const [path, entry] of Object.entries(lock.packages ?? {})) {
    if (path === '' || entry.link || !entry.version) continue;
    const manifest = join(root, path, 'package.json');
    if (!existsSync(manifest)) {
      if (entry.optional) continue; // e.g. esbuild's binary for another platform
      return `${path} is missing`;
    }
    const version = JSON.parse(readFileSync(manifest, 'utf8')).version;
    if (version !== entry.version) return `${path} is ${version}, package-lock.json wants ${entry.version}`;
  }
  return undefined;
}

function stepNpm(opts) {
  const reason = npmStaleReason(opts.root);
  if (!reason) return;
  const nm = join(opts.root, 'node_modules');
  if (existsSync(nm) && lstatSync(nm).isSymbolicLink()) {
    // A worktree sharing another checkout's install: replacing it would pull it from under others.
    say(`node_modules is a link to a shared install and out of date (${reason}): left alone; run npm ci where it lives`);
    return;
  }
  say(`npm dependencies: ${reason}`);
  run(opts, 'npm', ['ci', '--no-audit', '--no-fund']);
}

function stepHost(opts) {
  if (!needsTestHost(opts.mode) || testHostInstalled()) return;
  say('the VS Code test host is not installed yet: installing it (about a minute, once)');
  run(opts, 'bash', [join(opts.root, 'scripts/install-test-host.sh')]);
}

function main() {
  if (process.env.BACKUP_SCHEDULER_SKIP_PRESTEP === '1') return;
  const opts = parseArgs(process.argv.slice(2));
  const steps = { packages: stepPackages, npm: stepNpm, host: stepHost };
  for (const s of opts.steps) {
    if (!steps[s]) throw new Error(`unknown step ${s}`);
    steps[s](opts);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main();
  } catch (e) {
    console.error(`prestep: ${e instanceof Error ? e.message : e}`);
    process.exit(1);
  }
}
