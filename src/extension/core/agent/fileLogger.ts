// The agent's Logger: lines appended to `<storage>/agent/agent.log`. The agent runs for months
// with nobody reading the file, so it is capped: past maxBytes the file becomes `agent.log.1`
// (replacing the previous one) and a new one starts; at most twice maxBytes stay on disk.
// Appends are synchronous: a few lines a minute, and a line must be on disk before a crash.
import { appendFileSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from '../ports';

export interface FileLoggerOptions {
  path: string;
  /** Default 1 MiB. */
  maxBytes?: number;
  /** Lines below this level are dropped (default 'info'). */
  level?: 'debug' | 'info';
  /** Also written here (the agent in the foreground writes to stderr too). */
  echo?: (line: string) => void;
  now?: () => number;
}

export function fileLogger(o: FileLoggerOptions): Logger & { readonly path: string } {
  const maxBytes = o.maxBytes ?? 1024 * 1024;
  const now = o.now ?? Date.now;
  let size = -1;
  let failed = false;
  const write = (level: string, message: string) => {
    const line = `${new Date(now()).toISOString()} [${level}] ${message}\n`;
    o.echo?.(line);
    try {
      if (size < 0) {
        mkdirSync(dirname(o.path), { recursive: true, mode: 0o700 });
        try {
          size = statSync(o.path).size;
        } catch {
          size = 0;
        }
      }
      if (size > 0 && size + line.length > maxBytes) {
        renameSync(o.path, `${o.path}.1`);
        size = 0;
      }
      appendFileSync(o.path, line, { mode: 0o600 });
      size += Buffer.byteLength(line);
      failed = false;
    } catch (e) {
      // A full or read-only disk must not stop the backups; say it once on stderr.
      if (!failed) process.stderr.write(`backup-scheduler agent: cannot write ${o.path}: ${(e as Error).message}\n`);
      failed = true;
      size = -1;
    }
  };
  return {
    path: o.path,
    debug: (m) => (o.level === 'debug' ? write('debug', m) : undefined),
    info: (m) => write('info', m),
    warn: (m) => write('warn', m),
    error: (m) => write('error', m),
  };
}
