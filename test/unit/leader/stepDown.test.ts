// A leader that cannot lead steps down, and nothing on disk can wedge the election: a window whose
// history will not open releases its term (another window takes over, it retries with back-off,
// the user is told once); term files that are not ours are removed; an unusable folder is
// reported once and retried less and less often.
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EngineRegistry } from '../../../src/extension/core/engines/registry';
import { Coordinator } from '../../../src/extension/core/leader/coordinator';
import { startElection, type Election } from '../../../src/extension/core/leader/election';
import { highestTerm, MAX_TERM, readHeartbeat, termPath, tryClaim, writeHeartbeat, type LeaderClaim } from '../../../src/extension/core/leader/terms';
import { silentLogger, systemClock, type Logger } from '../../../src/extension/core/ports';
import { cleanUp, sleep, spawnFixture, tempStorage } from './helpers';

const elections: Election[] = [];
const coordinators: Coordinator[] = [];

function countingLogger(): Logger & { errors: string[]; warnings: string[] } {
  const errors: string[] = [];
  const warnings: string[] = [];
  return { errors, warnings, debug() {}, info() {}, warn: (m) => void warnings.push(m), error: (m) => void errors.push(m) };
}

async function until(what: string, pred: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

function fakeClaim(dir: string, term: number): void {
  mkdirSync(dir, { recursive: true });
  const claim: LeaderClaim = { pid: 1, hostname: 'elsewhere', instanceId: `fake-${term}`, startedAt: 0, endpoint: '' };
  assert.ok(tryClaim(dir, term, claim));
  writeHeartbeat(dir, { ...claim, term, heartbeatAt: Date.now(), seq: 1 });
}

async function window(storageDir: string, extra: { wasmPath?: string; warnings?: string[]; logger?: Logger } = {}): Promise<Coordinator> {
  const c = await Coordinator.start(
    {
      storageDir,
      engines: new EngineRegistry({ clock: systemClock, logger: silentLogger, secrets: { get: async () => undefined }, defaultCwd: storageDir, settings: {} }),
      clock: systemClock,
      logger: extra.logger ?? silentLogger,
      trusted: true,
      defaultCwd: storageDir,
      bounds: { maxAgeDays: 90, maxTasks: 5000, maxLinesPerTask: 2000 },
      election: { heartbeatMs: 50, checkMs: 25, staleMs: 1000 },
      replicaPollMs: 60_000,
      leadRetryMs: 100,
      wasmPath: extra.wasmPath,
      onStoreWarning: (m) => extra.warnings?.push(m),
    },
    [],
  );
  coordinators.push(c);
  return c;
}

describe('leader: a leader that cannot lead steps down; nothing wedges the election', function () {
  this.timeout(20_000);
  afterEach(async () => {
    for (const c of coordinators.splice(0)) await c.dispose();
    for (const e of elections.splice(0)) e.dispose();
    await cleanUp();
  });

  it('a window whose WASM will not load releases its term; another window takes over; the user is told once', async () => {
    const storage = tempStorage();
    const badWasm = join(storage, 'not-wasm.wasm');
    writeFileSync(badWasm, 'this is not WebAssembly');
    const broken = spawnFixture('cannotLead', { storage, wasmPath: badWasm });
    const first = await broken.waitFor((r) => r.ev === 'role' || r.ev === 'crashed', 10_000, 'started');
    assert.equal(first.role, 'follower', JSON.stringify(first));
    const dir = join(storage, 'leader');
    assert.equal(highestTerm(dir), 1, 'it did claim term 1 first');
    assert.equal(readHeartbeat(dir, 1)?.released, true, 'and released it');

    // Alone, it tries again with back-off (100, 200, 400 ms...), and tells the user only once.
    const attempts = () => broken.reports.filter((r) => r.ev === 'error' && /cannot run the backups/.test(String(r.m))).length;
    await until('three attempts', () => attempts() >= 3);
    assert.equal(broken.reports.filter((r) => r.ev === 'told' && /cannot run the backups/.test(String(r.m))).length, 1, JSON.stringify(broken.reports));
    assert.equal(broken.role()?.role, 'follower');

    const healthy = await window(storage);
    await until('the healthy window leads', () => healthy.role === 'leader');
    assert.ok(healthy.service, 'the leader runs the schedules');
    await sleep(500);
    assert.equal(broken.role()?.role, 'follower');
    assert.equal(broken.reports.filter((r) => r.ev === 'told').length, 1);
  });

  it('a history written by a newer version: the window does not lead, and says "reload" once', async () => {
    const storage = tempStorage();
    const first = await window(storage);
    await first.dispose();
    coordinators.splice(0);
    const { execFileSync } = await import('node:child_process');
    execFileSync('sqlite3', [join(storage, 'tasks.db'), 'PRAGMA user_version = 99']);
    const warnings: string[] = [];
    const c = await window(storage, { warnings });
    await sleep(500); // several retries
    assert.equal(c.role, 'follower');
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0], /newer version.*reload/);
  });

  it(`term files beyond ${MAX_TERM} (or not numbers we wrote) are removed, and a leader is elected`, async () => {
    const dir = join(tempStorage(), 'leader');
    fakeClaim(dir, 999_999_999_999); // the largest 12-digit term: its successor has 13 digits
    writeFileSync(join(dir, 'term-1000000000000'), '{}');
    writeFileSync(join(dir, `term-${'9'.repeat(30)}`), 'x');
    writeFileSync(join(dir, 'term-abc'), 'not ours');
    writeFileSync(join(dir, 'notes.txt'), 'not ours');
    const e = await startElection({ dir, clock: systemClock, logger: silentLogger, heartbeatMs: 50, checkMs: 25, staleMs: 300 });
    elections.push(e);
    await until('a leader', () => e.role === 'leader', 3000);
    assert.equal(e.term, 1);
    assert.deepEqual(readdirSync(dir).filter((n) => !n.startsWith('term-000000000001')).sort(), ['notes.txt', 'term-abc']);
  });

  it('a term at the limit, which no claim can follow, does not wedge either', async () => {
    const dir = join(tempStorage(), 'leader');
    fakeClaim(dir, MAX_TERM);
    const e = await startElection({ dir, clock: systemClock, logger: silentLogger, heartbeatMs: 50, checkMs: 25, staleMs: 300 });
    elections.push(e);
    await until('a leader', () => e.role === 'leader', 3000);
    assert.equal(e.term, 1);
    assert.equal(existsSync(termPath(dir, MAX_TERM)), false);
  });

  it('storage it cannot write: one error, attempts that back off, and it leads once the folder works', async () => {
    const storage = tempStorage();
    const dir = join(storage, 'leader');
    writeFileSync(dir, 'a file where the folder should be'); // fails every operation, even for root
    const logger = countingLogger();
    const told: string[] = [];
    const e = await startElection({ dir, clock: systemClock, logger, heartbeatMs: 50, checkMs: 25, staleMs: 300, maxRetryMs: 400, onError: (m) => told.push(m) });
    elections.push(e);
    await sleep(1500); // 60 ticks
    assert.equal(logger.errors.length + logger.warnings.length, 1, [...logger.errors, ...logger.warnings].join('\n'));
    assert.equal(told.length, 1);
    assert.equal(e.role, 'follower');
    rmSync(dir);
    await until('a leader', () => e.role === 'leader', 3000);
  });
});
