// The integration launcher must fail loudly rather than pass quietly: no test run, a host that
// cannot start, and a run past its time limit each end with a non-zero exit code and a reason.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../host/paths';

function runLauncher(env: Record<string, string>): { status: number | null; output: string } {
  const r = spawnSync(process.execPath, [join(repoRoot, 'out/test/host/runIntegration.js')], {
    env: { ...process.env, ...env }, encoding: 'utf8', timeout: 180_000,
  });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe('integration launcher', () => {
  it('fails when no test ran', () => {
    const r = runLauncher({ BACKUP_SCHEDULER_TEST_GREP: 'no test has this title' });
    assert.equal(r.status, 1, r.output);
    assert.match(r.output, /integration: FAILED.*no test ran/);
  });

  it('fails when the host cannot start', () => {
    const r = runLauncher({ BACKUP_SCHEDULER_TEST_HOST_DIR: join(repoRoot, 'no-such-test-host') });
    assert.equal(r.status, 1, r.output);
    assert.match(r.output, /integration: FAILED.*test host is not installed/);
  });

  it('fails after its time limit instead of hanging', () => {
    const r = runLauncher({ BACKUP_SCHEDULER_TEST_TIMEOUT_S: '2' });
    assert.equal(r.status, 1, r.output);
    assert.match(r.output, /integration: FAILED.*time limit of 2 s reached/);
  });

  it('fails with a reason when the test-electron host cannot start', () => {
    const r = runLauncher({ BACKUP_SCHEDULER_TEST_HOST: 'electron', VSCODE_EXECUTABLE_PATH: join(repoRoot, 'no-such-vscode'), BACKUP_SCHEDULER_TEST_TIMEOUT_S: '60' });
    assert.equal(r.status, 1, r.output);
    assert.match(r.output, /integration: FAILED.*@vscode\/test-electron failed/);
  });
});
