// The extension as VS Code sees it, and the parts of its manifest the tests compare against.
import * as vscode from 'vscode';

export const EXTENSION_ID = 'backup-scheduler.backup-scheduler';

export interface ContributedCommand {
  command: string;
  title: string;
  category?: string;
  icon?: string;
}

export function extension(): vscode.Extension<unknown> {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  if (!ext) throw new Error(`${EXTENSION_ID} is not loaded in this extension host`);
  return ext;
}

export function contributes(): {
  commands: ContributedCommand[];
  viewsContainers: { activitybar: { id: string }[] };
  views: Record<string, { id: string }[]>;
  configuration: { properties: Record<string, { default?: unknown }> };
} {
  return extension().packageJSON.contributes;
}

/** Resolves once `condition()` holds, checking every 100 ms (the test's own timeout bounds the wait). */
export async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((r) => setTimeout(r, 100));
}
