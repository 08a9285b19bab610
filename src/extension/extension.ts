// Entry point of the extension host bundle. For now it only makes the contributed surface live
// (every command registered, both views backed by a provider); the composition root that builds
// the store, scheduler and task manager replaces the placeholder parts.
import * as vscode from 'vscode';

export function activate(context: vscode.ExtensionContext): void {
  registerPlaceholderCommands(context);
  for (const id of ['backupScheduler.environments', 'backupScheduler.tasks']) {
    context.subscriptions.push(vscode.window.createTreeView(id, { treeDataProvider: new EmptyTree() }));
  }
}

export function deactivate(): void {}

/** Registers every command the manifest contributes, so none of them fails with "command not found". */
export function registerPlaceholderCommands(context: vscode.ExtensionContext): void {
  const commands: { command: string; title: string }[] = context.extension.packageJSON.contributes.commands;
  for (const { command, title } of commands) {
    context.subscriptions.push(
      vscode.commands.registerCommand(command, () => vscode.window.showInformationMessage(`Backup Scheduler: "${title}" is not available yet.`)),
    );
  }
}

class EmptyTree implements vscode.TreeDataProvider<never> {
  getTreeItem(element: never): vscode.TreeItem {
    return element;
  }
  getChildren(): never[] {
    return [];
  }
}
