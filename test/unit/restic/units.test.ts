// The restic engine's pure parts: the repository lock's order, restic's output parsers, the error
// mapping, the exclude patterns and version handling. No restic process here.
import * as assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { withRepositoryLock } from '../../../src/extension/core/engines/restic/repoLock';
import { errorMessage, parseBackupLine, parseLsLine } from '../../../src/extension/core/engines/restic/json';
import { lockHolder, resticError } from '../../../src/extension/core/engines/restic/errors';
import { exactArgPattern, exactPattern } from '../../../src/extension/core/engines/restic/excludes';
import { atLeast, candidates, parseVersion } from '../../../src/extension/core/engines/restic/binary';
import { redact, redactUrl } from '../../../src/extension/core/engines/restic/credentials';
import { withExcludeFile } from '../../../src/extension/core/engines/restic/excludeFile';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

function gate(): { open(): void; wait: Promise<void> } {
  let open!: () => void;
  const wait = new Promise<void>((r) => (open = r));
  return { open, wait };
}

describe('restic engine: parts', () => {
  it('repository lock: shared holders run together, an exclusive one waits for them and goes before later shared ones', async () => {
    const order: string[] = [];
    const g1 = gate();
    const g2 = gate();
    const a = withRepositoryLock('r', false, async () => (order.push('a start'), await g1.wait, order.push('a end')));
    const b = withRepositoryLock('r', false, async () => (order.push('b start'), await g2.wait, order.push('b end')));
    const x = withRepositoryLock('r', true, async () => order.push('x'));
    const c = withRepositoryLock('r', false, async () => order.push('c'));
    const other = withRepositoryLock('elsewhere', true, async () => order.push('other repo'));
    await other;
    assert.deepEqual(order, ['a start', 'b start', 'other repo']);
    g1.open();
    g2.open();
    await Promise.all([a, b, x, c]);
    assert.deepEqual(order.slice(3), ['a end', 'b end', 'x', 'c']);
  });

  it('repository lock: a cancel while waiting leaves the queue and leaks no listener', async () => {
    const g = gate();
    const held = withRepositoryLock('q', true, () => g.wait);
    const ac = new AbortController();
    const waiting = withRepositoryLock('q', false, async () => 'ran', { signal: ac.signal });
    ac.abort();
    await assert.rejects(waiting, /cancelled/);
    g.open();
    await held;
    const ok = new AbortController();
    assert.equal(await withRepositoryLock('q', false, async () => 'ran', { signal: ok.signal }), 'ran');
    assert.equal(getEventListeners(ok.signal, 'abort').length, 0);
  });

  it('parses status, error (0.14 and newer shapes), summary and text lines', () => {
    const st = parseBackupLine('{"message_type":"status","percent_done":0.5,"files_done":3,"bytes_done":100,"current_files":["/a/b"]}');
    assert.equal(st.message_type, 'status');
    assert.equal(parseBackupLine('Warning: something').message_type, 'text');
    assert.equal(parseBackupLine('{not json').message_type, 'text');
    const old = parseBackupLine('{"message_type":"error","error":{"Op":"lstat","Path":"x","Err":36},"during":"archival","item":"x/y"}');
    assert.equal(errorMessage(old as never), 'x/y: lstat: ENAMETOOLONG');
    const newer = parseBackupLine('{"message_type":"error","error":{"message":"open x/y: permission denied"},"during":"archival","item":"x/y"}');
    assert.equal(errorMessage(newer as never), 'x/y: open x/y: permission denied');
  });

  it('parses ls nodes of 0.14 (struct_type) and newer (message_type), skipping the snapshot line', () => {
    assert.equal(parseLsLine('{"time":"2026-01-01T00:00:00Z","struct_type":"snapshot","paths":["/x"]}'), undefined);
    const n = parseLsLine('{"name":"f.txt","type":"file","path":"/a/f.txt","size":3,"mode":420,"mtime":"2026-11-29T01:41:42.996Z","struct_type":"node"}');
    assert.deepEqual(n, { path: 'a/f.txt', type: 'file', size: 3, mtime: Date.parse('2026-11-29T01:41:42.996Z'), mode: 0o644, linkTarget: undefined });
    const d = parseLsLine('{"name":"a","type":"dir","path":"/a","mode":2147484141,"message_type":"node"}');
    assert.equal(d?.type, 'dir');
    assert.equal(d?.mode, 0o755);
  });

  it('maps restic failures to errors that say the way out', () => {
    const e = (stderr: string, code = 1) => resticError('Backup', { code, stderr: stderr.split('\n') }, '/r', []);
    assert.equal(e('Fatal: wrong password or no key found').kind, 'password');
    assert.equal(e('', 12).kind, 'password');
    assert.equal(e('Fatal: unable to open config file: stat /r/config: no such file or directory\nIs there a repository at the following location?').kind, 'missing-repository');
    assert.equal(e('Fatal: unable to open config file: Head "http://h/config": dial tcp 127.0.0.1:1: connect: connection refused\nIs there a repository at the following location?').kind, 'unreachable');
    const locked = e('unable to create lock in backend: repository is already locked exclusively by PID 4242 on nas by root (UID 0, GID 0)\nlock was created at 2026-11-29 01:42:08 (2h3m0s ago)\nstorage ID 1ae8581b');
    assert.equal(locked.kind, 'locked');
    assert.deepEqual(locked.lock, { pid: 4242, host: 'nas', age: '2h3m0s', id: '1ae8581b' });
    assert.deepEqual(lockHolder('repository is already locked by PID 7 on vm by root'), { pid: 7, host: 'vm', age: undefined });
    assert.match(locked.message, /locked by host nas, PID 4242, lock made 2h3m0s ago \(lock 1ae8581b\)\. .*"Unlock Repository…"/);
    assert.match(e('Fatal: something odd').message, /^Backup failed: restic exited with code 1: something odd$/);
  });

  it('masks passwords in repository URLs and known secrets', () => {
    assert.equal(redactUrl('rest:https://me:s3cret@host:8000/repo'), 'rest:https://me:***@host:8000/repo');
    assert.equal(redactUrl('/plain/path'), '/plain/path');
    assert.equal(redact('token abc123 and abc123', ['abc123']), 'token *** and ***');
  });

  it('exact exclude patterns escape glob characters and what the exclude-file reader would change', () => {
    assert.equal(exactPattern('/src/a[1]*?.txt', false), '/src/a\\[1]\\*\\?.txt');
    assert.equal(exactPattern('/src/$HOME', false), '/src/[$]HOME');
    assert.equal(exactPattern('/src/trailing ', false), '/src/trailing[ ]');
    assert.equal(exactPattern('/src/a\rb\r', false), '/src/a\rb[\r]');
    assert.equal(exactPattern('/src/line\nbreak', false), '/src/line?break');
    assert.equal(exactPattern('C:\\src\\a[1]', true), 'C:/src/a[[]1]');
    assert.equal(exactArgPattern('/x$y *?[\\ \n', false), '/x$y \\*\\?\\[\\\\ \n');
    assert.equal(exactArgPattern('/x$y *?[', true), '/x$y [*][?][[]');
  });

  it('versions: parsed from `restic version`, compared, and the program searched in the setting alone when set', () => {
    assert.deepEqual(parseVersion('restic 0.14.0 compiled with go1.19.8 on linux/amd64'), [0, 14, 0]);
    assert.deepEqual(parseVersion('restic 0.17.3 compiled with go1.23.3 on darwin/arm64'), [0, 17, 3]);
    assert.equal(parseVersion('rustic 1.0'), undefined);
    assert.ok(atLeast([0, 16, 1], [0, 16, 0]) && atLeast([1, 0, 0], [0, 17, 0]) && !atLeast([0, 13, 9], [0, 14, 0]));
    assert.deepEqual(candidates('/opt/x/restic', { PATH: '/usr/bin' }, 'linux').files, ['/opt/x/restic']);
    const found = candidates(undefined, { PATH: '/custom/bin:/usr/bin' }, 'linux');
    assert.equal(found.files[0], '/custom/bin/restic');
    assert.ok(found.folders.includes('/opt/homebrew/bin') && found.folders.includes('/usr/local/bin'));
  });

  describe('exclude file', () => {
    let saved: string | undefined;
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'exclude-file-'));
      saved = process.env.TMPDIR;
      process.env.TMPDIR = dir; // os.tmpdir() reads it on every call: this test's folders only
    });
    afterEach(() => {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
      rmSync(dir, { recursive: true, force: true });
    });
    const lines = Array.from({ length: 5000 }, (_, i) => `/some/rather/long/path/number/${i}/to/fill/more/than/one/pipe/buffer`);

    it('is a regular file with every line, private (0600 in a 0700 folder of its own), removed after', async () => {
      let seen = '';
      const r = await withExcludeFile(lines, async (path) => {
        const st = statSync(path);
        assert.ok(st.isFile(), 'a regular file (a named pipe does not exist on Windows)');
        if (process.platform !== 'win32') {
          assert.equal(st.mode & 0o777, 0o600);
          assert.equal(statSync(dirname(path)).mode & 0o777, 0o700);
        }
        assert.equal(dirname(dirname(path)), dir, 'in the temporary folder');
        seen = path;
        return readFileSync(path, 'utf8');
      });
      assert.equal(r, lines.map((l) => `${l}\n`).join(''));
      assert.ok(!existsSync(dirname(seen)), 'its folder is removed');
    });

    it('is removed when the run fails too', async () => {
      let seen = '';
      await assert.rejects(withExcludeFile(['/x'], async (path) => {
        seen = path;
        throw new Error('restic failed');
      }), /restic failed/);
      assert.ok(seen && !existsSync(dirname(seen)));
      assert.deepEqual(readdirSync(dir), []);
    });
  });
});
