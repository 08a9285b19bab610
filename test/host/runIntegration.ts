// `npm run test:integration`: runs out/test/integration (mocha) inside a real VS Code extension host.
// BACKUP_SCHEDULER_TEST_HOST picks the launcher: `server` (default: the VS Code server of the
// installed test host, driven by Chromium) or `electron` (@vscode/test-electron).
// BACKUP_SCHEDULER_TEST_TIMEOUT_S bounds the whole run (default 300). Fails when the host cannot
// start, when the time is up, when a test fails and when no test ran.
import { spawn } from 'node:child_process';
import { copyFileSync, createWriteStream, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSuiteInElectron } from './electronTests';
import { repoRoot } from './paths';
import { runSuiteInServer, SuiteRunResult } from './serverTests';
import { environmentsPath } from '../../src/extension/core/agent/paths';
import { publish } from '../../src/extension/core/agent/snapshot';
import { parseEnvironments } from '../../src/extension/core/environments/parse';

export interface MochaSummary {
  passing: number;
  failing: number;
  pending: number;
}

/** Reads mocha's spec-reporter epilogue ("  12 passing (3s)", "  1 failing", "  2 pending"). */
export function parseMochaSummary(lines: readonly string[]): MochaSummary | undefined {
  const count = (word: string) => {
    for (const line of lines) {
      const m = new RegExp(`^\\s*(\\d+) ${word}\\b`).exec(line);
      if (m) return Number(m[1]);
    }
    return undefined;
  };
  const passing = count('passing');
  if (passing === undefined) return undefined;
  return { passing, failing: count('failing') ?? 0, pending: count('pending') ?? 0 };
}

/** index.ts prints this line first; the launcher reads the host's version from it. */
const SUITE_BANNER = /^Extension host: VS Code (\d+\.\d+\.\d+)/;

async function main(): Promise<number> {
  // BACKUP_SCHEDULER_TEST_SUITE=agent (or trust) runs only that suite (each needs a minute or more).
  if (process.env.BACKUP_SCHEDULER_TEST_SUITE === 'agent') return runSuite('out/test/integration/agent/index.js', undefined, false, undefined, startAgentBeforeServer);
  if (process.env.BACKUP_SCHEDULER_TEST_SUITE === 'trust') return runTrustSuite();
  if (process.env.BACKUP_SCHEDULER_TEST_SUITE === 'main') return runSuite('out/test/integration/index.js');
  if (process.env.BACKUP_SCHEDULER_TEST_SUITE === 'multiroot') return runSuite('out/test/integration/multiroot/index.js', undefined, true);
  const first = await runSuite('out/test/integration/index.js');
  if (first !== 0) return first;
  // Two windows of one server share global storage: the multi-window suite runs in the second.
  if ((process.env.BACKUP_SCHEDULER_TEST_HOST ?? 'server') !== 'server') {
    console.log('integration: the two-window suite needs the server launcher; not run with this launcher');
    return first;
  }
  // A multi-root window: two folders, one with its own environments in .vscode/settings.json.
  const multiRoot = await runSuite('out/test/integration/multiroot/index.js', undefined, true);
  if (multiRoot !== 0) return multiRoot;
  const control = mkdtempSync(join(tmpdir(), 'backup-scheduler-2w-'));
  const other = mkdtempSync(join(tmpdir(), 'backup-scheduler-ws2-'));
  try {
    const twoWindows = await runSuite('out/test/integration/multiwindow/index.js', { folder: other, controlDir: control });
    if (twoWindows !== 0) return twoWindows;
  } finally {
    rmSync(control, { recursive: true, force: true });
    rmSync(other, { recursive: true, force: true });
  }
  // The background agent runs first with the server stopped; the suite's window opens afterwards.
  const agentSuite = await runSuite('out/test/integration/agent/index.js', undefined, false, undefined, startAgentBeforeServer);
  if (agentSuite !== 0) return agentSuite;
  return runTrustSuite();
}

/** Workspace trust on (every other run disables it): the window starts untrusted; the suite asks the launcher to grant trust through the workbench. */
async function runTrustSuite(): Promise<number> {
  const trustControl = mkdtempSync(join(tmpdir(), 'backup-scheduler-trust-'));
  try {
    return await runSuite('out/test/integration/trust/index.js', undefined, false, { controlDir: trustControl });
  } finally {
    rmSync(trustControl, { recursive: true, force: true });
  }
}

/**
 * `<ws>/alpha` and `<ws>/beta` as one multi-root workspace; beta defines an environment of its
 * own in beta/.vscode/settings.json (bound to beta, whatever window opens it).
 */
function makeMultiRoot(ws: string): string {
  for (const name of ['alpha', 'beta']) {
    mkdirSync(join(ws, name, '.vscode'), { recursive: true });
    writeFileSync(join(ws, name, `only-in-${name}.txt`), `${name}\n`);
  }
  const betaEnv = { id: 'beta-own', name: 'Beta own', type: 'folder', source: '${workspaceFolder}', destination: join(ws, 'beta-backups'), schedule: '0 3 * * *' };
  writeFileSync(join(ws, 'beta', '.vscode', 'settings.json'), JSON.stringify({ 'backupScheduler.environments': [betaEnv] }, null, 2));
  const file = join(ws, 'two.code-workspace');
  writeFileSync(file, JSON.stringify({ folders: [{ path: 'alpha' }, { path: 'beta' }], settings: {} }, null, 2));
  return file;
}

/**
 * With no VS Code server running, starts the background agent the way its service does: its three
 * files copied alone to a folder, `node agent.js --storage <the extension's global storage>`, with
 * a published environment backed up every 10 s. Returns once it wrote two archives.
 */
async function startAgentBeforeServer(serverData: string): Promise<{ env: Record<string, string>; after(): Promise<void> }> {
  const storage = join(serverData, 'data', 'User', 'globalStorage', 'backup-scheduler.backup-scheduler');
  const root = mkdtempSync(join(tmpdir(), 'backup-scheduler-agent-'));
  for (const d of ['bin', 'src', 'ticks']) mkdirSync(join(root, d));
  for (const f of ['agent.js', 'sql-wasm.wasm', 'restoreWorker.js', 'spawnWorker.js']) copyFileSync(join(repoRoot, 'dist', f), join(root, 'bin', f));
  writeFileSync(join(root, 'src', 'a.txt'), 'agent\n');
  const envs = [
    { id: 'ticker', name: 'Ticker', type: 'folder', source: join(root, 'src'), destination: join(root, 'ticks'), schedule: '*/10 * * * * *' },
    { id: 'slow', name: 'Slow', type: 'command', command: 'sleep 6; echo slow > "$BACKUP_FILE"', source: root, destination: join(root, 'slow'), schedule: '0 3 29 2 *' },
  ];
  await publish(environmentsPath(storage), { entries: parseEnvironments(envs, { home: root, env: {}, workspaceFolder: undefined }), folders: [], trusted: true, now: Date.now() });
  const out = createWriteStream(join(root, 'agent.out.log'));
  // Its record of the storage folder for the command line goes to a temporary state folder, not the home folder.
  const agent = spawn(process.execPath, [join(root, 'bin', 'agent.js'), '--storage', storage], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, BACKUP_SCHEDULER_STATE_DIR: join(root, 'state') } });
  agent.stdout!.pipe(out);
  agent.stderr!.pipe(out);
  const exited = new Promise<void>((r) => agent.once('exit', () => r()));
  const deadline = Date.now() + 120_000;
  while (readdirSync(join(root, 'ticks')).filter((n) => n.endsWith('.tar.gz')).length < 2) {
    if (Date.now() > deadline || agent.exitCode !== null) throw new Error(`the background agent wrote no archives (see ${root}/agent.out.log and ${storage}/agent/agent.log)`);
    await new Promise((r) => setTimeout(r, 500));
  }
  console.log(`integration: background agent (pid ${agent.pid}) runs with no server: 2 archives in ${join(root, 'ticks')}`);
  return {
    env: { BACKUP_SCHEDULER_AGENT_STORAGE: storage, BACKUP_SCHEDULER_AGENT_PID: String(agent.pid), BACKUP_SCHEDULER_AGENT_ENVS: JSON.stringify(envs), BACKUP_SCHEDULER_AGENT_TICKS: join(root, 'ticks') },
    async after() {
      agent.kill('SIGTERM');
      await exited;
      rmSync(root, { recursive: true, force: true });
    },
  };
}

async function runSuite(testsIndex: string, secondWindow?: { folder: string; controlDir: string }, multiRoot = false, workspaceTrust?: { controlDir: string }, beforeServer?: Parameters<typeof runSuiteInServer>[0]['beforeServer']): Promise<number> {
  const launcher = process.env.BACKUP_SCHEDULER_TEST_HOST ?? 'server';
  const timeoutMs = Number(process.env.BACKUP_SCHEDULER_TEST_TIMEOUT_S ?? 300) * 1000;
  const workspace = mkdtempSync(join(tmpdir(), 'backup-scheduler-ws-'));
  mkdirSync(join(workspace, 'data'));
  writeFileSync(join(workspace, 'data', 'hello.txt'), 'hello\n');
  const workspaceFile = multiRoot ? makeMultiRoot(workspace) : undefined;
  const options = {
    workspaceFile,
    extensionDevelopmentPath: repoRoot,
    extensionTestsPath: join(repoRoot, testsIndex),
    workspace,
    secondWindow,
    // The suite finds the repository and its workspace through these (the host passes env on).
    env: {
      BACKUP_SCHEDULER_REPO: repoRoot,
      BACKUP_SCHEDULER_TEST_WORKSPACE: workspace,
      ...(secondWindow ? { BACKUP_SCHEDULER_SECOND_WINDOW_CONTROL: secondWindow.controlDir } : {}),
      ...(workspaceTrust ? { BACKUP_SCHEDULER_TRUST_CONTROL: workspaceTrust.controlDir } : {}),
    },
    workspaceTrust,
    timeoutMs,
    beforeServer,
  };
  const started = Date.now();
  const lines: string[] = [];
  console.log(`integration: launcher "${launcher}", suite ${testsIndex}, workspace ${workspace}`);
  let result: SuiteRunResult;
  if (launcher === 'server') {
    // The workbench's own chatter before the suite starts (harmless open-vsx and service-worker
    // errors on this closed network) is printed only when the run fails.
    let suiteStarted = false;
    result = await runSuiteInServer({
      ...options,
      onLine: (line) => {
        lines.push(line);
        suiteStarted ||= SUITE_BANNER.test(line);
        if (suiteStarted) console.log(line);
      },
    });
    if (result.failure && !suiteStarted) console.log(lines.join('\n'));
  } else if (launcher === 'electron') {
    result = await runSuiteInElectron(options);
  } else {
    console.error(`integration: unknown BACKUP_SCHEDULER_TEST_HOST "${launcher}" (use server or electron)`);
    return 2;
  }
  rmSync(workspace, { recursive: true, force: true });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (result.failure) {
    console.error(`integration: FAILED after ${seconds} s: ${result.failure}`);
    return 1;
  }
  if (launcher === 'server') {
    // The electron launcher's output goes straight to the terminal; the suite itself fails on zero tests.
    const summary = parseMochaSummary(lines);
    const version = lines.map((l) => SUITE_BANNER.exec(l)?.[1]).find(Boolean);
    if (!summary || summary.passing + summary.failing === 0) {
      console.error(`integration: FAILED after ${seconds} s: no test ran`);
      return 1;
    }
    console.log(`integration: VS Code ${version ?? '(version not reported)'}: ${summary.passing} passing, ${summary.failing} failing, ${summary.pending} pending in ${seconds} s`);
    if (summary.failing > 0) return 1;
  }
  if (result.exitCode !== 0) console.error(`integration: FAILED: the suite exited with code ${result.exitCode}`);
  return result.exitCode;
}

if (require.main === module) {
  main().then((code) => process.exit(code), (e) => {
    console.error(e);
    process.exit(1);
  });
}
