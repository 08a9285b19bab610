// Shared by the backup tests: a real TaskContext that records logs and progress, temp folders,
// GNU tar as the judge and a recursive tree hash for "byte-identical" comparisons.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LogLevel, TaskProgress } from '../../../src/shared/model';
import type { TaskContext } from '../../../src/extension/core/ports';

export interface TestContext extends TaskContext {
  logs: { level: LogLevel; text: string }[];
  progressCalls: TaskProgress[];
  abort(): void;
  warnings(): string[];
}

export function makeCtx(opts: { now?: number; onProgress?: (p: TaskProgress, ctx: TestContext) => void } = {}): TestContext {
  const ac = new AbortController();
  const ctx: TestContext = {
    taskId: 1,
    signal: ac.signal,
    clock: { now: () => opts.now ?? Date.now(), monotonic: () => performance.now() },
    logs: [],
    progressCalls: [],
    log(level, text) {
      ctx.logs.push({ level, text });
    },
    progress(p) {
      ctx.progressCalls.push(p);
      opts.onProgress?.(p, ctx);
    },
    abort: () => ac.abort(),
    warnings: () => ctx.logs.filter((l) => l.level === 'warn').map((l) => l.text),
  };
  return ctx;
}

const made: string[] = [];
export function tempDir(prefix = 'bk-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  made.push(d);
  return d;
}
export function cleanupTemp(): void {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** path -> "file:<sha256>" | "dir" | "link:<target>", for every entry below root. */
export function treeDigest(root: string, rel = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of readdirSync(join(root, rel)).sort()) {
    const r = rel ? `${rel}/${name}` : name;
    const p = join(root, r);
    const st = lstatSync(p);
    if (st.isSymbolicLink()) out.set(r, `link:${readlinkSync(p)}`);
    else if (st.isDirectory()) {
      out.set(r, 'dir');
      for (const [k, v] of treeDigest(root, r)) out.set(k, v);
    } else if (st.isFile()) out.set(r, `file:${createHash('sha256').update(readFileSync(p)).digest('hex')}`);
  }
  return out;
}

export function gnuList(archive: string): string[] {
  return execFileSync('tar', ['-tzf', archive], { encoding: 'utf8', maxBuffer: 64 << 20 }).split('\n').filter(Boolean);
}

export function gnuExtract(archive: string, into: string): void {
  execFileSync('tar', ['-xzf', archive, '-C', into]);
}

export function files(dir: string): string[] {
  return readdirSync(dir).sort();
}
