import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultStorage, recordStorage, stateDir } from '../../../src/extension/core/client/storageRecord';

describe('the recorded storage folder (command line default)', () => {
  let state: string;
  const saved = { XDG_STATE_HOME: process.env.XDG_STATE_HOME, BACKUP_SCHEDULER_STATE_DIR: process.env.BACKUP_SCHEDULER_STATE_DIR };
  beforeEach(() => {
    state = mkdtempSync(join(tmpdir(), 'bs-state-'));
    // Where the user's record would go, pointed into the temp folder for this test.
    process.env.XDG_STATE_HOME = state;
    delete process.env.BACKUP_SCHEDULER_STATE_DIR;
  });
  afterEach(() => {
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
    else process.env[k] = v;
    rmSync(state, { recursive: true, force: true });
  });

  it('records a real storage folder in $XDG_STATE_HOME/backup-scheduler, and reads it back', () => {
    assert.equal(stateDir(process.env, 'linux'), join(state, 'backup-scheduler'));
    assert.equal(recordStorage('window', '/home/u/.config/Code/User/globalStorage/backup-scheduler.backup-scheduler'), true);
    assert.equal(JSON.parse(readFileSync(join(state, 'backup-scheduler', 'window.json'), 'utf8')).storageDir, '/home/u/.config/Code/User/globalStorage/backup-scheduler.backup-scheduler');
    assert.equal(defaultStorage(join(state, 'backup-scheduler')), '/home/u/.config/Code/User/globalStorage/backup-scheduler.backup-scheduler');
  });

  it('does not record a folder in the temp folder (a test host\'s) unless a state folder is given', () => {
    assert.equal(recordStorage('agent', join(tmpdir(), 'host-x', 'globalStorage')), false);
    assert.equal(existsSync(join(state, 'backup-scheduler')), false);
    assert.equal(recordStorage('agent', join(tmpdir(), 'host-x', 'globalStorage'), join(state, 'given')), true);
    assert.ok(existsSync(join(state, 'given', 'agent.json')));
  });
});
