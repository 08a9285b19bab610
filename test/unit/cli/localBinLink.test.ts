import * as assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { linkLauncher, unlinkLauncher } from '../../../src/extension/core/client/localBinLink';

describe('agent install --link: ~/.local/bin/backup-scheduler', () => {
  let home: string;
  const launcher = () => join(home, 'storage', 'bin', 'backup-scheduler');
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'bs-home-'));
    mkdirSync(join(home, 'storage', 'bin'), { recursive: true });
    writeFileSync(launcher(), '#!/bin/sh\n');
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it('links only where ~/.local/bin exists, and never creates it', () => {
    assert.match(String((linkLauncher(launcher(), home) as { skipped: string }).skipped), /does not exist/);
    assert.equal(existsSync(join(home, '.local')), false);
    mkdirSync(join(home, '.local', 'bin'), { recursive: true });
    const r = linkLauncher(launcher(), home);
    assert.deepEqual(r, { linked: join(home, '.local', 'bin', 'backup-scheduler') });
    assert.equal(readlinkSync(join(home, '.local', 'bin', 'backup-scheduler')), launcher());
    // Again (another storage folder, or the same): our link is replaced.
    assert.deepEqual(linkLauncher(launcher(), home), r);
  });

  it('leaves a file of the user alone, and removes only its own link', () => {
    mkdirSync(join(home, '.local', 'bin'), { recursive: true });
    const theirs = join(home, '.local', 'bin', 'backup-scheduler');
    writeFileSync(theirs, 'mine');
    assert.match(String((linkLauncher(launcher(), home) as { skipped: string }).skipped), /not a link made by Backup Scheduler/);
    assert.equal(unlinkLauncher(launcher(), home), undefined);
    assert.ok(lstatSync(theirs).isFile());
    rmSync(theirs);
    linkLauncher(launcher(), home);
    assert.equal(unlinkLauncher(join(home, 'other', 'bin', 'backup-scheduler'), home), undefined);
    assert.equal(unlinkLauncher(launcher(), home), theirs);
    assert.equal(existsSync(theirs), false);
  });
});
