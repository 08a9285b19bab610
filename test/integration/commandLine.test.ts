// The `backup-scheduler` command line against a leading window, in the real host: the window puts
// its launcher on PATH in integrated terminals (environmentVariableCollection), and the command
// typed in such a terminal reaches this window over the private channel. Exit codes of
// `run --wait` and --json output are checked as a script would read them.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { TaskRecord } from '../../src/shared/model';
import type { BackupSchedulerApi } from '../../src/extension/extension';
import { extension, until } from './manifest';

const root = mkdtempSync(join(tmpdir(), 'bs-int-cli-'));
const src = join(root, 'src');
const dst = join(root, 'dst');
const api = () => extension().exports as BackupSchedulerApi;

const envs = [
  { id: 'cli-docs', name: 'CLI docs', type: 'folder', source: src, destination: dst, schedule: '0 3 * * *' },
  { id: 'cli-warn', type: 'command', source: src, command: 'echo dumping; echo "table t is locked" >&2; echo x > "$BACKUP_FILE"', destination: dst, schedule: '0 3 * * *' },
  { id: 'cli-broken', type: 'command', source: src, command: 'echo "connection refused" >&2; exit 7', destination: dst, schedule: '0 3 * * *' },
];

/** Types a command line into a new integrated terminal, as a user would, and waits for its exit code. */
async function inTerminal(name: string, line: string): Promise<{ code: number; out: string }> {
  const out = join(root, `${name}.out`);
  const rc = join(root, `${name}.rc`);
  const terminal = vscode.window.createTerminal({ name: `cli ${name}`, cwd: root });
  try {
    terminal.sendText(`${line} > '${out}' 2>&1; echo $? > '${rc}'`);
    await until(() => existsSync(rc) && readFileSync(rc, 'utf8').endsWith('\n'));
    return { code: Number(readFileSync(rc, 'utf8').trim()), out: readFileSync(out, 'utf8') };
  } finally {
    terminal.dispose();
  }
}

/** Runs the launcher directly (what the terminal's PATH finds). */
function launcher(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(api().commandLine.launcher!, args, { env: { ...process.env, BACKUP_SCHEDULER_STORAGE: '', NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('backup-scheduler command line (real host, leading window)', function () {
  this.timeout(180_000);

  before(async () => {
    await until(() => extension().isActive);
    mkdirSync(src, { recursive: true });
    writeFileSync(join(src, 'guide.md'), '# guide\n');
    await vscode.workspace.getConfiguration('backupScheduler').update('environments', envs, vscode.ConfigurationTarget.Global);
    await until(() => api().backups.environments().length === envs.length);
    await until(() => api().backups.role === 'leader');
  });
  after(async () => {
    await vscode.workspace.getConfiguration('backupScheduler').update('environments', undefined, vscode.ConfigurationTarget.Global);
  });

  it('the window writes a launcher into its storage folder for the terminals\' PATH', () => {
    const { launcher: path, storageDir } = api().commandLine;
    assert.equal(path, join(storageDir, 'bin', 'backup-scheduler'));
    assert.match(readFileSync(path!, 'utf8'), /cli\.js/);
  });

  it('in an integrated terminal, `backup-scheduler run <env> --wait` prints the log and exits 0; history --json lists it', async () => {
    const status = await inTerminal('status', 'backup-scheduler status --json');
    assert.equal(status.code, 0, status.out);
    const s = JSON.parse(status.out) as { leader: { host: string; pid: number; version: string }; environments: { id: string }[] };
    assert.equal(s.leader.host, 'window');
    assert.equal(s.leader.pid, process.pid);
    assert.equal(s.leader.version, extension().packageJSON.version);
    assert.deepEqual(s.environments.map((e) => e.id), ['cli-docs', 'cli-warn', 'cli-broken']);

    const run = await inTerminal('run', 'backup-scheduler run cli-docs --wait');
    assert.equal(run.code, 0, run.out);
    assert.match(run.out, /Archive .*cli-docs-\d{8}-\d{6}\.tar\.gz: 1 file/);
    assert.equal(readdirSync(dst).filter((f) => /^cli-docs-.*\.tar\.gz$/.test(f)).length, 1);

    const history = await inTerminal('history', 'backup-scheduler history --json --env cli-docs');
    assert.equal(history.code, 0, history.out);
    const rows = JSON.parse(history.out) as TaskRecord[];
    assert.equal(rows[0].status, 'succeeded');
    // The window's own view of the history agrees: it ran the task.
    assert.equal(api().backups.reader.getTask(rows[0].id)?.status, 'succeeded');
  });

  it('run --wait exits 3 for a backup with warnings, 1 for a failed one, 2 for an unknown environment', async () => {
    const warned = await launcher(['run', 'cli-warn', '--wait']);
    assert.equal(warned.code, 3, warned.stdout + warned.stderr);
    assert.match(warned.stdout, /warn  table t is locked/);
    const failed = await launcher(['run', 'cli-broken', '--wait']);
    assert.equal(failed.code, 1, failed.stdout + failed.stderr);
    assert.match(failed.stdout, /connection refused/);
    const before = api().backups.reader.queryTasks({ limit: 1000 }).total;
    const unknown = await launcher(['run', 'cli-nope', '--wait']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown environment "cli-nope"/);
    assert.equal(api().backups.reader.queryTasks({ limit: 1000 }).total, before);
  });

  it('list, log and cancel over the window', async () => {
    const list = await launcher(['list', '--json']);
    assert.deepEqual((JSON.parse(list.stdout) as { id: string; name: string }[]).map((e) => [e.id, e.name]), [['cli-docs', 'CLI docs'], ['cli-warn', 'cli-warn'], ['cli-broken', 'cli-broken']]);
    const [last] = api().backups.reader.queryTasks({ envIds: ['cli-warn'], sort: 'id', descending: true, limit: 1 }).rows;
    const log = await launcher(['log', String(last.id)]);
    assert.equal(log.code, 0);
    assert.match(log.stdout, /dumping/);
    const cancel = await launcher(['cancel', String(last.id)]);
    assert.equal(cancel.code, 1);
    assert.match(cancel.stderr, /already ended/);
  });
});
