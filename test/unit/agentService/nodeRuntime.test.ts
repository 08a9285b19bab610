// Which Node runs the agent: the setting, else node on PATH, else VS Code's binary as Node
// (not on Windows); each asked its version for real (these tests run real binaries: this
// machine's node and small scripts standing in for an old node).
import * as assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execRunner } from '../../../src/extension/core/agentService/commandRunner';
import { findOnPath, resolveNode } from '../../../src/extension/core/agentService/nodeRuntime';

describe('agent Node runtime', () => {
  let tmp: string;
  beforeEach(() => (tmp = mkdtempSync(join(tmpdir(), 'noderuntime-'))));
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));

  /** A fake `node` that reports `version` (and whether ELECTRON_RUN_AS_NODE reached it). */
  function fakeNode(dir: string, version: string, needsElectronVar = false): string {
    mkdirSync(dir, { recursive: true });
    const p = join(dir, 'node');
    const check = needsElectronVar ? '[ "$ELECTRON_RUN_AS_NODE" = 1 ] || exit 9\n' : '';
    writeFileSync(p, `#!/bin/sh\n${check}echo ${version}\n`);
    chmodSync(p, 0o755);
    return p;
  }

  it('takes the setting when it is Node 20 or newer', async () => {
    const r = await resolveNode({ setting: process.execPath, platform: 'linux', env: { PATH: '' }, execPath: '/nonexistent', runner: execRunner });
    assert.equal(r.source, 'setting');
    assert.equal(r.path, process.execPath);
    assert.equal(r.version, process.versions.node);
  });

  it('refuses a setting that is too old or not Node, saying why', async () => {
    const old = fakeNode(join(tmp, 'old'), '18.19.0');
    await assert.rejects(resolveNode({ setting: old, platform: 'linux', env: { PATH: '' }, execPath: '/nonexistent', runner: execRunner }), /is Node 18\.19\.0; the agent needs Node 20 or newer/);
    await assert.rejects(resolveNode({ setting: join(tmp, 'missing'), platform: 'linux', env: { PATH: '' }, execPath: '/nonexistent', runner: execRunner }), /nodePath .*missing: could not run it/);
    await assert.rejects(resolveNode({ setting: 'node', platform: 'linux', env: { PATH: '' }, execPath: '/nonexistent', runner: execRunner }), /must be an absolute path/);
  });

  it('takes node from PATH, skipping to VS Code\'s runtime when that node is too old', async () => {
    const good = fakeNode(join(tmp, 'good'), '22.1.0');
    const r = await resolveNode({ platform: 'linux', env: { PATH: `${join(tmp, 'none')}:${join(tmp, 'good')}` }, execPath: '/nonexistent', runner: execRunner });
    assert.deepEqual(r, { path: good, electron: false, version: '22.1.0', source: 'path' });

    fakeNode(join(tmp, 'old'), '16.0.0');
    const electron = fakeNode(join(tmp, 'vscode'), '20.18.1', true);
    const v = await resolveNode({ platform: 'linux', env: { PATH: join(tmp, 'old') }, execPath: electron, runner: execRunner });
    assert.deepEqual(v, { path: electron, electron: true, version: '20.18.1', source: 'vscode' });
  });

  it('on Windows never falls back to VS Code\'s binary, and says what it tried', async () => {
    const electron = fakeNode(join(tmp, 'vscode'), '20.18.1', true);
    await assert.rejects(resolveNode({ platform: 'win32', env: { PATH: '' }, execPath: electron, runner: execRunner }), /no Node 20 or newer to run the agent \(no node on PATH\)\. Install Node 20\+ or set backupScheduler\.agent\.nodePath/);
  });

  it('finds a program on PATH only where it is an executable file', () => {
    mkdirSync(join(tmp, 'a', 'node'), { recursive: true }); // a folder named node
    writeFileSync(join(tmp, 'b-node'), '');
    mkdirSync(join(tmp, 'b'));
    writeFileSync(join(tmp, 'b', 'node'), 'not executable');
    const c = fakeNode(join(tmp, 'c'), '20.0.0');
    assert.equal(findOnPath('node', { PATH: [join(tmp, 'a'), join(tmp, 'b'), join(tmp, 'c')].join(':') }, 'linux'), c);
    assert.equal(findOnPath('node', { PATH: join(tmp, 'a') }, 'linux'), undefined);
  });
});
