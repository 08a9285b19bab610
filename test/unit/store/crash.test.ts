// SIGKILL at random moments while a child process writes: tasks.db must always open, pass the
// integrity check, and hold everything the child saw acknowledged as saved (so at most the last
// coalescing window is lost).
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { openStore, removeTempDirs, sqlite3, tempDir } from './helpers';

const RUNS = 20;
const COALESCE_MS = 25;
const WRITER = join(__dirname, 'fixtures', 'crashWriter.js');

interface Run {
  opened: { warnings: number; revision: number } | undefined;
  written: { revision: number; taskId: number; seq: number }[];
  savedRevision: number;
  errors: string[];
}

/**
 * Starts the writer and kills it `jitterMs` after its `steps`-th write report (counting progress,
 * not wall time, keeps the test meaningful on a loaded machine); returns what it reported.
 */
function runAndKill(dir: string, steps: number, jitterMs: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRITER, dir, String(COALESCE_MS)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    let armed = false;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
      if (!armed && (out.match(/^W /gm)?.length ?? 0) >= steps) {
        armed = true;
        setTimeout(() => child.kill('SIGKILL'), jitterMs);
      }
    });
    child.on('error', reject);
    child.on('close', () => {
      const run: Run = { opened: undefined, written: [], savedRevision: 0, errors: [] };
      const lines = out.split('\n');
      lines.pop(); // a line cut by the kill is not a report
      for (const line of lines) {
        const [tag, ...f] = line.split(' ');
        if (tag === 'O') run.opened = { warnings: Number(f[0]), revision: Number(f[1]) };
        else if (tag === 'W') run.written.push({ revision: Number(f[0]), taskId: Number(f[1]), seq: Number(f[2]) });
        else if (tag === 'P') run.savedRevision = Math.max(run.savedRevision, Number(f[0]));
        else run.errors.push(line);
      }
      resolve(run);
    });
  });
}

describe('store: crash safety (SIGKILL while writing)', function () {
  this.timeout(120_000);
  after(removeTempDirs);

  it(`${RUNS} kills at random moments never damage tasks.db nor lose acknowledged writes`, async () => {
    const dir = tempDir();
    const db = join(dir, 'tasks.db');
    let previousRevision = 0;
    let verified = 0;
    let runsWithSaves = 0;
    for (let i = 0; i < RUNS; i++) {
      const steps = 3 + Math.floor(Math.random() * 35);
      const jitter = Math.floor(Math.random() * 2 * COALESCE_MS);
      const run = await runAndKill(dir, steps, jitter);
      const where = `run ${i + 1}, killed ${jitter} ms after write step ${steps}`;
      assert.deepEqual(run.errors, [], where);
      assert.ok(run.opened, `${where}: the writer opened the store`);
      assert.equal(run.opened.warnings, 0, `${where}: the file left by the previous kill opened without recovery`);
      assert.ok(run.opened.revision >= previousRevision, `${where}: the revision never goes back past what was saved`);

      if (!existsSync(db)) {
        // Killed before the first save: fine, as long as nothing was acknowledged.
        assert.equal(run.savedRevision, 0, where);
        continue;
      }
      assert.equal(sqlite3(db, 'PRAGMA integrity_check'), 'ok', where);
      const onDisk = Number(sqlite3(db, "SELECT value FROM meta WHERE key = 'revision'"));
      assert.ok(onDisk >= run.savedRevision, `${where}: file at revision ${onDisk}, writer was told ${run.savedRevision} was saved`);
      const acknowledged = run.written.filter((w) => w.revision <= run.savedRevision);
      // Per task: last_seq, and whether the newest line itself is there (trimming never drops it).
      const rows = sqlite3(db, 'SELECT t.id, t.last_seq, (SELECT count(*) FROM log_lines l WHERE l.task_id = t.id AND l.seq = t.last_seq) FROM tasks t');
      const tasks = new Map(rows.split('\n').map((r) => r.split('|').map(Number)).map(([id, lastSeq, newest]) => [id, { lastSeq, newest }]));
      for (const w of acknowledged) {
        const t = tasks.get(w.taskId);
        const ok = t !== undefined && t.lastSeq >= w.seq && (t.lastSeq === 0 || t.newest === 1);
        assert.ok(ok, `${where}: task ${w.taskId} seq ${w.seq} (revision ${w.revision}) was acknowledged but the file has ${JSON.stringify(t)}`);
      }
      verified += acknowledged.length;
      if (run.savedRevision > 0) runsWithSaves++;
      previousRevision = onDisk;
    }
    assert.deepEqual(readdirSync(dir).filter((n) => n.includes('corrupt')), []);
    // The test proves something only if the kills landed after saves had happened.
    assert.ok(runsWithSaves >= RUNS / 2, `only ${runsWithSaves} runs saved anything before the kill`);
    assert.ok(verified > 0);
    const { store, warnings } = await openStore(dir);
    assert.deepEqual(warnings, []);
    assert.ok(store.queryTasks({}).total > 0);
    await store.dispose();
  });
});
