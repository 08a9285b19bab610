// The desktop helpers as real processes, with stand-ins for the OS programs this machine lacks
// (notify-send, a systemd-inhibit with logind): the notifier runs the program with the masked
// text and never waits for it; the sleep block's helper runs while held, ends with its process
// group on release, and ends by itself when the agent's pid dies.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeepAwake, keepAwakeCommand } from '../../../src/extension/core/desktop/keepAwake';
import { notifyCommand, systemNotifier } from '../../../src/extension/core/desktop/notify';
import type { Logger } from '../../../src/extension/core/ports';

async function until<T>(what: string, probe: () => T | undefined | false, limitMs = 60_000): Promise<T> {
  const end = Date.now() + limitMs;
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Pids whose command line holds `needle` (Linux /proc). */
function pidsWith(needle: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(needle)) out.push(Number(d));
    } catch {
      /* gone */
    }
  }
  return out;
}

function recordingLogger(): Logger & { warns: string[] } {
  const warns: string[] = [];
  return { warns, debug() {}, info() {}, warn: (m) => void warns.push(m), error: (m) => void warns.push(m) };
}

describe('agent desktop helpers (real processes)', function () {
  this.timeout(120_000);
  let tmp: string;
  let savedPath: string | undefined;
  beforeEach(() => {
    tmp = mkdtempSync(join(tmpdir(), 'desktop-'));
    savedPath = process.env.PATH;
    process.env.PATH = `${tmp}:${savedPath}`;
    process.env.BS_TEST_RECORD = join(tmp, 'record');
  });
  afterEach(() => {
    process.env.PATH = savedPath;
    delete process.env.BS_TEST_RECORD;
    rmSync(tmp, { recursive: true, force: true });
  });
  function program(name: string, body: string): void {
    writeFileSync(join(tmp, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(tmp, name), 0o755);
  }

  it('notify-send gets the masked text after --, and a failing one is logged once', async () => {
    // Recorded whole, then renamed into place: the test polls for the file, and a half-written one
    // (the first lines only) failed a CI run.
    program('notify-send', 'for a in "$@"; do printf "%s\\n" "$a"; done > "$BS_TEST_RECORD.part" && mv "$BS_TEST_RECORD.part" "$BS_TEST_RECORD"');
    const logger = recordingLogger();
    const n = systemNotifier({ platform: 'linux', logger });
    n.notify('Backup Scheduler: Backup of db failed', 'pg_dump exited 1: PGPASSWORD=hunter2 psql\nline two');
    const lines = await until('notify-send to run', () => existsSync(process.env.BS_TEST_RECORD!) && readFileSync(process.env.BS_TEST_RECORD!, 'utf8').split('\n').filter(Boolean));
    assert.deepEqual(lines, ['--app-name=Backup Scheduler', '--urgency=normal', '--', 'Backup Scheduler: Backup of db failed', 'pg_dump exited 1: PGPASSWORD=*** psql line two']);
    assert.deepEqual(logger.warns, []);

    program('notify-send', 'echo "Cannot autolaunch D-Bus without X11 $DISPLAY" >&2; exit 1');
    n.notify('a', 'b');
    n.notify('c', 'd');
    await until('the failure to be logged', () => logger.warns.length > 0);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(logger.warns.length, 1, logger.warns.join('\n'));
    assert.match(logger.warns[0], /notify-send exited with code 1: Cannot autolaunch D-Bus/);
  });

  it('on macOS and Windows the text travels in the environment, never in the command line', () => {
    for (const platform of ['darwin', 'win32'] as const) {
      const cmd = notifyCommand(platform, 'T "x"', 'token=abc123 secret body');
      assert.ok(cmd);
      const decoded = cmd.args.map((a, i) => (cmd.args[i - 1] === '-EncodedCommand' ? Buffer.from(a, 'base64').toString('utf16le') : a)).join(' ');
      assert.doesNotMatch(decoded, /secret body|abc123/);
      assert.equal(cmd.env.BACKUP_SCHEDULER_BODY, 'token=*** secret body');
      assert.equal(cmd.env.BACKUP_SCHEDULER_TITLE, 'T "x"');
    }
    assert.deepEqual(keepAwakeCommand('darwin', 42, 'x'), { file: 'caffeinate', args: ['-i', '-w', '42'] });
  });

  it('the sleep block runs while held, ends with its process group on release, and ends by itself when the agent dies', async () => {
    // Like systemd-inhibit: take the block (here: record the options), run the command after them.
    program('systemd-inhibit', 'echo "$@" > "$BS_TEST_RECORD.part" && mv "$BS_TEST_RECORD.part" "$BS_TEST_RECORD"\nwhile [ $# -gt 0 ]; do case "$1" in --*) shift;; *) break;; esac; done\n"$@"');
    const agent = spawn('sleep', ['300'], { stdio: 'ignore' });
    try {
      const logger = recordingLogger();
      const block = new KeepAwake({ logger, platform: 'linux', pid: agent.pid });
      block.hold('backing up notes');
      const args = await until('the helper to start', () => existsSync(process.env.BS_TEST_RECORD!) && readFileSync(process.env.BS_TEST_RECORD!, 'utf8').trim());
      assert.equal(args, `--what=sleep --who=Backup Scheduler --why=backing up notes --mode=block tail --pid=${agent.pid} -f /dev/null`);
      await until('tail to wait on the agent', () => pidsWith(`--pid=${agent.pid}`).length >= 2); // the helper and its tail
      block.release();
      await until('the helper and its tail to end', () => pidsWith(`--pid=${agent.pid}`).length === 0);
      assert.equal(block.held, false);

      block.hold('again');
      await until('the helper to start again', () => pidsWith(`--pid=${agent.pid}`).length >= 2);
      agent.kill('SIGKILL');
      await until('the helper to end with the agent', () => !block.held && pidsWith(`--pid=${agent.pid}`).length === 0);
      assert.deepEqual(logger.warns, []);
    } finally {
      agent.kill('SIGKILL');
    }
  });
});
