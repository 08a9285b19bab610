import * as assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { runCommandBackup, type CommandBackupOptions } from '../../../src/extension/core/engines/archive/operations';
import { cleanupTemp, makeCtx, tempDir } from './helpers';

function opts(destination: string, command: string, extra: Partial<CommandBackupOptions> = {}): CommandBackupOptions {
  return { envId: 'db', command, destination, cwd: tempDir(), killGraceMs: 300, ...extra };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A killed child of ours that nobody reaped yet is a zombie: dead for our purpose.
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

async function waitDead(pid: number, ms = 3000): Promise<boolean> {
  for (let t = 0; t < ms; t += 50) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !alive(pid);
}

describe('command backup', function () {
  this.timeout(20000);
  afterEach(cleanupTemp);

  it('runs in the shell with cwd and BACKUP_* variables, streams output, publishes the dump atomically', async () => {
    const dest = tempDir();
    const now = Date.UTC(2026, 10, 28, 3, 4, 5);
    const ctx = makeCtx({ now });
    const cmd = 'echo "hello out"; echo "careful" >&2; printf "%s\\n%s\\n%s\\n%s\\n%s\\n%s\\n" "$PWD" "$BACKUP_FILE" "$BACKUP_DIR" "$BACKUP_ENV_ID" "$BACKUP_TIMESTAMP" "$EXTRA" > "$BACKUP_FILE"';
    const o = opts(dest, cmd, { env: { EXTRA: 'from settings' } });
    const r = await runCommandBackup(ctx, o);
    assert.equal(r.archivePath, join(dest, 'db-20261128-030405.dump'));
    assert.deepEqual(readdirSync(dest), ['db-20261128-030405.dump']);
    const [pwd, file, dir, id, stamp, extra] = readFileSync(r.archivePath!, 'utf8').trim().split('\n');
    assert.equal(pwd, o.cwd);
    assert.match(file, new RegExp(`^${dest}/\\.db-20261128-030405\\.dump\\.\\d+\\.[a-z0-9]+\\.partial$`));
    assert.deepEqual([dir, id, stamp, extra], [dest, 'db', '20261128-030405', 'from settings']);
    assert.ok(ctx.logs.some((l) => l.level === 'info' && l.text === 'hello out'));
    assert.ok(ctx.logs.some((l) => l.level === 'warn' && l.text === 'careful'));
    assert.match(r.sha256!, /^[0-9a-f]{64}$/);
  });

  it('a non-zero exit fails with the code and the last stderr line, and leaves no file', async () => {
    const dest = tempDir();
    const r = runCommandBackup(makeCtx(), opts(dest, 'echo partial > "$BACKUP_FILE"; echo "pg_dump: connection refused" >&2; exit 3'));
    await assert.rejects(r, /Command failed with exit code 3: pg_dump: connection refused/);
    assert.deepEqual(readdirSync(dest), []);
  });

  it('exit 0 without a dump is a failure that says so', async () => {
    const dest = tempDir();
    await assert.rejects(runCommandBackup(makeCtx(), opts(dest, 'echo done')), /exited with code 0 but wrote no dump to \$BACKUP_FILE/);
    await assert.rejects(runCommandBackup(makeCtx(), opts(dest, ': > "$BACKUP_FILE"')), /dump in \$BACKUP_FILE is empty/);
    assert.deepEqual(readdirSync(dest), []);
  });

  it('a timeout kills the shell and the grandchildren, and leaves no file', async () => {
    const dest = tempDir();
    const pids = join(tempDir(), 'pids');
    // A background grandchild and a foreground one; the first ignores SIGTERM and needs SIGKILL.
    const cmd = `echo data > "$BACKUP_FILE"; (trap "" TERM; sleep 30) & echo $! >> ${pids}; sleep 30 & echo $! >> ${pids}; wait`;
    const t0 = Date.now();
    await assert.rejects(runCommandBackup(makeCtx(), opts(dest, cmd, { timeoutMs: 500 })), /timed out after 1 s; it and its child processes were killed/);
    assert.ok(Date.now() - t0 < 10_000);
    const list = readFileSync(pids, 'utf8').trim().split('\n').map(Number);
    assert.equal(list.length, 2);
    for (const pid of list) assert.ok(await waitDead(pid), `grandchild ${pid} survived`);
    assert.deepEqual(readdirSync(dest), []);
  });

  it('cancel kills the process tree and throws a cancel error', async () => {
    const dest = tempDir();
    const pidFile = join(tempDir(), 'pid');
    const ctx = makeCtx();
    const run = runCommandBackup(ctx, opts(dest, `sh -c 'echo $$ > ${pidFile}; sleep 30'; echo after`));
    for (let i = 0; i < 100 && !existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 20));
    const pid = Number(readFileSync(pidFile, 'utf8'));
    assert.ok(alive(pid));
    ctx.abort();
    await assert.rejects(run, (e: Error) => e.name === 'AbortError');
    assert.ok(await waitDead(pid), 'grandchild survived cancel');
    assert.ok(!ctx.logs.some((l) => l.text === 'after'));
    assert.deepEqual(readdirSync(dest), []);
  });

  it('a command that floods its output is capped in lines and line length, and still succeeds', async () => {
    const dest = tempDir();
    const ctx = makeCtx();
    const cmd = 'yes "spam spam spam" | head -n 200000; head -c 100000 /dev/zero | tr "\\0" x; echo; echo ok > "$BACKUP_FILE"';
    const r = await runCommandBackup(ctx, opts(dest, cmd, { maxLogLines: 100, maxLineLength: 50 }));
    assert.ok(r.archivePath);
    const output = ctx.logs.filter((l) => l.text.startsWith('spam') || l.text.startsWith('xxx'));
    assert.equal(output.length, 100);
    assert.ok(ctx.logs.some((l) => l.level === 'warn' && /^199901 more output lines were not logged \(limit 100 lines per task\)$/.test(l.text)), ctx.logs.slice(-3).map((l) => l.text).join('\n'));
    assert.ok(ctx.logs.every((l) => l.text.length < 200));
  });

  it('a single endless line is cut, not buffered whole', async () => {
    const ctx = makeCtx();
    await runCommandBackup(ctx, opts(tempDir(), 'head -c 5000000 /dev/zero | tr "\\0" y; echo ok > "$BACKUP_FILE"', { maxLineLength: 1000 }));
    const line = ctx.logs.find((l) => l.text.startsWith('yyy'))!;
    assert.equal(line.text, `${'y'.repeat(1000)}… [4999000 more characters cut]`);
  });

  it('fails clearly when the working folder is missing', async () => {
    await assert.rejects(runCommandBackup(makeCtx(), opts(tempDir(), 'true', { cwd: '/nonexistent/place' })), /Working folder \/nonexistent\/place does not exist/);
  });
});
