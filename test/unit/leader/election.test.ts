// Leader election with real processes on one folder: one leader at a time, takeover after a
// clean exit (< 10 s) and after SIGKILL (< 30 s), and a paused leader that wakes up after being
// replaced steps down before it acts again. The bounds are the spec's, not performance guesses.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { listTerms, readHeartbeat } from '../../../src/extension/core/leader/terms';
import { cleanUp, firstLeader, sleep, spawnMember, tempStorage, type Member } from './helpers';

/** The role a member had at time t according to its own reports. */
function roleAt(m: Member, t: number): string | undefined {
  return m.reports.filter((r) => r.ev === 'role' && r.t <= t).at(-1)?.role;
}

async function stopAll(ms: Member[]): Promise<void> {
  for (const m of ms) m.child.kill('SIGTERM');
  await Promise.all(ms.map((m) => m.exited));
}

describe('leader election: several processes on one folder', function () {
  this.timeout(45_000);
  afterEach(cleanUp);

  it('three members: exactly one leader at every sampled moment, and no spurious takeover', async () => {
    const storage = tempStorage();
    // Fast beats (25 per staleMs) make a mistake in staleness show up within the window.
    const ms = [0, 1, 2].map(() => spawnMember({ storage, heartbeatMs: 100, checkMs: 50, staleMs: 2500 }));
    await Promise.all(ms.map((m) => m.waitFor((r) => r.ev === 'role', 10_000, 'first role')));
    const start = Math.max(...ms.map((m) => m.role()!.t));
    await sleep(4000); // longer than staleMs, so a follower that missed the beats would take over
    const end = Date.now();
    for (let t = start; t <= end; t += 10) {
      const leaders = ms.filter((m) => roleAt(m, t) === 'leader');
      assert.equal(leaders.length, 1, `leaders at ${t}: ${leaders.map((m) => m.pid).join(', ') || 'none'}`);
    }
    assert.deepEqual(listTerms(join(storage, 'leader')), [1], 'a healthy leader was never replaced');
    const leader = ms.find((m) => m.role()!.role === 'leader')!;
    assert.equal(readHeartbeat(join(storage, 'leader'), 1)?.pid, leader.pid);
    for (const m of ms) assert.equal(m.role()!.term, 1);
    await stopAll(ms);
  });

  for (const how of ['SIGTERM', 'SIGKILL'] as const) {
    const bound = how === 'SIGTERM' ? 10_000 : 30_000;
    it(`${how} of the leader: another member leads within ${bound / 1000} s and the rest agree on it`, async () => {
      const storage = tempStorage();
      const ms = [0, 1, 2].map(() => spawnMember({ storage })); // production timings
      const { member: old, report: oldRole } = await firstLeader(ms, 10_000);
      await Promise.all(ms.map((m) => m.waitFor((r) => r.ev === 'role' && r.term === oldRole.term, 10_000, 'first role')));
      const rest = ms.filter((m) => m !== old);
      const t0 = Date.now();
      old.child.kill(how);
      const { member: next, report } = await firstLeader(rest, bound, t0);
      const took = report.t - t0;
      console.log(`      takeover after ${how}: ${took} ms`);
      assert.ok(took < bound, `took ${took} ms`);
      assert.ok(report.term! > oldRole.term!);
      const other = rest.find((m) => m !== next)!;
      await other.waitFor((r) => r.ev === 'leader' && r.term === report.term, 5000, `leader term ${report.term}`);
      // One owner per term (O_EXCL), so agreeing on the term is agreeing on the leader.
      assert.equal(readHeartbeat(join(storage, 'leader'), report.term!)?.pid, next.pid);
      assert.equal(other.role()!.role, 'follower');
      assert.equal(await old.exited, how === 'SIGTERM' ? 0 : null);
      const released = readHeartbeat(join(storage, 'leader'), oldRole.term!)?.released === true;
      assert.equal(released, how === 'SIGTERM', `only a clean exit releases its term; old leader said ${JSON.stringify(old.reports)}`);
      await stopAll(rest);
    });
  }

  it('a paused leader (SIGSTOP) is replaced, and after SIGCONT steps down without acting again', async () => {
    const storage = tempStorage();
    const actFile = join(storage, 'acts.log');
    const ms = [0, 1].map(() => spawnMember({ storage, heartbeatMs: 200, checkMs: 100, staleMs: 1500, actFile, actMs: 20 }));
    const { member: old, report: oldRole } = await firstLeader(ms, 10_000);
    await sleep(300);
    const [next] = ms.filter((m) => m !== old);
    const tStop = Date.now();
    old.child.kill('SIGSTOP');
    const { report: newRole } = await firstLeader([next], 15_000, tStop); // only the heartbeat can tell: the pid is alive
    await sleep(300);
    const tCont = Date.now();
    old.child.kill('SIGCONT');
    const down = await old.waitFor((r) => r.ev === 'role' && r.t >= tCont, 5000, 'role after SIGCONT');
    assert.deepEqual([down.role, down.term], ['follower', newRole.term]);
    await sleep(300);
    await stopAll(ms);

    // acts.log is appended with O_APPEND, so its order is the true global order of acts.
    const acts = readFileSync(actFile, 'utf8').trim().split('\n').map((l) => l.split(' ').map(Number));
    const terms = acts.map(([term]) => term);
    assert.ok(terms.includes(oldRole.term!) && terms.includes(newRole.term!), 'both leaders acted');
    for (let i = 1; i < acts.length; i++) {
      assert.ok(acts[i][0] >= acts[i - 1][0], `an older term acted after a newer one, at line ${i + 1}`);
    }
    for (const [term, pid] of acts) assert.equal(pid, term === oldRole.term ? old.pid : next.pid);
  });
});
