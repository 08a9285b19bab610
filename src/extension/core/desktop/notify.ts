// A desktop notification from a process without a window (the background agent): notify-send on
// Linux, osascript on macOS, a PowerShell toast on Windows. Best effort: a missing program or a
// session without a notification service is logged once, and nothing waits for it. No secret
// reaches a command line: the text is masked first, and on macOS and Windows it travels in
// environment variables, not in the script or argv.
import { spawn } from 'node:child_process';
import type { Logger } from '../ports';
import { maskSecrets } from '../util/maskSecrets';

export interface DesktopNotifier {
  notify(title: string, body: string): void;
}

export interface NotifyCommand {
  file: string;
  args: string[];
  env: Record<string, string>;
}

const MAX_BODY = 400;

// Reads its texts from the environment, so no quoting of user text into the script is needed.
const MAC_SCRIPT = 'display notification (system attribute "BACKUP_SCHEDULER_BODY") with title (system attribute "BACKUP_SCHEDULER_TITLE")';
const WINDOWS_SCRIPT = [
  '$ErrorActionPreference = "Stop"',
  '[Windows.UI.Notifications.ToastNotificationManager, Windows.UI.Notifications, ContentType = WindowsRuntime] | Out-Null',
  '$xml = [Windows.UI.Notifications.ToastNotificationManager]::GetTemplateContent([Windows.UI.Notifications.ToastTemplateType]::ToastText02)',
  '$texts = $xml.GetElementsByTagName("text")',
  '$texts.Item(0).AppendChild($xml.CreateTextNode($env:BACKUP_SCHEDULER_TITLE)) | Out-Null',
  '$texts.Item(1).AppendChild($xml.CreateTextNode($env:BACKUP_SCHEDULER_BODY)) | Out-Null',
  // The toast needs a registered app id; PowerShell's own is present on every Windows.
  '$app = "{1AC14E77-02E7-4E5D-B744-2EB1AE5198B7}\\WindowsPowerShell\\v1.0\\powershell.exe"',
  '[Windows.UI.Notifications.ToastNotificationManager]::CreateToastNotifier($app).Show([Windows.UI.Notifications.ToastNotification]::new($xml))',
].join('\n');

/** The command that shows one notification on `platform`, or undefined where there is none. */
export function notifyCommand(platform: NodeJS.Platform, title: string, body: string): NotifyCommand | undefined {
  const t = maskSecrets(title).replace(/\s+/g, ' ').trim();
  let b = maskSecrets(body).replace(/\s+/g, ' ').trim();
  if (b.length > MAX_BODY) b = `${b.slice(0, MAX_BODY - 1)}…`;
  const env = { BACKUP_SCHEDULER_TITLE: t, BACKUP_SCHEDULER_BODY: b };
  if (platform === 'linux' || platform === 'freebsd' || platform === 'openbsd') {
    // `--` so that a text starting with "-" is not read as an option.
    return { file: 'notify-send', args: ['--app-name=Backup Scheduler', '--urgency=normal', '--', t, b], env: {} };
  }
  if (platform === 'darwin') return { file: 'osascript', args: ['-e', MAC_SCRIPT], env };
  if (platform === 'win32') {
    return { file: 'powershell.exe', args: ['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-EncodedCommand', Buffer.from(WINDOWS_SCRIPT, 'utf16le').toString('base64')], env };
  }
  return undefined;
}

export function systemNotifier(o: { platform?: NodeJS.Platform; logger: Logger; timeoutMs?: number }): DesktopNotifier {
  const platform = o.platform ?? process.platform;
  let failedOnce = false;
  const failed = (why: string) => {
    if (failedOnce) return o.logger.debug(`desktop notification not shown: ${why}`);
    failedOnce = true;
    o.logger.warn(`desktop notification not shown (later failures are logged as debug): ${why}`);
  };
  return {
    notify(title, body) {
      const cmd = notifyCommand(platform, title, body);
      if (!cmd) return failed(`no notification program on ${platform}`);
      try {
        const child = spawn(cmd.file, cmd.args, { env: { ...process.env, ...cmd.env }, stdio: ['ignore', 'ignore', 'pipe'], windowsHide: true, timeout: o.timeoutMs ?? 15_000 });
        let stderr = '';
        child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()).length > 2000 && (stderr = stderr.slice(-2000)));
        child.once('error', (e) => failed(`${cmd.file}: ${e.message}`));
        child.once('close', (code, signal) => {
          if (code !== 0) failed(`${cmd.file} ${signal ? `was killed (${signal})` : `exited with code ${code}`}${stderr.trim() ? `: ${stderr.trim().split('\n').pop()}` : ''}`);
        });
        child.unref();
      } catch (e) {
        failed(`${cmd.file}: ${(e as Error).message}`);
      }
    },
  };
}
