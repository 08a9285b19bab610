import * as assert from 'node:assert/strict';
import { parseEnvironments } from '../../../src/extension/core/environments/parse';
import type { Environment, EnvironmentEntry } from '../../../src/extension/core/environments/types';

const ctx = { workspaceFolder: '/ws', home: '/home/u', env: { DUMPS: '/var/dumps' } };
const base = { id: 'docs', name: 'Docs', type: 'folder', source: '${workspaceFolder}/docs', destination: '~/backups', schedule: '0 2 * * *' };

function valid(e: EnvironmentEntry): Environment {
  assert.ok(e.valid, `expected valid, got ${JSON.stringify(e)}`);
  return e.environment;
}
function errors(e: EnvironmentEntry): string[] {
  assert.ok(!e.valid, 'expected an invalid entry');
  return e.errors;
}

describe('environments', () => {
  it('parses a folder environment with defaults and expanded paths', () => {
    const env = valid(parseEnvironments([base], ctx)[0]);
    assert.equal(env.source, '/ws/docs');
    assert.equal(env.destination, '/home/u/backups');
    assert.equal(env.enabled, true);
    assert.equal(env.useGitignore, true);
    assert.equal(env.missedRun, 'runOnce');
    assert.equal(env.skipIfUnchanged, false);
    assert.deepEqual(env.exclude, []);
    assert.equal(env.origin, 'user');
  });

  it('expands ${env:VAR} and reports an unset one', () => {
    const ok = valid(parseEnvironments([{ ...base, destination: '${env:DUMPS}/x' }], ctx)[0]);
    assert.equal(ok.destination, '/var/dumps/x');
    const bad = errors(parseEnvironments([{ ...base, destination: '${env:NOPE}/x' }], ctx)[0]);
    assert.match(bad.join(), /NOPE is not set/);
  });

  it('reports a bad cron with the reason, and an unknown time zone', () => {
    const e = errors(parseEnvironments([{ ...base, schedule: 'every now and then', timezone: 'Mars/Olympus' }], ctx)[0]);
    assert.equal(e.length, 2);
    assert.match(e[0], /"every now and then" has 4 fields/);
    assert.match(e[1], /unknown time zone "Mars\/Olympus"/);
    assert.match(errors(parseEnvironments([{ ...base, schedule: '61 * * * *' }], ctx)[0]).join(), /got value 61 expected range 0-59/);
  });

  it('accepts 6-field cron and IANA zones', () => {
    const env = valid(parseEnvironments([{ ...base, schedule: '*/10 * * * * *', timezone: 'Europe/Berlin' }], ctx)[0]);
    assert.equal(env.timezone, 'Europe/Berlin');
  });

  it('collects every missing field of one entry', () => {
    const e = errors(parseEnvironments([{ name: 'x' }], ctx)[0]);
    assert.deepEqual(e, ['"id" is required', '"type" is required', '"destination" is required', '"schedule" is required']);
  });

  it('requires a source for folders and a command for commands', () => {
    assert.match(errors(parseEnvironments([{ ...base, source: undefined }], { ...ctx, workspaceFolder: undefined })[0]).join(), /"source" is required/);
    assert.match(errors(parseEnvironments([{ ...base, type: 'command' }], ctx)[0]).join(), /"command" is required/);
  });

  it('rejects a bad id and a destination inside the source', () => {
    assert.match(errors(parseEnvironments([{ ...base, id: 'My Docs' }], ctx)[0]).join(), /"id" must use only/);
    assert.match(errors(parseEnvironments([{ ...base, destination: '/ws/docs/bk' }], ctx)[0]).join(), /inside "source"/);
  });

  it('marks a duplicate id invalid and keeps the first; one broken entry leaves the rest valid', () => {
    const entries = parseEnvironments([base, { ...base, name: 'Again' }, { ...base, id: 'other', schedule: 'nope' }, { ...base, id: 'third' }], ctx);
    assert.equal(entries[0].valid, true);
    assert.match(errors(entries[1]).join(), /duplicate id "docs": entry 1 already uses it/);
    assert.equal(entries[2].valid, false);
    assert.equal(valid(entries[3]).id, 'third');
  });

  it('validates retention and type fields', () => {
    const e = errors(parseEnvironments([{ ...base, retention: { keepLast: -1, keepYearly: 2 }, missedRun: 'burst', enabled: 'yes' }], ctx)[0]);
    assert.ok(e.some((x) => /keepLast" must be a whole number/.test(x)));
    assert.ok(e.some((x) => /keepYearly" is not known/.test(x)));
    assert.ok(e.some((x) => /missedRun/.test(x)));
    assert.ok(e.some((x) => /"enabled" must be true or false/.test(x)));
  });

  it('takes an http(s) healthcheckUrl and rejects other schemes and non-URLs', () => {
    assert.equal(valid(parseEnvironments([{ ...base, healthcheckUrl: 'https://hc-ping.com/5f1c' }], ctx)[0]).healthcheckUrl, 'https://hc-ping.com/5f1c');
    assert.equal(valid(parseEnvironments([base], ctx)[0]).healthcheckUrl, undefined);
    assert.match(errors(parseEnvironments([{ ...base, healthcheckUrl: 'file:///etc/passwd' }], ctx)[0]).join(), /"healthcheckUrl" must start with http:\/\/ or https:\/\//);
    assert.match(errors(parseEnvironments([{ ...base, healthcheckUrl: 'hc-ping.com/5f1c' }], ctx)[0]).join(), /"healthcheckUrl" is not a valid URL/);
    assert.match(errors(parseEnvironments([{ ...base, healthcheckUrl: 42 }], ctx)[0]).join(), /"healthcheckUrl" must be a string/);
  });

  it('marks workspace-defined entries by origin', () => {
    const env = valid(parseEnvironments([base], { ...ctx, workspaceIds: new Set(['docs']) })[0]);
    assert.equal(env.origin, 'workspace');
  });

  it('treats a non-array setting as one invalid entry', () => {
    const entries = parseEnvironments({ id: 'x' }, ctx);
    assert.equal(entries.length, 1);
    assert.match(errors(entries[0]).join(), /must be an array/);
  });
});
