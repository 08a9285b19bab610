// A window opened while the background agent runs (it ran with no VS Code server at all before):
// the window follows it, shows the runs it made before the window opened (Tasks view, the Task
// Log's data), sees its archives keep coming, shows a running task live, has Run Now carried out
// by the agent, and says who runs the schedules.
import * as assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { publish } from '../../../src/extension/core/agent/snapshot';
import { parseEnvironments } from '../../../src/extension/core/environments/parse';
import * as vscode from 'vscode';
import type { BackupSchedulerApi } from '../../../src/extension/extension';
import { extension, until } from '../manifest';

const storage = process.env.BACKUP_SCHEDULER_AGENT_STORAGE!;
const agentPid = Number(process.env.BACKUP_SCHEDULER_AGENT_PID);
const envs = JSON.parse(process.env.BACKUP_SCHEDULER_AGENT_ENVS!) as Record<string, unknown>[];
const ticks = process.env.BACKUP_SCHEDULER_AGENT_TICKS!;
const api = () => extension().exports as BackupSchedulerApi;
const archives = () => readdirSync(ticks).filter((n) => n.endsWith('.tar.gz')).length;
let openedAt = 0;

describe('a window opened while the background agent runs', function () {
  this.timeout(120_000);

  before(async () => {
    openedAt = Date.now();
    await until(() => extension().isActive);
    // User settings are the truth the window publishes: the same environments keep running.
    await vscode.workspace.getConfiguration('backupScheduler').update('environments', envs, vscode.ConfigurationTarget.Global);
    await until(() => api().backups.environments().length === envs.length);
  });

  it('is a follower of the agent, and its status bar tooltip says the background agent runs the schedules', async () => {
    assert.equal(api().backups.role, 'follower');
    const l = api().backups.leadership();
    assert.equal(l.who, 'agent');
    assert.equal(l.pid, agentPid);
    await until(() => api().statusBar.tooltip.includes('background agent'));
    assert.match(api().agent.describe(), /background agent \(version \d+\.\d+\.\d+, since /);
  });

  it('the Tasks view shows the runs the agent made before this window opened, with their log', async () => {
    const reader = api().backups.reader;
    const earlier = () => reader.queryTasks({ envIds: ['ticker'], statuses: ['succeeded'], limit: 100 }).rows.filter((t) => t.queuedAt < openedAt);
    await until(() => earlier().length >= 2);
    const before = earlier();
    assert.ok(reader.logAfter(before[0].id, 0, 10).some((l) => /scheduled run of /.test(l.text)), 'the Task Log has the run\'s lines');
    const tree = api().views.tasks as unknown as vscode.TreeDataProvider<unknown>;
    await until(async () => {
      for (const n of (await tree.getChildren()) ?? []) for (const c of (await tree.getChildren(n)) ?? []) if ((await tree.getTreeItem(c)).label === 'Ticker — backup') return true;
      return false;
    });
  });

  it('the 10-second schedule keeps writing archives, each occurrence once', async () => {
    const n = archives();
    await until(() => archives() >= n + 2);
    const reader = api().backups.reader;
    const runs = reader.queryTasks({ envIds: ['ticker'], limit: 1000 }).rows.filter((t) => t.trigger === 'scheduled');
    const occ = runs.map((t) => reader.logAfter(t.id, 0, 5).map((l) => /run of (\S+)$/.exec(l.text)?.[1]).find(Boolean));
    assert.equal(new Set(occ).size, occ.length, `an occurrence ran twice: ${occ.join(', ')}`);
  });

  it('Run Now runs in the agent, and this window shows the task running live, then finished', async () => {
    const seen: string[] = [];
    const outcome = await api().backups.runNow('slow');
    assert.ok('taskId' in outcome, JSON.stringify(outcome));
    const sub = api().backups.onDidChangeTask((t) => (t.id === outcome.taskId ? seen.push(t.status) : undefined));
    try {
      await until(() => api().backups.reader.getTask(outcome.taskId)?.status === 'succeeded');
    } finally {
      sub.dispose();
    }
    assert.ok(seen.includes('running'), `this window saw it running: ${seen.join(', ')}`);
    assert.equal(api().backups.role, 'follower', 'it ran in the agent, not here');
  });

  it('lists an environment only the agent runs (its workspace is not open here), and Stop Running in Background removes it from the agent', async () => {
    // Another window, on a workspace this one does not have open, published its own environment and closed.
    const other = mkdtempSync(join(tmpdir(), 'bs-other-ws-'));
    const own = parseEnvironments([{ id: 'theirs', name: 'Theirs', type: 'folder', source: other, destination: join(other, '..', 'theirs-backups'), schedule: '0 3 * * *' }], { home: other, env: {}, workspaceFolder: other, workspaceIds: new Set(['theirs']) });
    await publish(api().agent.environmentsFile, { entries: own, folders: [{ path: other, scheme: 'file' }], trusted: true, now: Date.now(), includesUserList: false });
    const tree = api().views.environments as unknown as vscode.TreeDataProvider<unknown>;
    const item = async () => {
      for (const c of (await tree.getChildren()) ?? []) {
        const i = await tree.getTreeItem(c);
        if (i.id === 'env-agent-theirs') return { node: c, item: i };
      }
      return undefined;
    };
    await until(async () => (await item()) !== undefined);
    const found = (await item())!;
    assert.equal(found.item.contextValue, 'agentOnlyEnvironment');
    assert.match(String(found.item.description), /background agent only/);
    await vscode.commands.executeCommand('backupScheduler.agent.stopInBackground', found.node);
    await until(async () => (await item()) === undefined);
    assert.doesNotMatch(readFileSync(api().agent.environmentsFile, 'utf8'), /"theirs"/);
  });

  it('environments.json holds what this window published (user-level, 0600)', () => {
    const path = `${storage}/agent/environments.json`;
    const snap = JSON.parse(readFileSync(path, 'utf8')) as { user: { environments: { id: string }[] } };
    assert.deepEqual(snap.user.environments.map((e) => e.id).sort(), ['slow', 'ticker']);
    assert.equal(statSync(path).mode & 0o777, 0o600);
  });
});
