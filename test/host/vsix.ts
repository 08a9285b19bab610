// One packaged .vsix per test process: `vsce package` runs the production build and takes a while
// on 2 cores, and every UI test that installs the extension wants the same file.
// BACKUP_SCHEDULER_VSIX names a ready .vsix to test instead of packaging one.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './paths';

let packaged: string | undefined;

export function packagedVsix(): string {
  if (process.env.BACKUP_SCHEDULER_VSIX) return process.env.BACKUP_SCHEDULER_VSIX;
  if (packaged && existsSync(packaged)) return packaged;
  const dir = mkdtempSync(join(tmpdir(), 'backup-scheduler-vsix-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const out = join(dir, 'backup-scheduler.vsix');
  // The same flags as `npm run package`; vsce runs vscode:prepublish (the production build).
  execFileSync(join(repoRoot, 'node_modules/.bin/vsce'), ['package', '--no-dependencies', '--out', out], { cwd: repoRoot, stdio: 'pipe' });
  packaged = out;
  return out;
}
