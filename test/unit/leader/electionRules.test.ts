// The election's rules, one at a time, in this process against hand-made term files: when a
// claim counts as dead, when it does not, fencing, release and cleanup. (The multi-process
// behaviour is in election.test.ts.)
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { startElection, type Election, type RoleChange } from '../../../src/extension/core/leader/election';
import { claimOccurrence, occurrenceKey, pruneOccurrenceClaims, releaseOccurrence } from '../../../src/extension/core/leader/occurrenceClaims';
import { heartbeatPath, listTerms, readHeartbeat, tryClaim, writeHeartbeat, type LeaderClaim } from '../../../src/extension/core/leader/terms';
import { silentLogger, systemClock } from '../../../src/extension/core/ports';
import { cleanUp, sleep, tempStorage } from './helpers';

const fast = { clock: systemClock, logger: silentLogger, heartbeatMs: 50, checkMs: 25 };
const elections: Election[] = [];
async function elect(dir: string, staleMs: number): Promise<Election> {
  const e = await startElection({ dir, staleMs, ...fast });
  elections.push(e);
  return e;
}
const roleChange = (e: Election): Promise<RoleChange> => new Promise((r) => e.onDidChangeRole(r));

function fakeClaim(dir: string, term: number, owner: Partial<LeaderClaim>): void {
  mkdirSync(dir, { recursive: true });
  const claim: LeaderClaim = { pid: 1, hostname: 'elsewhere', instanceId: `fake-${term}`, startedAt: 0, endpoint: '', ...owner };
  assert.ok(tryClaim(dir, term, claim));
  writeHeartbeat(dir, { ...claim, term, heartbeatAt: Date.now(), seq: 1 });
}

describe('leader election rules', function () {
  this.timeout(10_000);
  afterEach(async () => {
    for (const e of elections.splice(0)) e.dispose();
    await cleanUp();
  });

  it('an empty folder: the first member claims term 1 at once', async () => {
    const dir = join(tempStorage(), 'leader');
    const e = await elect(dir, 10_000);
    assert.deepEqual([e.role, e.term, e.isLeader()], ['leader', 1, true]);
    assert.equal(readHeartbeat(dir, 1)?.instanceId, e.instanceId);
  });

  it('a claim whose process is gone (same host) is taken over at once, without waiting staleMs', async () => {
    const dir = join(tempStorage(), 'leader');
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    fakeClaim(dir, 4, { pid: Number(gone), hostname: hostname() });
    const e = await elect(dir, 60_000);
    assert.deepEqual([e.role, e.term], ['leader', 5]);
  });

  it('a live owner on another host keeps its term while its heartbeat changes, and loses it when it stops', async () => {
    const dir = join(tempStorage(), 'leader');
    fakeClaim(dir, 1, {});
    const e = await elect(dir, 400);
    const hb = readHeartbeat(dir, 1)!;
    for (let i = 2; i < 20; i++) {
      writeHeartbeat(dir, { ...hb, seq: i }); // other host's clock is irrelevant: only change counts
      await sleep(50);
    }
    assert.deepEqual([e.role, e.term], ['follower', 1], 'a beating owner is never replaced');
    const change = await roleChange(e);
    assert.deepEqual(change, { role: 'leader', term: 2 });
  });

  it('a leader that says it beats slowly (the idle agent) is given two and a half of its beats, not the follower\'s own staleMs', async () => {
    const dir = join(tempStorage(), 'leader');
    fakeClaim(dir, 1, {});
    const e = await elect(dir, 200);
    const hb = { ...readHeartbeat(dir, 1)!, beatEveryMs: 400 };
    const t0 = Date.now();
    for (let i = 2; i < 8; i++) {
      writeHeartbeat(dir, { ...hb, seq: i }); // every 350 ms: longer than staleMs, within 2.5 of its beats
      await sleep(350);
    }
    assert.deepEqual([e.role, e.term], ['follower', 1], 'a leader beating at its announced pace is never replaced');
    const change = await roleChange(e);
    assert.deepEqual(change, { role: 'leader', term: 2 });
    assert.ok(Date.now() - t0 >= 5 * 350 + 900, 'after the last beat the follower waited about 2.5 beats (1 s), not its own 200 ms');
  });

  it('a released term is taken over at the next check', async () => {
    const dir = join(tempStorage(), 'leader');
    const a = await elect(dir, 60_000);
    const b = await elect(dir, 60_000);
    assert.deepEqual([a.role, b.role], ['leader', 'follower']);
    const change = roleChange(b);
    a.dispose();
    assert.equal(readHeartbeat(dir, 1)?.released, true);
    assert.deepEqual(await change, { role: 'leader', term: 2 });
    assert.equal(b.leaderInfo()?.instanceId, b.instanceId);
  });

  it('isLeader() fences at once when a higher term appears, and the role change fires', async () => {
    const dir = join(tempStorage(), 'leader');
    const e = await elect(dir, 60_000);
    const changes: RoleChange[] = [];
    e.onDidChangeRole((c) => changes.push(c));
    fakeClaim(dir, 2, {});
    assert.equal(e.isLeader(), false);
    assert.deepEqual(changes, [{ role: 'follower', term: 2 }]);
    assert.equal(readHeartbeat(dir, 1)?.released, undefined, 'a deposed leader does not touch the new term');
  });

  it('the leader removes the files of terms below current - 2', async () => {
    const dir = join(tempStorage(), 'leader');
    for (let t = 1; t <= 5; t++) fakeClaim(dir, t, {});
    writeHeartbeat(dir, { ...readHeartbeat(dir, 5)!, released: true });
    const e = await elect(dir, 60_000);
    assert.equal(e.term, 6);
    await sleep(200);
    assert.deepEqual(listTerms(dir), [6, 5, 4]);
    assert.ok(!existsSync(heartbeatPath(dir, 3)));
    assert.ok(existsSync(heartbeatPath(dir, 6)));
  });

  it('occurrence claims: one winner per key, give back, prune by age, unsafe keys refused', () => {
    const dir = join(tempStorage(), 'occurrences');
    const key = occurrenceKey('db-nightly', 1_795_000_000_000);
    assert.equal(claimOccurrence(dir, key, { term: 1 }), true);
    assert.equal(claimOccurrence(dir, key, { term: 2 }), false);
    releaseOccurrence(dir, key);
    assert.equal(claimOccurrence(dir, key), true);
    writeFileSync(join(dir, 'notes.txt'), 'not ours');
    assert.equal(pruneOccurrenceClaims(dir, 60_000, Date.now()), 0);
    assert.equal(pruneOccurrenceClaims(dir, 60_000, Date.now() + 120_000), 1);
    assert.ok(existsSync(join(dir, 'notes.txt')), 'foreign files stay');
    assert.throws(() => claimOccurrence(dir, '../x@1'), /not an occurrence key/);
  });

  it('a follower reads the folder once per tick', async () => {
    const dir = join(tempStorage(), 'leader');
    fakeClaim(dir, 1, {}); // a live leader on another host: this member stays a follower
    const e = await elect(dir, 60_000);
    assert.equal(e.role, 'follower');
    // The transpiled code calls fs functions through the module object, so patching it here sees
    // every call. A follower's tick makes its folder once (mkdirSync), so that counts the ticks.
    const fs = require('node:fs') as Record<string, unknown>;
    const real = { readdirSync: fs.readdirSync as (...a: unknown[]) => unknown, mkdirSync: fs.mkdirSync as (...a: unknown[]) => unknown };
    let reads = 0;
    let ticks = 0;
    fs.readdirSync = (...a: unknown[]) => (String(a[0]) === dir && reads++, real.readdirSync(...a));
    fs.mkdirSync = (...a: unknown[]) => (String(a[0]) === dir && ticks++, real.mkdirSync(...a));
    try {
      while (ticks < 5) await sleep(25);
    } finally {
      Object.assign(fs, real);
    }
    assert.equal(e.role, 'follower');
    assert.equal(reads, ticks, `${reads} listings in ${ticks} ticks`);
  });
});
