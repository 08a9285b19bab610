// Shared by the restic tests: the real restic binary against temporary repositories, a secret
// store kept in memory (the only fake: SecretStorage belongs to VS Code), and an rclone REST
// server on loopback for a real remote repository.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect, createServer } from 'node:net';
import { dirname, join } from 'node:path';
import type { Environment } from '../../../src/extension/core/environments/types';
import type { EngineDeps, SecretSource } from '../../../src/extension/core/engines/types';
import { passwordKey, ResticEngine } from '../../../src/extension/core/engines/restic';
import { silentLogger } from '../../../src/extension/core/ports';
import { makeCtx, tempDir } from '../archive/helpers';

export const PASSWORD = 'correct horse battery staple';

export class MemorySecrets implements SecretSource {
  readonly map = new Map<string, string>();
  async get(name: string): Promise<string | undefined> {
    return this.map.get(name);
  }
}

export function deps(secrets: SecretSource, resticPath?: string): EngineDeps {
  return { clock: { now: () => Date.now(), monotonic: () => performance.now() }, logger: silentLogger, secrets, defaultCwd: undefined, settings: { resticPath } };
}

export function resticEnv(over: Partial<Environment> & { id: string; repository: string }): Environment {
  return {
    name: over.id,
    type: 'folder',
    source: undefined,
    command: undefined,
    destination: over.repository,
    schedule: '0 3 * * *',
    timezone: undefined,
    enabled: true,
    exclude: [],
    useGitignore: true,
    retention: undefined,
    missedRun: 'runOnce',
    timeoutMinutes: undefined,
    skipIfUnchanged: false,
    verify: false,
    origin: 'user',
    engine: 'restic',
    ...over,
  };
}

/** An engine whose secret store knows PASSWORD for `repository`. */
export function engineFor(repository: string, extra?: (s: MemorySecrets) => void, resticPath?: string): { engine: ResticEngine; secrets: MemorySecrets } {
  const secrets = new MemorySecrets();
  secrets.map.set(passwordKey(repository), PASSWORD);
  extra?.(secrets);
  return { engine: new ResticEngine(deps(secrets, resticPath)), secrets };
}

/** A new, initialized local repository (through the engine's own init). */
export async function newRepository(): Promise<{ repository: string; engine: ResticEngine; secrets: MemorySecrets }> {
  const repository = join(tempDir('restic-repo-'), 'repo');
  const { engine, secrets } = engineFor(repository);
  await engine.init(makeCtx(), resticEnv({ id: 'init', repository }));
  return { repository, engine, secrets };
}

/** Bare restic, for looking at a repository from outside the engine. */
export function restic(repository: string, args: string[], password = PASSWORD): string {
  return execFileSync('restic', args, { env: { ...process.env, RESTIC_REPOSITORY: repository, RESTIC_PASSWORD: password }, encoding: 'utf8', maxBuffer: 64 << 20 });
}

export interface SnapshotInfo {
  id: string;
  tags?: string[];
  paths: string[];
  time: string;
}

export function snapshots(repository: string, ...args: string[]): SnapshotInfo[] {
  return JSON.parse(restic(repository, ['snapshots', '--json', ...args])) as SnapshotInfo[];
}

export function writeTree(root: string, files: Record<string, string | Buffer>): void {
  for (const [rel, content] of Object.entries(files)) {
    const p = join(root, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, content);
  }
}

/** Bytes of pseudo-random, incompressible data (deterministic per seed). */
export function noise(bytes: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(bytes);
  let a = seed >>> 0;
  for (let i = 0; i < bytes; i += 4) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    b.writeUInt32LE((t ^ (t >>> 14)) >>> 0, Math.min(i, bytes - 4));
  }
  return b;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** `rclone serve restic` on loopback: restic's REST protocol, a real remote backend. */
export async function startRestServer(extraArgs: string[] = []): Promise<{ url: string; port: number; dir: string; stop(): Promise<void> }> {
  const dir = tempDir('rclone-rest-');
  const port = await freePort();
  const child: ChildProcess = spawn('rclone', ['serve', 'restic', dir, '--addr', `127.0.0.1:${port}`, ...extraArgs], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((r) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), r(true)));
      s.once('error', () => r(false));
    });
    if (up) break;
    if (child.exitCode !== null) throw new Error(`rclone serve restic exited: ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url: `rest:http://127.0.0.1:${port}/`,
    port,
    dir,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * Gives each test of the calling suite its own TMPDIR (os.tmpdir() reads it on every call), so
 * a check for the engine's leftover temporary folders sees only this test's: the machine's /tmp
 * is shared with other runs, whose folders come and go at any moment. Call inside `describe`.
 */
export function usePrivateTmpdir(): () => string {
  let dir: string | undefined;
  let saved: string | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'bs-restic-tmpdir-'));
    saved = process.env.TMPDIR;
    process.env.TMPDIR = dir;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
    rmSync(dir!, { recursive: true, force: true });
  });
  return () => dir!;
}
