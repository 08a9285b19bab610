// `npm start`: opens VS Code with this extension on the demo workspace (demo/).
// With `code` on PATH it runs `code --extensionDevelopmentPath`; without it (or with
// BACKUP_SCHEDULER_START_HOST=server) it starts the test host's VS Code server on 127.0.0.1
// (port: BACKUP_SCHEDULER_PORT, default any free one), prints the URL to open and runs until Ctrl-C.
// The server keeps its data in .vscode-test/demo-host/ (or BACKUP_SCHEDULER_START_DATA_DIR), so
// history survives restarts.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, serverMainPath } from './paths';
import { startServer } from './server';
import { workbenchUrl } from './workbench';

const demo = join(repoRoot, 'demo');

function hasCode(): boolean {
  return spawnSync('sh', ['-c', 'command -v code'], { stdio: 'ignore' }).status === 0;
}

/** Installs the test host on first use (scripts/install-test-host.sh is cached and idempotent). */
function ensureTestHost(): void {
  try {
    serverMainPath();
  } catch {
    console.log('The VS Code server is not installed yet: installing it (about a minute, once).');
    const r = spawnSync('bash', [join(repoRoot, 'scripts/install-test-host.sh')], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error('scripts/install-test-host.sh failed');
  }
}

async function withServer(): Promise<void> {
  ensureTestHost();
  const base = process.env.BACKUP_SCHEDULER_START_DATA_DIR ?? join(repoRoot, '.vscode-test/demo-host');
  const dir = (p: string) => {
    mkdirSync(join(base, p), { recursive: true });
    return join(base, p);
  };
  const server = await startServer({
    serverDataDir: dir('server-data'),
    extensionsDir: dir('extensions'),
    env: { XDG_CONFIG_HOME: dir('xdg/config'), XDG_DATA_HOME: dir('xdg/data'), XDG_CACHE_HOME: dir('xdg/cache') },
    port: Number(process.env.BACKUP_SCHEDULER_PORT ?? 0),
  });
  const url = workbenchUrl(server, { folder: demo, extensionDevelopmentPath: repoRoot });
  console.log(`\nBackup Scheduler demo: open this URL in a browser on this machine\n\n  ${url}\n`);
  console.log(`Workspace ${demo}: environment "demo" backs up demo/project every minute into /tmp/backup-scheduler-demo.`);
  console.log('Click the Backups entry in the activity bar. After a code change, run `npm run build` and reload the page.');
  console.log('Press Ctrl-C to stop.');
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await server.stop(); // first: printing may fail when the terminal is already gone
    process.stdout.write('\nVS Code server stopped.\n', () => process.exit(0));
    process.stdout.once('error', () => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const how = await server.exited;
  if (!stopping) {
    console.error(`the VS Code server exited (${how}):\n${server.output()}`);
    process.exit(1);
  }
}

function withCode(): void {
  console.log(`opening ${demo} in VS Code with the extension from ${repoRoot}`);
  const child = spawn('code', ['--new-window', `--extensionDevelopmentPath=${repoRoot}`, demo], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
}

if ((process.env.BACKUP_SCHEDULER_START_HOST ?? (hasCode() ? 'code' : 'server')) === 'code') withCode();
else withServer().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
