// The Task Log panel in the real extension host: it opens as a "Task Log" webview tab, its script
// loads under the panel's CSP through asWebviewUri and localResourceRoots (proved by the webview
// saying `ready` and then polling), it focuses the task it was opened for, and re-showing reveals
// the same panel focused on another task or filtered to one environment. Uses a fake data source,
// so it does not depend on the wiring in extension.ts.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { TaskLogController } from '../../src/extension/ui/taskLogController';
import { TASK_LOG_VIEW_TYPE, TaskLogPanel } from '../../src/extension/ui/taskLogPanel';
import { FakeTaskLogSource } from '../unit/ui/fakeTaskLogSource';
import { extension, until } from './manifest';

/** Remembers every message the webview sent, in order. */
class RecordingController extends TaskLogController {
  readonly seen: Array<Record<string, unknown>> = [];
  override async handle(raw: unknown) {
    this.seen.push(raw as Record<string, unknown>);
    return super.handle(raw);
  }
}

describe('Task Log panel', () => {
  const src = new FakeTaskLogSource();
  const logged: string[] = [];
  const controller = new RecordingController(src, { debug() {}, info() {}, warn: (m) => logged.push(m), error: (m) => logged.push(m) }, { pollMs: () => 250 });
  let context: vscode.ExtensionContext;

  before(async () => {
    await until(() => extension().isActive);
    context = { extensionUri: extension().extensionUri } as vscode.ExtensionContext;
    for (let i = 0; i < 5; i++) src.addTask();
  });

  after(() => TaskLogPanel.open?.dispose());

  const polledFor = (taskId: number) => until(() => controller.seen.some((m) => m.type === 'poll' && m.selectedTaskId === taskId));

  it('opens a "Task Log" webview whose script loads, says ready and polls, focused on the task asked for', async () => {
    const panel = TaskLogPanel.show(context, controller, { taskId: 2 });
    assert.equal(panel.panel.viewType, TASK_LOG_VIEW_TYPE);
    assert.equal(panel.panel.title, 'Task Log');
    assert.equal(panel.panel.webview.options.enableScripts, true);
    assert.deepEqual(panel.panel.webview.options.localResourceRoots?.map((u) => u.path.split('/').pop()), ['dist', 'media']);
    await until(() => controller.seen.some((m) => m.type === 'ready'));
    await polledFor(2);
    const tab = vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith(TASK_LOG_VIEW_TYPE));
    assert.equal(tab?.label, 'Task Log');
  });

  it('reveals the same panel and moves the focus when shown for another task', async () => {
    const first = TaskLogPanel.open;
    const again = TaskLogPanel.show(context, controller, { taskId: 4 });
    assert.equal(again, first);
    await polledFor(4);
    assert.ok(controller.seen.some((m) => m.type === 'getTask' && m.taskId === 4), 'the webview fetched the focused task');
    assert.deepEqual(logged, [], 'every message the real webview sent was valid');
  });

  it('shows one environment\'s history when asked to', async () => {
    TaskLogPanel.show(context, controller, { envId: 'db' });
    await until(() => controller.seen.some((m) => m.type === 'poll' && JSON.stringify((m.query as { envIds?: string[] }).envIds) === '["db"]'));
  });

  it('when hidden its webview is dropped (no retained context); shown again it says ready anew and gets the held focus', async () => {
    const panel = TaskLogPanel.open!.panel;
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument({ content: 'in front of the Task Log' }), { viewColumn: panel.viewColumn, preview: false });
    await until(() => !panel.visible);
    const readies = controller.seen.filter((m) => m.type === 'ready').length;
    TaskLogPanel.show(context, controller, { taskId: 5 });
    await until(() => controller.seen.filter((m) => m.type === 'ready').length === readies + 1);
    await polledFor(5);
    // The re-created webview kept its filter through getState (set by the previous test).
    const last = controller.seen.filter((m) => m.type === 'poll').at(-1)!;
    assert.deepEqual((last.query as { envIds?: string[] }).envIds, ['db']);
  });

  it('forgets the panel when it is closed', async () => {
    TaskLogPanel.open?.panel.dispose();
    await until(() => TaskLogPanel.open === undefined);
  });
});
