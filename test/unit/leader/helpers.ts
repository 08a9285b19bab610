// Spawns member processes (fixtures/member.js) and collects their JSON-line reports, so a test
// can wait for "someone leads term 3" instead of sleeping and hoping.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MemberConfig } from './fixtures/member';


export interface Report {
  ev: string;
  pid: number;
  t: number;
  role?: 'leader' | 'follower';
  term?: number;
  [key: string]: unknown;
}

export interface Member {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly reports: Report[];
  readonly exited: Promise<number | null>;
  /** The member's latest role report. */
  role(): Report | undefined;
  waitFor(pred: (r: Report) => boolean, timeoutMs: number, what: string): Promise<Report>;
}

const members = new Set<Member>();
const dirs: string[] = [];

export function tempStorage(): string {
  const d = mkdtempSync(join(tmpdir(), 'bs-leader-'));
  dirs.push(d);
  return d;
}

export function spawnMember(config: MemberConfig): Member {
  return spawnFixture('member', config);
}

/** Runs `fixtures/<name>.js` with `config` as JSON in argv[2]; it reports JSON lines on stdout. */
export function spawnFixture(name: string, config: unknown): Member {
  const child = spawn(process.execPath, [join(__dirname, 'fixtures', `${name}.js`), JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const reports: Report[] = [];
  const waiters = new Set<() => void>();
  let buf = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    buf += chunk;
    const lines = buf.split('\n');
    buf = lines.pop()!;
    for (const line of lines) reports.push(JSON.parse(line) as Report);
    for (const w of [...waiters]) w();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const m: Member = {
    child,
    pid: child.pid!,
    reports,
    exited,
    role: () => reports.filter((r) => r.ev === 'role').at(-1),
    waitFor(pred, timeoutMs, what) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const hit = reports.find(pred);
          if (hit) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(hit);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          const state = `exit code ${child.exitCode}, signal ${child.signalCode}`;
          reject(new Error(`member ${m.pid} (${state}): no ${what} within ${timeoutMs} ms; reports: ${JSON.stringify(reports.slice(-8))}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
  members.add(m);
  void exited.then(() => members.delete(m));
  return m;
}

/** Resolves with the first of `ms` who reports the role `leader` (after `since`, epoch ms). */
export function firstLeader(ms: Member[], timeoutMs: number, since = 0): Promise<{ member: Member; report: Report }> {
  return Promise.any(
    ms.map((member) =>
      member.waitFor((r) => r.ev === 'role' && r.role === 'leader' && r.t >= since, timeoutMs, 'leader role').then((report) => ({ member, report })),
    ),
  ).catch(() => {
    throw new Error(`no leader within ${timeoutMs} ms`);
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** SIGKILLs whatever is still running (a SIGSTOPped one gets SIGCONT first) and removes the temp folders. */
export async function cleanUp(): Promise<void> {
  for (const m of members) {
    m.child.kill('SIGCONT');
    m.child.kill('SIGKILL');
  }
  await Promise.all([...members].map((m) => m.exited));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}
