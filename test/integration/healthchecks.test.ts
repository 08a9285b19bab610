// Health checks in the real host: an environment's healthcheckUrl (a loopback HTTP server that
// stands in for healthchecks.io) gets /start and the result of backups run from the palette.
import * as assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { BackupSchedulerApi } from '../../src/extension/extension';
import { extension, until } from './manifest';

const dst = mkdtempSync(join(tmpdir(), 'bs-int-hc-'));

function api(): BackupSchedulerApi {
  return extension().exports as BackupSchedulerApi;
}

describe('health check pings', function () {
  this.timeout(60_000);
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    res.end('OK');
  });
  let base = '';

  before(async () => {
    await until(() => extension().isActive);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const envs = [
      { id: 'hc-good', name: 'HC good', type: 'command', source: dst, command: 'echo ok > "$BACKUP_FILE"', destination: dst, schedule: '0 3 * * *', healthcheckUrl: `${base}/ping/good` },
      { id: 'hc-bad', name: 'HC bad', type: 'command', source: dst, command: 'exit 3', destination: dst, schedule: '0 3 * * *', healthcheckUrl: `${base}/ping/bad` },
    ];
    await vscode.workspace.getConfiguration('backupScheduler').update('environments', envs, vscode.ConfigurationTarget.Global);
    await until(() => api().backups.environment('hc-bad')?.healthcheckUrl !== undefined);
  });

  after(async () => {
    await vscode.workspace.getConfiguration('backupScheduler').update('environments', undefined, vscode.ConfigurationTarget.Global);
    server.closeAllConnections();
    server.close();
  });

  it('a backup that succeeds pings <url>/start, then <url>', async () => {
    const id = (await vscode.commands.executeCommand('backupScheduler.runNow', 'hc-good')) as number;
    await until(() => hits.filter((h) => h.includes('/ping/good')).length >= 2);
    assert.equal(api().backups.reader.getTask(id)?.status, 'succeeded');
    assert.deepEqual(hits.filter((h) => h.includes('/ping/good')), ['POST /ping/good/start', 'POST /ping/good']);
  });

  it('a backup that fails pings <url>/start, then <url>/fail', async () => {
    const id = (await vscode.commands.executeCommand('backupScheduler.runNow', 'hc-bad')) as number;
    await until(() => hits.filter((h) => h.includes('/ping/bad')).length >= 2);
    assert.equal(api().backups.reader.getTask(id)?.status, 'failed');
    assert.deepEqual(hits.filter((h) => h.includes('/ping/bad')), ['POST /ping/bad/start', 'POST /ping/bad/fail']);
  });
});
