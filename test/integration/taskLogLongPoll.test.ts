// Long polling of the Task Log in the real host and webview: while the panel is visible and idle
// the host holds its poll open; a change answers the held poll with the change; a hidden panel
// holds no poll and sends none.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { Emitter } from '../../src/extension/core/util/emitter';
import { TaskLogController } from '../../src/extension/ui/taskLogController';
import { TaskLogPanel } from '../../src/extension/ui/taskLogPanel';
import type { HostReply } from '../../src/shared/protocol';
import { FakeTaskLogSource } from '../unit/ui/fakeTaskLogSource';
import { extension, until } from './manifest';

class EventfulSource extends FakeTaskLogSource {
  readonly changed = new Emitter<void>();
  onDidChange(listener: () => void) {
    return this.changed.event(listener);
  }
}

/** Remembers what the webview sent and what it was answered. */
class RecordingController extends TaskLogController {
  readonly polls: number[] = [];
  readonly replies: HostReply[] = [];
  override async handle(raw: unknown) {
    if ((raw as { type?: string }).type === 'poll') this.polls.push(Date.now());
    const r = await super.handle(raw);
    if (r) this.replies.push(r);
    return r;
  }
}

describe('Task Log long polling', function () {
  this.timeout(60_000);
  const src = new EventfulSource();
  const controller = new RecordingController(src, { debug() {}, info() {}, warn() {}, error() {} }, { pollMs: () => 2000 });
  let context: vscode.ExtensionContext;

  before(async () => {
    await until(() => extension().isActive);
    context = { extensionUri: extension().extensionUri } as vscode.ExtensionContext;
    for (let i = 0; i < 3; i++) src.addTask();
  });

  after(() => TaskLogPanel.open?.dispose());

  it('holds the idle panel\'s poll at the host and answers it with a change as soon as one happens', async () => {
    TaskLogPanel.show(context, controller);
    await until(() => controller.heldPolls === 1);
    const answered = controller.replies.length;
    const t = src.addTask({ status: 'running', finishedAt: null });
    src.changed.fire();
    await until(() => controller.replies.slice(answered).some((r) => r.type === 'changes' && r.page?.rows.some((x) => x.id === t.id)));
    // And the webview is back at the host, waiting for the next change.
    await until(() => controller.heldPolls === 1);
  });

  it('a hidden panel holds no poll and sends none', async () => {
    const panel = TaskLogPanel.open!.panel;
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument({ content: 'in front of the Task Log' }), { viewColumn: panel.viewColumn, preview: false });
    await until(() => !panel.visible);
    await until(() => controller.heldPolls === 0);
    const polls = controller.polls.length;
    await new Promise((r) => setTimeout(r, 5000)); // more than two poll intervals
    assert.equal(controller.polls.length, polls);
    assert.equal(controller.heldPolls, 0);
  });
});
