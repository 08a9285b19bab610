// VS Code progress for work the user started and is waiting for (Run now, Restore): follows one
// task through the TaskManager's change events, shows files/bytes/percent, and cancels the task
// when the user cancels the notification.
import * as vscode from 'vscode';
import { formatBytes } from '../../shared/format';
import type { TaskRecord } from '../../shared/model';
import type { Backups } from '../core/backups';

export function trackTask(service: Backups, taskId: number, title: string, location: vscode.ProgressLocation): void {
  void vscode.window.withProgress({ location, title, cancellable: location === vscode.ProgressLocation.Notification }, (progress, token) =>
    new Promise<void>((resolve) => {
      let lastPercent = 0;
      const finish = () => {
        sub.dispose();
        resolve();
      };
      const onTask = (t: TaskRecord) => {
        if (t.id !== taskId) return;
        if (t.finishedAt !== null) return finish();
        const p = t.progress;
        if (!p) return;
        const percent = p.percent ?? lastPercent;
        const message = [p.files !== undefined ? vscode.l10n.t('{0} files', p.files) : '', p.bytes !== undefined ? formatBytes(p.bytes) : '', p.current ?? ''].filter(Boolean).join(' · ');
        progress.report({ message, increment: Math.max(0, percent - lastPercent) });
        lastPercent = percent;
      };
      const sub = service.onDidChangeTask(onTask);
      token.onCancellationRequested(() => void service.cancel(taskId));
      const now = service.liveRecord(taskId) ?? service.reader.getTask(taskId);
      if (!now || now.finishedAt !== null) finish();
    }),
  );
}
