// The command line a command environment runs, built for each platform (a pure function: the
// Windows form is checked here on Linux), and the POSIX form run for real.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { runCommandBackup } from '../../../src/extension/core/engines/archive/operations';
import { commandEnvironment, shellInvocation } from '../../../src/extension/core/engines/archive/commandLine';
import { cleanupTemp, makeCtx, tempDir } from './helpers';

describe('command line per platform', function () {
  this.timeout(20_000);
  afterEach(cleanupTemp);

  it('Windows: cmd.exe from ComSpec, /d /s /c with the line quoted verbatim; $BACKUP_* becomes %BACKUP_*%', () => {
    const w = shellInvocation('pg_dump mydb > "$BACKUP_FILE" && echo ${BACKUP_ENV_ID} $BACKUP_FILES %BACKUP_DIR%', 'win32', 'C:\\Windows\\system32\\cmd.exe');
    assert.deepEqual(w, {
      file: 'C:\\Windows\\system32\\cmd.exe',
      args: ['/d', '/s', '/c', '"pg_dump mydb > "%BACKUP_FILE%" && echo %BACKUP_ENV_ID% $BACKUP_FILES %BACKUP_DIR%"'],
      windowsVerbatimArguments: true,
      detached: false,
    });
    assert.equal(shellInvocation('x', 'win32').file, 'cmd.exe');
  });

  for (const platform of ['linux', 'darwin'] as const) {
    it(`${platform}: /bin/sh -c with umask 077 first, in its own process group; %BACKUP_*% becomes \${BACKUP_*}`, () => {
      assert.deepEqual(shellInvocation('pg_dump mydb > "%BACKUP_FILE%"; date +%Y%m%d; echo "$BACKUP_DIR"', platform), {
        file: '/bin/sh',
        args: ['-c', 'umask 077; pg_dump mydb > "${BACKUP_FILE}"; date +%Y%m%d; echo "$BACKUP_DIR"'],
        windowsVerbatimArguments: false,
        detached: true,
      });
    });
  }

  it('the Windows form of a command runs on POSIX too (settings synced between machines)', async () => {
    const r = await runCommandBackup(makeCtx(), { envId: 'db', destination: tempDir(), cwd: tempDir(), command: 'echo "%BACKUP_ENV_ID% at %BACKUP_TIMESTAMP%" > "%BACKUP_FILE%"' });
    assert.match(readFileSync(r.archivePath!, 'utf8'), /^db at \d{8}-\d{6}\n$/);
  });

  it('the environment: Windows names kept regardless of case, host secrets dropped, ours and the settings\' added', () => {
    const host = { Path: 'C:\\bin', SYSTEMROOT: 'C:\\Windows', ComSpec: 'C:\\cmd.exe', userprofile: 'C:\\Users\\me', GITHUB_TOKEN: 't', ELECTRON_RUN_AS_NODE: '1' };
    const backup = { BACKUP_FILE: 'f', BACKUP_DIR: 'd', BACKUP_ENV_ID: 'e', BACKUP_TIMESTAMP: 's' };
    assert.deepEqual(commandEnvironment({ platform: 'win32', host, inherit: false, extra: { PGHOST: 'db' }, backup }), {
      Path: 'C:\\bin', SYSTEMROOT: 'C:\\Windows', ComSpec: 'C:\\cmd.exe', userprofile: 'C:\\Users\\me', PGHOST: 'db', ...backup,
    });
    const posix = { PATH: '/bin', HOME: '/h', LC_TIME: 'C', path: 'lower-case is another variable here', AWS_SECRET_ACCESS_KEY: 'k', VSCODE_PID: '1' };
    assert.deepEqual(commandEnvironment({ platform: 'linux', host: posix, inherit: false, backup }), { PATH: '/bin', HOME: '/h', LC_TIME: 'C', ...backup });
    assert.deepEqual(commandEnvironment({ platform: 'linux', host: posix, inherit: true, backup }), { ...posix, ...backup });
  });
});
