// `backup-scheduler` against a leading window (a Coordinator in its own process, as VS Code runs
// it), then with nobody leading: every command, its exit code, its --json output parsed.
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TaskRecord } from '../../../src/shared/model';
import { recordStorage } from '../../../src/extension/core/client/storageRecord';
import { cli, testEnvironments, until, Window } from './helpers';

const json = <T>(r: { stdout: string }): T => JSON.parse(r.stdout) as T;

describe('command line', function () {
  this.timeout(240_000);
  let root: string;
  let storage: string;
  let window: Window;
  const bs = (...args: string[]) => cli(['--storage', storage, ...args]);
  const history = async (...args: string[]) => json<TaskRecord[]>(await bs('history', '--json', ...args));

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'bs-cli-'));
    storage = join(root, 'storage');
    mkdirSync(storage);
    mkdirSync(join(root, 'src'));
    writeFileSync(join(root, 'src', 'notes.md'), '# notes\n');
    window = new Window(storage, testEnvironments(root));
    await until('the window to lead', () => window.leads, 90_000);
  });
  after(async () => {
    await window.stop();
    rmSync(root, { recursive: true, force: true });
  });

  describe('with a leading window', () => {
    it('status --json names the leading window and each environment', async () => {
      const r = await bs('status', '--json');
      assert.equal(r.code, 0, r.stderr);
      const s = json<{ leader: { host: string; pid: number }; running: unknown[]; environments: { id: string; nextRun: number | null }[] }>(r);
      assert.equal(s.leader.host, 'window');
      assert.equal(s.leader.pid, window.proc.pid);
      assert.deepEqual(s.environments.map((e) => e.id), ['notes', 'warny', 'broken', 'slow', 'checked']);
      assert.ok(s.environments.every((e) => typeof e.nextRun === 'number' && e.nextRun > Date.now()));
      const text = await bs('status');
      assert.match(text.stdout, /Leader: VS Code window \(pid \d+\)/);
    });

    it('list --json gives the environments with their names and where they come from', async () => {
      const r = await bs('list', '--json');
      assert.equal(r.code, 0, r.stderr);
      const envs = json<{ id: string; name: string; origin: string; schedule: string }[]>(r);
      assert.deepEqual(envs.map((e) => [e.id, e.name, e.origin, e.schedule]), [
        ['notes', 'Notes', 'user', '0 3 * * *'],
        ['warny', 'warny', 'user', '0 3 * * *'],
        ['broken', 'broken', 'user', '0 3 * * *'],
        ['slow', 'slow', 'user', '0 3 * * *'],
        ['checked', 'checked', 'user', '0 3 * * *'],
      ]);
    });

    it('run --wait prints the log and exits 0 when the backup succeeds; history --json lists it', async () => {
      const r = await bs('run', 'notes', '--wait');
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /info  Archive .*notes-\d{8}-\d{6}\.tar\.gz: 1 file/);
      assert.match(r.stdout, /backup #\d+ succeeded/);
      assert.equal(readdirSync(join(root, 'dest')).filter((f) => /^notes-.*\.tar\.gz$/.test(f)).length, 1);
      const [last] = await history('--env', 'notes', '--limit', '1');
      assert.equal(last.status, 'succeeded');
      assert.equal(last.kind, 'backup');
      assert.equal(last.trigger, 'manual');
    });

    it('run --wait exits 3 when the backup succeeds with warnings, and 1 when it fails', async () => {
      const warned = await bs('run', 'warny', '--wait');
      assert.equal(warned.code, 3, warned.stdout + warned.stderr);
      assert.match(warned.stdout, /warn  disk almost full/);
      assert.match(warned.stdout, /succeeded with 1 warning/);
      const failed = await bs('run', 'broken', '--wait');
      assert.equal(failed.code, 1, failed.stdout + failed.stderr);
      assert.match(failed.stdout, /no such database/);
      assert.match(failed.stdout, /backup #\d+ failed/);
      const rows = await history('--limit', '2');
      assert.deepEqual(rows.map((t) => [t.envId, t.status, t.warnings]), [['broken', 'failed', 1], ['warny', 'succeeded', 1]]);
    });

    it('run --wait follows the verify that follows the backup; --json gives both records and the exit code', async () => {
      const r = await bs('run', 'checked', '--wait');
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /backup #\d+ succeeded[^]*then verify, task #\d+[^]*verify #\d+ succeeded/);
      const j = await bs('run', 'checked', '--wait', '--json');
      assert.equal(j.code, 0, j.stderr);
      const out = json<{ exitCode: number; tasks: TaskRecord[] }>(j);
      assert.deepEqual([out.exitCode, ...out.tasks.map((t) => `${t.kind} ${t.status}`)], [0, 'backup succeeded', 'verify succeeded']);
    });

    it('run refuses a busy environment (exit 1, nothing new); Ctrl-C on run --wait cancels the backup', async () => {
      const waiting = bs('run', 'slow', '--wait');
      const task = await until('the slow backup to run', async () => json<{ running: TaskRecord[] }>(await bs('status', '--json')).running.find((t) => t.envId === 'slow' && t.status === 'running'));
      const busy = await bs('run', 'slow');
      assert.equal(busy.code, 1);
      assert.match(busy.stderr, /busy with task #\d+/);
      waiting.proc.kill('SIGINT');
      const r = await waiting;
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(r.stderr, new RegExp(`cancelling task #${task.id}`));
      assert.equal((await history('--env', 'slow', '--limit', '1'))[0].status, 'cancelled');
    });

    it('run without --wait returns the task id at once (--json)', async () => {
      const r = await bs('run', 'notes', '--json');
      assert.equal(r.code, 0, r.stderr);
      const { taskId } = json<{ taskId: number }>(r);
      const done = await until('the task to end', async () => (await history('--limit', '1')).find((t) => t.id === taskId && t.finishedAt !== null));
      assert.equal(done.status, 'succeeded');
    });

    it('bad input: unknown environment, option, task or missing target exits 2 with one line, and starts nothing', async () => {
      const before = (await history('--limit', '1000')).length;
      const cases: [string[], RegExp][] = [
        [['run', 'nope', '--wait'], /unknown environment "nope" \(known: notes, warny, broken, slow, checked\)/],
        [['run', 'notes', '--now'], /unknown option --now for run/],
        [['run'], /run: missing env/],
        [['cancel', '9999'], /unknown task #9999/],
        [['cancel', 'abc'], /"abc" is not a task id/],
        [['log', '9999'], /unknown task #9999/],
        [['restore', 'notes'], /missing --target DIR/],
        [['restore', 'notes', '--target', join(root, 'absent')], /is not an existing folder/],
        [['restore', 'nope', '--target', root], /unknown environment "nope"/],
        [['history', '--status', 'great'], /unknown status "great"/],
        [['history', '--since', 'yesterday-ish'], /--since/],
        [['history', '--limit', '0'], /--limit/],
        [['frobnicate'], /unknown command "frobnicate"/],
      ];
      for (const [args, message] of cases) {
        const r = await bs(...args);
        assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
        assert.match(r.stderr, message, args.join(' '));
        assert.equal(r.stderr.trim().split('\n').length, 1, `${args.join(' ')}: one line: ${r.stderr}`);
        assert.equal(r.stdout, '');
      }
      assert.equal((await history('--limit', '1000')).length, before);
    });

    it('cancel stops a running backup; the waiting run exits 1; log --json shows it as JSON lines', async () => {
      const waiting = bs('run', 'slow', '--wait');
      const task = await until('the slow backup to run', async () => json<{ running: TaskRecord[] }>(await bs('status', '--json')).running.find((t) => t.envId === 'slow' && t.status === 'running'));
      const c = await bs('cancel', String(task.id));
      assert.equal(c.code, 0, c.stderr);
      assert.match(c.stdout, new RegExp(`cancelled task #${task.id}`));
      const r = await waiting;
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(r.stdout, /backup #\d+ cancelled/);
      const log = await bs('log', String(task.id), '--json');
      assert.equal(log.code, 0, log.stderr);
      const lines = log.stdout.trim().split('\n').map((l) => JSON.parse(l) as { text?: string; task?: TaskRecord });
      assert.ok(lines.some((l) => l.text === 'started'), log.stdout);
      assert.equal(lines[lines.length - 1].task?.status, 'cancelled');
      const again = await bs('cancel', String(task.id));
      assert.equal(again.code, 1);
      assert.match(again.stderr, /already ended \(cancelled\)/);
    });

    it('log --follow follows a running task to its end and exits with its outcome', async () => {
      const started = json<{ taskId: number }>(await bs('run', 'warny', '--json'));
      const r = await bs('log', String(started.taskId), '--follow');
      assert.equal(r.code, 3, r.stdout + r.stderr);
      assert.match(r.stdout, /dumping/);
      assert.match(r.stdout, /succeeded with 1 warning/);
    });

    it('restore --wait restores the newest backup into the target; --backup picks one by name', async () => {
      const target = join(root, 'restored');
      mkdirSync(target);
      const r = await bs('restore', 'notes', '--target', target, '--wait');
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.equal(readFileSync(join(target, 'notes.md'), 'utf8'), '# notes\n');
      const archive = readdirSync(join(root, 'dest')).find((f) => /^notes-.*\.tar\.gz$/.test(f))!;
      const t2 = join(root, 'restored2');
      mkdirSync(t2);
      const picked = await bs('restore', 'notes', '--target', t2, '--backup', archive, '--path', 'notes.md', '--wait', '--json');
      assert.equal(picked.code, 0, picked.stdout + picked.stderr);
      assert.equal(json<{ tasks: TaskRecord[] }>(picked).tasks[0].kind, 'restore');
      assert.equal(readFileSync(join(t2, 'notes.md'), 'utf8'), '# notes\n');
      const unknown = await bs('restore', 'notes', '--target', t2, '--backup', 'notes-19990101-000000.tar.gz');
      assert.equal(unknown.code, 2);
      assert.match(unknown.stderr, /unknown backup/);
    });

    it('history filters by environment, status, time and count', async () => {
      const failed = await history('--status', 'failed');
      assert.ok(failed.length >= 1 && failed.every((t) => t.status === 'failed'));
      const notes = await history('--env', 'notes', '--status', 'succeeded,failed');
      assert.ok(notes.length >= 2 && notes.every((t) => t.envId === 'notes'));
      assert.deepEqual(await history('--since', '2099-01-01'), []);
      assert.ok((await history('--since', '1h')).length >= 5);
      assert.equal((await history('--limit', '2')).length, 2);
    });

    it('--help and <command> --help print usage, options and exit codes', async () => {
      const main = await cli(['--help']);
      assert.equal(main.code, 0);
      assert.match(main.stdout, /^Usage: backup-scheduler/);
      for (const c of ['status', 'list', 'run', 'cancel', 'log', 'history', 'restore', 'agent']) {
        const r = await cli([c, '--help']);
        assert.equal(r.code, 0, c);
        assert.match(r.stdout, new RegExp(`^Usage: backup-scheduler ${c}`), c);
        assert.match(r.stdout, /Exit codes:/, c);
      }
      assert.match((await cli(['history', '--help'])).stdout, /--since T/);
      assert.equal((await cli([])).code, 2);
    });

    it('without --storage it uses the folder the last window recorded', async () => {
      const state = join(root, 'state');
      const r0 = await cli(['status', '--json'], { env: { BACKUP_SCHEDULER_STATE_DIR: state } });
      assert.equal(r0.code, 2);
      assert.match(r0.stderr, /no storage folder known/);
      recordStorage('window', storage, state);
      const r = await cli(['status', '--json'], { env: { BACKUP_SCHEDULER_STATE_DIR: state } });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(json<{ leader: { pid: number } }>(r).leader.pid, window.proc.pid);
    });
  });

  describe('with nobody leading', () => {
    const fingerprint = () => {
      const p = join(storage, 'tasks.db');
      return `${statSync(p).mtimeMs}:${createHash('sha256').update(readFileSync(p)).digest('hex')}`;
    };
    before(async () => {
      await window.stop();
    });

    it('reading commands read tasks.db without writing it; run says how to start the agent', async () => {
      const before = fingerprint();
      const s = await bs('status', '--json');
      assert.equal(s.code, 0, s.stderr);
      const status = json<{ leader: null; running: unknown[]; environments: { id: string; lastBackup: { status: string } | null }[] }>(s);
      assert.equal(status.leader, null);
      assert.deepEqual(status.running, []);
      assert.deepEqual(Object.fromEntries(status.environments.map((e) => [e.id, e.lastBackup?.status])), { broken: 'failed', checked: 'succeeded', notes: 'succeeded', slow: 'cancelled', warny: 'succeeded' });
      assert.match((await bs('status')).stdout, /Leader: none/);
      const list = await bs('list', '--json');
      assert.deepEqual(json<{ id: string }[]>(list).map((e) => e.id), ['broken', 'checked', 'notes', 'slow', 'warny']);
      const rows = await history('--env', 'warny');
      assert.ok(rows.length >= 2 && rows.every((t) => t.envId === 'warny'));
      const log = await bs('log', String(rows[0].id));
      assert.equal(log.code, 0);
      assert.match(log.stdout, /dumping/);
      const run = await bs('run', 'notes', '--wait');
      assert.equal(run.code, 1);
      assert.match(run.stderr, /no VS Code window or background agent is running the backups.*backup-scheduler agent start/);
      const cancel = await bs('cancel', String(rows[0].id));
      assert.equal(cancel.code, 1);
      assert.equal((await bs('history', '--bogus')).code, 2);
      assert.equal(fingerprint(), before, 'tasks.db was written');
    });
  });
});
