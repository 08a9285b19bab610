// scripts/prestep.mjs (the `prestart` / `pretest` hook): decides from the files on disk whether
// `npm ci` is needed, never replaces a linked (shared) node_modules, and names missing system
// packages when it may not install them. Run as a real process in --dry-run mode on temp folders.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const script = resolve(__dirname, '../../../../scripts/prestep.mjs');

function prestep(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [script, ...args], { encoding: 'utf8', env: { ...process.env, BACKUP_SCHEDULER_SKIP_PRESTEP: '', ...env } });
  return { status: r.status, out: r.stdout + r.stderr };
}

function writeJson(path: string, value: unknown) {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, JSON.stringify(value));
}

describe('prestep (npm start / npm test on a fresh clone)', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'prestep-'));
    writeJson(join(root, 'package-lock.json'), {
      lockfileVersion: 3,
      packages: {
        '': { name: 'x' },
        'node_modules/a': { version: '1.0.0' },
        'node_modules/a/node_modules/b': { version: '2.0.0', dev: true },
        'node_modules/@esbuild/other-os': { version: '0.25.0', optional: true },
      },
    });
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const npmStep = ['test', '--dry-run', '--steps', 'npm', '--root'];

  it('runs npm ci when node_modules is absent', () => {
    const r = prestep([...npmStep, root]);
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /node_modules is missing/);
    assert.match(r.out, /would run: npm ci/);
  });

  it('does nothing when every locked package is installed at its locked version (a missing optional one is fine)', () => {
    writeJson(join(root, 'node_modules/a/package.json'), { version: '1.0.0' });
    writeJson(join(root, 'node_modules/a/node_modules/b/package.json'), { version: '2.0.0' });
    const r = prestep([...npmStep, root]);
    assert.equal(r.status, 0, r.out);
    assert.equal(r.out, '');
  });

  it('runs npm ci when a nested package differs from package-lock.json', () => {
    writeJson(join(root, 'node_modules/a/package.json'), { version: '1.0.0' });
    writeJson(join(root, 'node_modules/a/node_modules/b/package.json'), { version: '2.1.0' });
    const r = prestep([...npmStep, root]);
    assert.match(r.out, /node_modules\/a\/node_modules\/b is 2\.1\.0, package-lock\.json wants 2\.0\.0/);
    assert.match(r.out, /would run: npm ci/);
  });

  it('leaves a linked (shared) node_modules alone even when it is out of date', () => {
    const shared = mkdtempSync(join(tmpdir(), 'prestep-shared-'));
    try {
      symlinkSync(shared, join(root, 'node_modules'));
      const r = prestep([...npmStep, root]);
      assert.equal(r.status, 0, r.out);
      assert.match(r.out, /link to a shared install and out of date \(node_modules\/a is missing\)/);
      assert.doesNotMatch(r.out, /npm ci --no-audit/);
    } finally {
      rmSync(shared, { recursive: true, force: true });
    }
  });

  it('names missing system packages in one line and fails when it may not install them', () => {
    const r = prestep(['test', '--steps', 'packages', '--packages', 'no-such-package-xyz', '--root', root], { BACKUP_SCHEDULER_PRESTEP_NO_INSTALL: '1' });
    assert.equal(r.status, 1);
    const lines = r.out.trim().split('\n');
    assert.equal(lines.length, 1, r.out);
    assert.match(lines[0], /^prestep: missing system packages for npm test: no-such-package-xyz\. Run: .*no-such-package-xyz/);
  });

  it('is silent when the system packages are present', () => {
    // sqlite3 is both a Debian package and a program, so this holds with and without dpkg.
    const r = prestep(['test', '--steps', 'packages', '--packages', 'sqlite3', '--root', root], { BACKUP_SCHEDULER_PRESTEP_NO_INSTALL: '1' });
    assert.equal(r.status, 0, r.out);
    assert.equal(r.out, '');
  });
});
