// The leader channel is private: its socket folder is 0700 before anything listens (whatever the
// umask), a Windows pipe name cannot be guessed, and what a follower sends is checked like
// settings and like a user's choice in the restore picker.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { connectLeaderChannel, serveLeaderChannel } from '../../../src/extension/core/leader/channel';
import { startElection, type Election } from '../../../src/extension/core/leader/election';
import { channelEndpointFor } from '../../../src/extension/core/leader/endpoint';
import { checkRegistration, checkRestoreRequest } from '../../../src/extension/core/leader/requestChecks';
import { leaderHandlers } from '../../../src/extension/core/leader/rpc';
import type { LocalBackups } from '../../../src/extension/core/backups';
import { folderKey } from '../../../src/extension/core/environments/parse';
import { silentLogger, systemClock } from '../../../src/extension/core/ports';
import { cleanUp, tempStorage } from './helpers';

const mode = (p: string) => statSync(p).mode & 0o777;

describe('leader channel: private', function () {
  this.timeout(10_000);
  const elections: Election[] = [];
  afterEach(async () => {
    for (const e of elections.splice(0)) e.dispose();
    await cleanUp();
  });

  it('with a umask of 0, the socket folder (and the leader folder) are 0700 before the channel listens', async function () {
    if (process.platform === 'win32') this.skip();
    const storage = tempStorage();
    const old = process.umask(0);
    try {
      // As in a window: the election makes <storage>/leader first, then the leader serves.
      elections.push(await startElection({ dir: join(storage, 'leader'), clock: systemClock, logger: silentLogger }));
      const path = channelEndpointFor(storage);
      let modeWhenListening = -1;
      const server = await serveLeaderChannel({ path, logger: silentLogger, handlers: { ping: async () => 'pong' } });
      modeWhenListening = mode(dirname(path));
      assert.equal(modeWhenListening, 0o700, `socket folder ${dirname(path)}`);
      assert.equal(mode(join(storage, 'leader')), 0o700, 'the leader folder (heartbeats name the endpoint)');
      assert.equal(mode(path) & 0o077, 0, 'the socket itself');
      const client = connectLeaderChannel(path);
      assert.equal(await client.call('ping'), 'pong');
      client.dispose();
      server.dispose();
    } finally {
      process.umask(old);
    }
  });

  it('a socket folder left wider (an older version) is made 0700 before listening', async function () {
    if (process.platform === 'win32') this.skip();
    const storage = tempStorage();
    const path = channelEndpointFor(storage);
    mkdirSync(dirname(path), { recursive: true, mode: 0o777 });
    const old = process.umask(0);
    try {
      const server = await serveLeaderChannel({ path, logger: silentLogger, handlers: {} });
      assert.equal(mode(dirname(path)), 0o700);
      server.dispose();
    } finally {
      process.umask(old);
    }
  });

  it('a Windows pipe name carries 128 random bits: not guessable from the storage folder and the pid', () => {
    const script = `process.stdout.write(require(${JSON.stringify(require.resolve('../../../src/extension/core/leader/endpoint'))}).channelEndpointFor('C:\\\\storage', 4242, 'win32'))`;
    const names = [0, 1].map(() => spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' }).stdout);
    assert.match(names[0], /^\\\\\.\\pipe\\backup-scheduler-[0-9a-f]{12}-4242-[0-9a-f]{32}$/);
    assert.notEqual(names[0], names[1], 'two processes with the same storage folder and pid get different names');
    assert.equal(channelEndpointFor('C:\\storage', 4242, 'win32'), channelEndpointFor('C:\\storage', 4242, 'win32'), 'stable within a process');
  });

  describe('registration: a follower registers only what its own window\'s settings define', () => {
    const ctx = { home: '/home/u', env: {} };
    const folder = '/work/app';
    const base = { name: 'App', type: 'folder', destination: '/backups/app', schedule: '0 3 * * *', enabled: true, exclude: [], origin: 'user' };

    it('accepts an environment bound to one of its folders, parsed again by the leader', () => {
      const r = checkRegistration({ windowId: 'w1', folders: [folder], trusted: true, entries: [{ ...base, id: `app@${folderKey(folder)}`, source: folder, folder }] }, ctx);
      assert.deepEqual(r.refused, []);
      assert.equal(r.envs[0].id, `app@${folderKey(folder)}`);
      assert.equal(r.envs[0].source, folder);
      assert.equal(r.envs[0].folder, folder);
    });

    const refusals: Record<string, Record<string, unknown>> = {
      'a folder that window does not have open': { ...base, id: `app@${folderKey('/etc')}`, source: '/etc', folder: '/etc' },
      'an id that does not match its folder': { ...base, id: 'app@other-123456', source: folder, folder },
      'an invalid schedule': { ...base, id: 'bad-cron', source: folder, schedule: 'every day' },
      'a relative destination': { ...base, id: 'rel', source: folder, destination: 'backups' },
      'a wrong type in a field': { ...base, id: 'excl', source: folder, exclude: 'all' },
      'an origin that is not user or workspace': { ...base, id: 'orig', source: folder, origin: 'admin' },
      'a workspace command from an untrusted window': { ...base, id: 'cmd', type: 'command', command: './dump.sh > "$BACKUP_FILE"', origin: 'workspace', source: undefined },
      'a user command whose folder is inside the untrusted window\'s folder': { ...base, id: 'cmd2', type: 'command', command: 'npm run dump', source: `${folder}/db` },
    };
    for (const [what, entry] of Object.entries(refusals)) {
      it(`refuses ${what}`, () => {
        const trusted = !/untrusted/.test(what);
        const r = checkRegistration({ windowId: 'w1', folders: [folder], trusted, entries: [entry] }, ctx);
        assert.equal(r.envs.length, 0, JSON.stringify(r.envs));
        assert.equal(r.refused.length, 1);
      });
    }

    it('rejects a malformed request with a clear error', () => {
      assert.throws(() => checkRegistration({ windowId: '../x', entries: [] }, ctx), /windowId/);
      assert.throws(() => checkRegistration({ windowId: 'w', entries: {} }, ctx), /entries/);
      assert.throws(() => checkRegistration({ windowId: 'w', entries: [], folders: ['relative'] }, ctx), /folders/);
      assert.throws(() => checkRegistration({ windowId: 'w', entries: [], trusted: 'yes' }, ctx), /trusted/);
    });
  });

  describe('restore over the channel is checked like a user\'s choice', () => {
    it('the backup must be one the environment lists; the target an existing folder; paths inside the backup', async () => {
      const storage = tempStorage();
      const target = join(storage, 'restore-here');
      mkdirSync(target);
      writeFileSync(join(storage, 'a-file'), '');
      const listed = [join(storage, 'app-20261128-120000.tar.gz')];
      const ok = { backupId: listed[0], target, overwrite: false };
      await checkRestoreRequest(ok, listed);
      await assert.rejects(checkRestoreRequest({ ...ok, backupId: '/etc/some.tar.gz' }, listed), /not one of this environment's backups/);
      await assert.rejects(checkRestoreRequest({ ...ok, target: 'relative/dir' }, listed), /absolute/);
      await assert.rejects(checkRestoreRequest({ ...ok, target: join(storage, 'missing') }, listed), /does not exist/);
      await assert.rejects(checkRestoreRequest({ ...ok, target: join(storage, 'a-file') }, listed), /not a folder/);
      await assert.rejects(checkRestoreRequest({ ...ok, paths: ['../../etc/passwd'] }, listed), /not a path inside the backup/);
      await assert.rejects(checkRestoreRequest({ ...ok, paths: ['/etc/passwd'] }, listed), /not a path inside the backup/);
      await checkRestoreRequest({ ...ok, paths: ['src/a.txt', 'docs'] }, listed);
    });

    it('the leader\'s handler refuses before restoring anything', async () => {
      const storage = tempStorage();
      const restored: unknown[] = [];
      // The leader's backups, reduced to what the handler asks (a fake: this tests the handler's checks).
      const backups = {
        environment: (id: string) => (id === 'app' ? { id } : undefined),
        listBackups: async () => [{ id: join(storage, 'app-1.tar.gz'), label: 'app-1', time: 1 }],
        restore: async (envId: string, req: unknown) => {
          restored.push([envId, req]);
          return { kind: 'started', taskId: 1 };
        },
      } as unknown as LocalBackups;
      const h = leaderHandlers(backups, async () => undefined, () => true);
      await assert.rejects(h.restore({ envId: 'app', backupId: '/tmp/evil.tar.gz', target: storage, overwrite: true }), /not one of this environment's backups/);
      await assert.rejects(h.restore({ envId: 'app', backupId: join(storage, 'app-1.tar.gz'), target: '.', overwrite: true }), /absolute/);
      await assert.rejects(h.restore({ envId: 'nope', backupId: join(storage, 'app-1.tar.gz'), target: storage, overwrite: true }), /no valid environment/);
      assert.deepEqual(restored, []);
      await h.restore({ envId: 'app', backupId: join(storage, 'app-1.tar.gz'), target: storage, overwrite: false });
      assert.equal(restored.length, 1);
    });
  });
});
