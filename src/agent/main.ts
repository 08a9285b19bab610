// README — the background agent (issue 16). This comment is the contract other parts rely on.
//
//   node dist/agent.js --storage <globalStorageDir> [--verbose]
//
// - Runs the extension's core (src/extension/core/compose.ts: Coordinator, BackupService,
//   Scheduler, TaskManager, tasks.db, engines, health checks) headless, in the foreground, until
//   SIGTERM or SIGINT. Then it shuts down cleanly: running tasks are cancelled and recorded, the
//   history is written, its leader term is released, and it exits 0. A second signal exits at once.
// - It needs only `agent.js`, `sql-wasm.wasm`, `restoreWorker.js` and `spawnWorker.js` side by side:
//   all are found relative to `__dirname`, so the four files can be copied anywhere (agent-ops copies them to
//   `<storage>/agent/<version>/`). Nothing here imports `vscode`.
// - Files, all under the storage folder given:
//     agent/agent.log          its log, capped (1 MiB, then agent.log.1)
//     agent/environments.json  what windows publish for it to run (0600, temp + rename; core/agent/snapshot.ts);
//                              reloaded when it changes
//     agent/status.json        pid, version, startedAt, secrets it waits for
//     agent/agent.lock         one agent per storage folder (a second one exits 0 with a message)
//     leader/agent.hb          its presence while it does not lead (windows leave leadership to it while fresh)
//     leader/term-*            the election it joins as the preferred leader, like a window
// - SecretStorage values reach it only from a window, over the leader channel
//   (`provideSecrets`), and stay in memory; passwordFile/passwordCommand work as in a window.
// - Exit codes: 0 stopped (or another agent already runs), 2 bad command line, 1 could not start.
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, watch, writeFileSync, renameSync, writeSync, type FSWatcher } from 'node:fs';
import { homedir } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { join, resolve } from 'node:path';
import { fileLogger } from '../extension/core/agent/fileLogger';
import { MemorySecrets } from '../extension/core/agent/memorySecrets';
import { agentDir, agentLogPath, agentStatusPath, environmentsPath } from '../extension/core/agent/paths';
import { readSnapshot, snapshotEntries, type PublishedSettings } from '../extension/core/agent/snapshot';
import { startCore, type Core } from '../extension/core/compose';
import { systemClock, type Logger } from '../extension/core/ports';
import type { HistoryBounds } from '../extension/core/store/taskStore';
import { VERSION } from '../extension/core/version';
import { agentCoreOptions, startAgentOps } from './ops';
import { recordStorage } from '../extension/core/client/storageRecord';
import { pidAlive } from '../extension/core/util/pid';

const DEFAULT_BOUNDS: HistoryBounds = { maxAgeDays: 90, maxTasks: 5000, maxLinesPerTask: 2000 };
const DEFAULT_STALL_MS = 30 * 60_000;
const DEFAULT_FS_CALL_TIMEOUT_MS = 180_000;
/** environments.json is watched; this re-check catches a change a file watcher missed (network folders). */
const RECHECK_MS = 30_000;

function usage(message: string): never {
  process.stderr.write(`${message}\nusage: node agent.js --storage <VS Code global storage folder of the extension> [--verbose]\n`);
  process.exit(2);
}

function parseArgs(argv: string[]): { storage: string; verbose: boolean } {
  let storage: string | undefined;
  let verbose = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--storage') storage = argv[++i];
    else if (a.startsWith('--storage=')) storage = a.slice('--storage='.length);
    else if (a === '--verbose') verbose = true;
    else usage(`unknown argument: ${a}`);
  }
  if (!storage) usage('--storage is required');
  return { storage: resolve(storage), verbose };
}

/** One agent per storage folder: an O_EXCL pid file, taken over when its pid is gone. */
function takeLock(dir: string): boolean {
  const path = join(dir, 'agent.lock');
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(readFileSync(path, 'utf8').trim());
      if (Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid && pidAlive(pid)) return false;
      rmSync(path, { force: true }); // its owner is gone
    }
  }
  return false;
}


function writeJson(path: string, value: unknown): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(value), { mode: 0o600 });
  renameSync(tmp, path);
}

async function main(): Promise<void> {
  const { storage, verbose } = parseArgs(process.argv.slice(2));
  // sql.js's WASM compiled by the baseline compiler only: an agent that sits idle for days keeps
  // about 10 MB less of optimized code, and its few queries a minute do not need the speed.
  setFlagsFromString('--liftoff-only');
  const dir = agentDir(storage);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const logger: Logger = fileLogger({ path: agentLogPath(storage), level: verbose ? 'debug' : 'info', echo: verbose || process.stderr.isTTY ? (l) => process.stderr.write(l) : undefined });
  if (!takeLock(dir)) {
    const msg = `another background agent already runs for ${storage}; this one exits`;
    logger.info(msg);
    process.stderr.write(`${msg}\n`);
    process.exit(0);
  }
  const startedAt = Date.now();
  // The command line's default storage folder while this agent runs (core/client/storageRecord.ts).
  try {
    recordStorage('agent', storage);
  } catch (e) {
    logger.warn(`cannot record the storage folder for the command line: ${(e as Error).message}`);
  }
  const statusPath = agentStatusPath(storage);
  const writeStatus = (waitingForSecrets: string[]) => {
    try {
      writeJson(statusPath, { pid: process.pid, version: VERSION, startedAt, waitingForSecrets });
    } catch (e) {
      logger.warn(`cannot write ${statusPath}: ${(e as Error).message}`);
    }
  };
  const secrets = new MemorySecrets((missing) => {
    if (missing.length) logger.warn(`waiting for a window to hand over: ${missing.join(', ')}`);
    writeStatus(missing);
  });
  writeStatus([]);

  const envPath = environmentsPath(storage);
  let settings: PublishedSettings = {};
  let untrustedFolders: string[] = [];
  const load = () => {
    const snapshot = readSnapshot(envPath);
    settings = snapshot.settings ?? {};
    untrustedFolders = snapshot.untrustedFolders ?? [];
    const { entries, refused } = snapshotEntries(snapshot, { home: homedir(), env: process.env });
    for (const r of refused) logger.warn(`environments.json: "${r.id}" not run: ${r.reason}`);
    return entries;
  };
  const entries = load();
  logger.info(`background agent ${VERSION} starting (pid ${process.pid}, node ${process.version}); storage ${storage}; ${entries.length} environment(s) in ${envPath}`);

  let core: Core;
  try {
    core = await startCore({
      storageDir: storage,
      clock: systemClock,
      logger,
      trusted: true,
      defaultCwd: undefined,
      workspaceFolders: [],
      bounds: settings.bounds ?? DEFAULT_BOUNDS,
      stallMs: () => settings.stallMs ?? DEFAULT_STALL_MS,
      onStoreWarning: (m) => logger.warn(m),
      kind: 'agent',
      version: VERSION,
      wasmPath: join(__dirname, 'sql-wasm.wasm'),
      onSecrets: (s) => secrets.set(s),
      moreUntrustedFolders: () => untrustedFolders,
      secrets,
      resticPath: () => settings.resticPath,
      fsCallTimeoutMs: settings.fsCallTimeoutMs ?? DEFAULT_FS_CALL_TIMEOUT_MS,
      entries,
      ...agentCoreOptions,
    });
  } catch (e) {
    logger.error(`could not start: ${(e as Error).stack ?? String(e)}`);
    rmSync(join(dir, 'agent.lock'), { force: true });
    process.exit(1);
  }
  logger.info(`background agent is ${core.backups.role}`);
  const ops = startAgentOps(core, storage, logger);
  core.backups.onDidChangeRole((role) => logger.info(`background agent is now ${role}`));
  core.backups.onDidChangeTask((t) => {
    if (t.finishedAt !== null) logger.info(`task #${t.id} ${t.kind} of ${t.envId}: ${t.status}${t.error ? ` (${t.error})` : ''}`);
  });

  // Reload when a window publishes: a watcher on the folder (the file is replaced by rename), a
  // short debounce (a window may publish twice in a row), and a slow re-check of the mtime.
  let lastMtime = mtime(envPath);
  let debounce: NodeJS.Timeout | undefined;
  const reload = () => {
    const m = mtime(envPath);
    if (m === lastMtime) return;
    lastMtime = m;
    const next = load();
    core.backups.setBounds(settings.bounds ?? DEFAULT_BOUNDS);
    core.backups.setEnvironments(next);
    logger.info(`environments.json changed: ${next.length} environment(s)`);
  };
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dir, (_event, name) => {
      if (name && name !== 'environments.json') return;
      clearTimeout(debounce);
      debounce = setTimeout(reload, 200);
    });
  } catch (e) {
    logger.warn(`cannot watch ${dir} (${(e as Error).message}); re-checking every ${RECHECK_MS / 1000} s`);
  }
  // Also what keeps the process alive: every other timer of the core is unref'd.
  const recheck = setInterval(reload, RECHECK_MS);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      logger.warn(`${signal} again: exiting now`);
      process.exit(1);
    }
    stopping = true;
    logger.info(`${signal}: stopping (running tasks are cancelled and recorded)`);
    watcher?.close();
    clearInterval(recheck);
    clearTimeout(debounce);
    ops.dispose();
    try {
      await core.dispose();
    } catch (e) {
      logger.error(`stopping: ${(e as Error).message}`);
    }
    rmSync(statusPath, { force: true });
    rmSync(join(dir, 'agent.lock'), { force: true });
    logger.info('background agent stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGHUP', () => void stop('SIGHUP'));
  process.on('uncaughtException', (e) => logger.error(`uncaught: ${e.stack ?? String(e)}`));
  process.on('unhandledRejection', (e) => logger.error(`unhandled rejection: ${(e as Error)?.stack ?? String(e)}`));
}

/** Changes whenever the file is replaced (a new inode) or written. */
function mtime(path: string): string {
  try {
    if (!existsSync(path)) return '';
    const st = statSync(path);
    return `${st.ino}:${st.mtimeMs}:${st.size}`;
  } catch {
    return '';
  }
}

void main();
