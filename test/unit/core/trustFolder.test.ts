// Trust covers the working folder: a user-settings command that runs inside an untrusted
// workspace folder runs code that folder controls, so it is blocked like a workspace command.
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isInside, trustBlock } from '../../../src/extension/core/environments/lookup';
import type { Environment } from '../../../src/extension/core/environments/types';

const env = (o: Partial<Environment>): Environment =>
  ({ id: 'db', name: 'db', type: 'command', source: undefined, command: 'npm run dump', destination: '/b', schedule: '0 3 * * *', timezone: undefined, enabled: true, exclude: [], useGitignore: true, retention: undefined, missedRun: 'runOnce', timeoutMinutes: undefined, skipIfUnchanged: false, verify: false, origin: 'user', ...o }) as Environment;

describe('trust covers a command\'s working folder', () => {
  let root: string;
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'bs-trust-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('a user command whose source is inside an untrusted folder is blocked, with the folder in the reason', () => {
    const ws = join(root, 'repo');
    const reason = trustBlock(env({ source: join(ws, 'scripts') }), false, [ws]);
    assert.match(reason ?? '', /untrusted workspace folder/);
    assert.ok(reason!.includes(ws));
    assert.equal(trustBlock(env({ source: join(ws, 'scripts') }), true, []), undefined, 'trusted: it runs');
    assert.equal(trustBlock(env({ source: join(root, 'elsewhere') }), false, [ws]), undefined, 'outside the folder: it runs');
    assert.equal(trustBlock(env({ type: 'folder', source: ws }), false, [ws]), undefined, 'archiving a folder runs no code');
  });

  it('no source: the folder it is bound to, else the default working folder, counts', () => {
    const ws = join(root, 'repo');
    assert.ok(trustBlock(env({ folder: ws }), false, [ws]));
    assert.ok(trustBlock(env({}), false, [ws], ws));
    assert.equal(trustBlock(env({}), false, [ws], join(root, 'other')), undefined);
  });

  it('a symbolic link into the folder and a sibling with a common prefix are told apart', () => {
    const ws = join(root, 'repo');
    mkdirSync(join(ws, 'db'), { recursive: true });
    mkdirSync(join(root, 'repo-other'));
    symlinkSync(join(ws, 'db'), join(root, 'link'));
    assert.equal(isInside(join(root, 'link'), ws), true);
    assert.equal(isInside(join(root, 'repo-other'), ws), false);
  });
});
