// The VS Code side of the Task Log: one WebviewPanel at a time, its HTML and options, message
// routing through the TaskLogController, and the serializer that brings the panel back after a
// window reload. All protocol logic lives in the controller; this file only adapts the API.
//
// retainContextWhenHidden is off (it keeps a whole renderer alive for a hidden tab); the webview
// keeps its filters, sort, page and selection with getState/setState and says `ready` again
// whenever it is re-created, which is when pending focus requests are delivered.
import * as vscode from 'vscode';
import type { HostMessage, HostNotice } from '../../shared/protocol';
import type { TaskLogController } from './taskLogController';
import { makeNonce, taskLogHtml } from './taskLogHtml';

export const TASK_LOG_VIEW_TYPE = 'backupScheduler.taskLog';

export interface TaskLogShowOptions {
  /** Select this task in the panel and show its log. */
  taskId?: number;
  /** Show this environment's history (filters by it, clearing the other filters). */
  envId?: string;
  viewColumn?: vscode.ViewColumn;
  preserveFocus?: boolean;
}

function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return {
    enableScripts: true,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')],
  };
}

export class TaskLogPanel implements vscode.Disposable {
  private static current: TaskLogPanel | undefined;
  private ready = false;
  /** Notices for the webview, held until it says `ready`; only the latest of each kind matters. */
  private readonly pending = new Map<HostNotice['type'], HostNotice>();
  private readonly disposables: vscode.Disposable[] = [];

  /** Opens the Task Log, or reveals the open one; with `taskId`, focuses that task. */
  static show(context: vscode.ExtensionContext, controller: TaskLogController, opts: TaskLogShowOptions = {}): TaskLogPanel {
    const existing = TaskLogPanel.current;
    if (existing) {
      existing.panel.reveal(opts.viewColumn, opts.preserveFocus);
      existing.apply(opts);
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(
      TASK_LOG_VIEW_TYPE, vscode.l10n.t('Task Log'),
      { viewColumn: opts.viewColumn ?? vscode.ViewColumn.Active, preserveFocus: opts.preserveFocus },
      { ...webviewOptions(context.extensionUri), retainContextWhenHidden: false },
    );
    const created = new TaskLogPanel(panel, context, controller);
    created.apply(opts);
    return created;
  }

  /** Adopts a panel VS Code restored after a reload (called by the serializer). */
  static revive(panel: vscode.WebviewPanel, context: vscode.ExtensionContext, controller: TaskLogController): TaskLogPanel {
    TaskLogPanel.current?.panel.dispose();
    return new TaskLogPanel(panel, context, controller);
  }

  /** The open panel, if any (for tests and for commands that want to know). */
  static get open(): TaskLogPanel | undefined {
    return TaskLogPanel.current;
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    context: vscode.ExtensionContext,
    private readonly controller: TaskLogController,
  ) {
    TaskLogPanel.current = this;
    const webview = panel.webview;
    // A restored panel keeps its old options; set them again so the policy is always this one.
    webview.options = webviewOptions(context.extensionUri);
    panel.iconPath = vscode.Uri.joinPath(context.extensionUri, 'media', 'backups.svg');
    webview.html = taskLogHtml({
      cspSource: webview.cspSource,
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(context.extensionUri, 'dist', 'webview.js')).toString(),
      nonce: makeNonce(),
      language: vscode.env.language,
      l10nBundle: vscode.l10n.bundle,
    });
    this.disposables.push(
      webview.onDidReceiveMessage((m: unknown) => void this.onMessage(m)),
      // A hidden webview is destroyed (no retained context): it must say `ready` again before we post.
      // ...and a poll held open for the destroyed document is answered now: a hidden panel holds nothing.
      panel.onDidChangeViewState(() => {
        if (panel.visible) return;
        this.ready = false;
        controller.releaseHeldPolls();
      }),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  /** Selects a task in the panel; delivered once the webview is ready. */
  focusTask(taskId: number): void {
    this.notify({ type: 'focusTask', taskId });
  }

  /** Shows one environment's history; delivered once the webview is ready. */
  showEnvironment(envId: string): void {
    this.notify({ type: 'showEnvironment', envId });
  }

  private apply(opts: TaskLogShowOptions): void {
    if (opts.envId !== undefined) this.showEnvironment(opts.envId);
    if (opts.taskId !== undefined) this.focusTask(opts.taskId);
  }

  private notify(notice: HostNotice): void {
    this.pending.set(notice.type, notice);
    if (this.ready) this.flush();
  }

  private async onMessage(raw: unknown): Promise<void> {
    const reply = await this.controller.handle(raw);
    if (!reply) return;
    await this.post(reply);
    if (reply.type === 'init') {
      this.ready = true;
      this.flush();
    }
  }

  private flush(): void {
    const notices = [...this.pending.values()];
    this.pending.clear();
    for (const n of notices) void this.post(n);
  }

  private async post(message: HostMessage): Promise<void> {
    try {
      await this.panel.webview.postMessage(message);
    } catch {
      // The panel was closed while a reply was on its way: nothing to deliver to.
    }
  }

  dispose(): void {
    if (TaskLogPanel.current === this) TaskLogPanel.current = undefined;
    this.controller.releaseHeldPolls();
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }
}

/** Lets VS Code restore an open Task Log after a window reload. Needs `onWebviewPanel:backupScheduler.taskLog` in activationEvents. */
export function registerTaskLogSerializer(context: vscode.ExtensionContext, controller: TaskLogController): vscode.Disposable {
  return vscode.window.registerWebviewPanelSerializer(TASK_LOG_VIEW_TYPE, {
    async deserializeWebviewPanel(panel: vscode.WebviewPanel): Promise<void> {
      TaskLogPanel.revive(panel, context, controller);
    },
  });
}

/** For TaskLogControllerOptions.openLogDocument: the whole log in an untitled editor with log colouring. */
export async function openLogDocument(text: string, _taskId: number): Promise<void> {
  const doc = await vscode.workspace.openTextDocument({ content: text, language: 'log' });
  await vscode.window.showTextDocument(doc, { preview: true });
}
