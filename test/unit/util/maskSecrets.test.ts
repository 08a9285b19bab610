// URL passwords are masked whole wherever a repository URL or command line reaches a log, an
// error, tasks.db or a failure ping: a password holding '@' (the authority ends at the LAST '@',
// as Go's url.Parse, and so restic, reads it), and a password of one or two characters.
import * as assert from 'node:assert/strict';
import { redact, redactUrl } from '../../../src/extension/core/engines/restic/credentials';
import { credentialsFor } from '../../../src/extension/core/engines/restic/credentials';
import { resticError } from '../../../src/extension/core/engines/restic/errors';
import { maskSecrets } from '../../../src/extension/core/util/maskSecrets';
import { MemorySecrets, resticEnv } from '../restic/helpers';

describe('URL passwords are masked whole', () => {
  it('maskSecrets: a password with @ and a short password', () => {
    assert.equal(maskSecrets('restic -r rest:https://u:abc@def@host/repo snapshots'), 'restic -r rest:https://u:***@host/repo snapshots');
    assert.equal(maskSecrets('pg_dump postgresql://me:p@ss@w0rd@db.local:5432/app'), 'pg_dump postgresql://me:***@db.local:5432/app');
    assert.equal(maskSecrets('curl https://u:x@h/a'), 'curl https://u:***@h/a');
    assert.equal(maskSecrets('curl https://u:xy@h'), 'curl https://u:***@h');
    // an '@' after the path is not part of the authority
    assert.equal(maskSecrets('curl https://u:pw@h/a@b'), 'curl https://u:***@h/a@b');
    // no password: nothing to mask
    assert.equal(maskSecrets('git clone https://git@github.com/x/y'), 'git clone https://git@github.com/x/y');
  });

  it('redactUrl: the whole password up to the last @ of the authority', () => {
    assert.equal(redactUrl('rest:https://u:abc@def@host/'), 'rest:https://u:***@host/');
    assert.equal(redactUrl('rest:https://u:a@host:8000/repo'), 'rest:https://u:***@host:8000/repo');
    assert.equal(redactUrl('rest:https://u:pw@host/r@x'), 'rest:https://u:***@host/r@x');
  });

  it('restic: the URL password is a secret whole, and a short one is masked in error texts', async () => {
    const secrets = new MemorySecrets();
    const long = 'rest:https://u:abc@def@host/';
    const creds = await credentialsFor(resticEnv({ id: 'e', repository: long, passwordFile: '/dev/null' }), secrets, {});
    assert.ok(creds.secrets.includes('abc@def'), creds.secrets.join(','));
    assert.equal(redact(`Fatal: unable to open ${long}config: abc@def rejected`, creds.secrets), 'Fatal: unable to open rest:https://u:***@host/config: *** rejected');

    const short = 'rest:https://u:ab@127.0.0.1:1/';
    const c2 = await credentialsFor(resticEnv({ id: 'e', repository: short, passwordFile: '/dev/null' }), secrets, {});
    const err = resticError('Backup', { code: 1, stderr: [`Fatal: unable to open config file: Stat: Head "http://u:ab@127.0.0.1:1/config": dial tcp 127.0.0.1:1: connect: connection refused`] }, short, c2.secrets);
    assert.doesNotMatch(err.message, /u:ab@/);
    assert.match(err.message, /u:\*\*\*@127\.0\.0\.1:1/);
  });
});
