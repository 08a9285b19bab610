// The restic fields of an environment entry: defaults, validation and expansion.
import * as assert from 'node:assert/strict';
import { trustBlock } from '../../../src/extension/core/environments/lookup';
import { parseEnvironments } from '../../../src/extension/core/environments/parse';
import type { Environment } from '../../../src/extension/core/environments/types';

const ctx = { workspaceFolder: '/work/proj', home: '/home/u', env: { REPO_HOST: 'backup.example', EMPTY: '' } };
const base = { id: 'web', type: 'folder', source: '/work/proj', schedule: '0 3 * * *' };

function one(entry: Record<string, unknown>): Environment {
  const [e] = parseEnvironments([{ ...base, ...entry }], ctx);
  if (!e.valid) assert.fail(`invalid: ${e.errors.join('; ')}`);
  return e.environment;
}

function errors(entry: Record<string, unknown>): string[] {
  const [e] = parseEnvironments([{ ...base, ...entry }], ctx);
  assert.equal(e.valid, false, 'expected the entry to be invalid');
  return e.valid ? [] : e.errors;
}

describe('environment settings: restic fields', () => {
  it('engine defaults to archive, which needs a destination and takes no restic fields', () => {
    assert.equal(one({ destination: '/backups' }).engine, 'archive');
    assert.ok(errors({}).some((e) => /"destination" is required/.test(e)));
    assert.ok(errors({ destination: '/b', repository: '/r', verifyDataSubset: '5%' }).some((e) => /"repository", "verifyDataSubset" are only used by the restic engine/.test(e)));
    assert.ok(errors({ destination: '/b', engine: 'borg' }).some((e) => /"engine" must be "archive" or "restic"/.test(e)));
  });

  it('restic needs a repository, not a destination; local paths expand, backend strings keep their slashes', () => {
    const local = one({ engine: 'restic', repository: '~/restic-repo' });
    assert.equal(local.repository, '/home/u/restic-repo');
    assert.equal(local.destination, '/home/u/restic-repo');
    assert.equal(one({ engine: 'restic', repository: '${workspaceFolder}/../repo' }).repository, '/work/repo');
    assert.equal(one({ engine: 'restic', repository: 'rest:http://${env:REPO_HOST}:8000//r1' }).repository, 'rest:http://backup.example:8000//r1');
    assert.equal(one({ engine: 'restic', repository: 'sftp:u@host:/srv/restic' }).repository, 'sftp:u@host:/srv/restic');
    assert.ok(errors({ engine: 'restic' }).some((e) => /"repository" is required for the restic engine/.test(e)));
    assert.ok(errors({ engine: 'restic', repository: 'relative/repo' }).some((e) => /"repository" must be an absolute folder/.test(e)));
    assert.ok(errors({ engine: 'restic', repository: 's3:${env:EMPTY}/x' }).some((e) => /environment variable EMPTY is not set/.test(e)));
  });

  it('a local repository inside the source is allowed (the engine leaves it out of the backup)', () => {
    assert.equal(one({ engine: 'restic', repository: '/work/proj/.restic' }).repository, '/work/proj/.restic');
  });

  it('password sources: passwordFile (expanded) or passwordCommand, not both', () => {
    assert.equal(one({ engine: 'restic', repository: '/r', passwordFile: '~/.restic-pw' }).passwordFile, '/home/u/.restic-pw');
    assert.equal(one({ engine: 'restic', repository: '/r', passwordCommand: 'pass show restic' }).passwordCommand, 'pass show restic');
    assert.ok(errors({ engine: 'restic', repository: '/r', passwordFile: '/a', passwordCommand: 'b' }).some((e) => /either "passwordFile" or "passwordCommand"/.test(e)));
  });

  it('backendEnv: an object of strings with valid names; ${secret:NAME} and ${env:VAR} stay for the task to resolve', () => {
    const env = one({ engine: 'restic', repository: 's3:s3.amazonaws.com/b', backendEnv: { AWS_ACCESS_KEY_ID: 'AKIA1', AWS_SECRET_ACCESS_KEY: '${secret:aws}', X: 'pre-${env:HOME}' } });
    assert.deepEqual(env.backendEnv, { AWS_ACCESS_KEY_ID: 'AKIA1', AWS_SECRET_ACCESS_KEY: '${secret:aws}', X: 'pre-${env:HOME}' });
    assert.ok(errors({ engine: 'restic', repository: '/r', backendEnv: ['A=1'] }).some((e) => /"backendEnv" must be an object/.test(e)));
    assert.ok(errors({ engine: 'restic', repository: '/r', backendEnv: { 'BAD-NAME': 'x' } }).some((e) => /backendEnv.BAD-NAME.*not a valid/.test(e)));
    assert.ok(errors({ engine: 'restic', repository: '/r', backendEnv: { A: 3 } }).some((e) => /"backendEnv.A" must be a string/.test(e)));
    assert.ok(errors({ engine: 'restic', repository: '/r', backendEnv: { A: '${foo}' } }).some((e) => /\$\{foo\} is not known/.test(e)));
  });

  it('verifyDataSubset: a percentage or n/t', () => {
    assert.equal(one({ engine: 'restic', repository: '/r', verifyDataSubset: '5%' }).verifyDataSubset, '5%');
    assert.equal(one({ engine: 'restic', repository: '/r', verifyDataSubset: '2.5%' }).verifyDataSubset, '2.5%');
    assert.equal(one({ engine: 'restic', repository: '/r', verifyDataSubset: '1/10' }).verifyDataSubset, '1/10');
    for (const bad of ['0%', '120%', '11/10', '0/3', 'half', '5']) {
      assert.ok(errors({ engine: 'restic', repository: '/r', verifyDataSubset: bad }).some((e) => /verifyDataSubset/.test(e)), bad);
    }
  });

  it('a restic environment from workspace settings is blocked in an untrusted workspace, like a command', () => {
    const [e] = parseEnvironments([{ ...base, engine: 'restic', repository: '/r', passwordCommand: 'curl evil' }], { ...ctx, workspaceIds: new Set(['web']) });
    assert.ok(e.valid);
    const env = e.environment;
    assert.match(trustBlock(env, false)!, /restic environment from workspace settings runs only in a trusted workspace/);
    assert.equal(trustBlock(env, true), undefined);
    assert.equal(trustBlock({ ...env, origin: 'user' }, false), undefined);
    assert.equal(trustBlock({ ...env, engine: 'archive' }, false), undefined);
  });
});
