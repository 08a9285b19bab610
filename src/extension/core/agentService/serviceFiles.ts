// The service definitions, one per OS: a systemd user unit, a launchd LaunchAgent plist, a Task
// Scheduler task. Each starts the same command line (AgentCommand), restarts the agent when it
// fails (not when it was stopped), and runs as the user, never as root.
import { systemdArg, systemdExecutable, systemdText, windowsArg, xmlText } from './escape';

/** How the agent is started: `<node> <versionDir>/agent.js --storage <storageDir>`. */
export interface AgentCommand {
  /** The Node runtime (a real node, or VS Code's own binary run as Node). */
  node: string;
  /** VS Code's binary: started with ELECTRON_RUN_AS_NODE=1 so it behaves as Node. */
  electron: boolean;
  /** agent.js and its arguments. */
  args: string[];
  /** Working folder: the version folder (agent.js finds sql-wasm.wasm and its workers' scripts beside itself anyway). */
  cwd: string;
  /** Where stdout and stderr go when the manager does not keep them (launchd, detached). */
  outLog: string;
}

export interface ServiceDefinition {
  /** systemd unit name, launchd label or task name. */
  name: string;
  description: string;
  command: AgentCommand;
}

/** The environment the agent gets on top of the manager's. */
export function agentEnvironment(command: AgentCommand): Record<string, string> {
  return command.electron ? { ELECTRON_RUN_AS_NODE: '1' } : {};
}

/**
 * A systemd user unit. `Restart=on-failure`: a crash restarts it (after 10 s), `systemctl --user
 * stop` does not; `WantedBy=default.target`: started when the user's manager starts (at login, or
 * at boot with lingering). The agent stops cleanly on SIGTERM, which ends a running task as
 * interrupted; the 30 s stop timeout leaves it time to save tasks.db. No WorkingDirectory: systemd
 * takes that value unquoted (a path with a quote could not be written), and agent.js finds its
 * files beside itself.
 */
export function systemdUnit(def: ServiceDefinition): string {
  const exe = systemdExecutable(def.command.node);
  // A node path systemd cannot take as an executable is handed to env(1) as an argument instead.
  const exec = exe !== undefined ? [exe] : ['/usr/bin/env', systemdArg(def.command.node)];
  const env = Object.entries(agentEnvironment(def.command)).map(([k, v]) => `Environment=${systemdArg(`${k}=${v}`)}`);
  return [
    '[Unit]',
    `Description=${systemdText(def.description)}`,
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${[...exec, ...def.command.args.map(systemdArg)].join(' ')}`,
    ...env,
    'Restart=on-failure',
    'RestartSec=10',
    'TimeoutStopSec=30',
    // Backups are background work: they yield the CPU and the disk to what the user is doing.
    'Nice=10',
    'IOSchedulingClass=idle',
    '',
    '[Install]',
    'WantedBy=default.target',
    '',
  ].join('\n');
}

/**
 * A LaunchAgent plist. `RunAtLoad` starts it at login (and at bootstrap); `KeepAlive` with
 * `SuccessfulExit=false` restarts it only when it exits with an error, so a stop (SIGTERM, exit 0)
 * stays stopped. `ProcessType=Background` lets macOS throttle it like other background work.
 */
export function launchdPlist(def: ServiceDefinition): string {
  const s = (v: string) => `<string>${xmlText(v)}</string>`;
  const env = Object.entries(agentEnvironment(def.command));
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<plist version="1.0">',
    '<dict>',
    `  <key>Label</key>${s(def.name)}`,
    '  <key>ProgramArguments</key>',
    '  <array>',
    ...[def.command.node, ...def.command.args].map((a) => `    ${s(a)}`),
    '  </array>',
    `  <key>WorkingDirectory</key>${s(def.command.cwd)}`,
    ...(env.length ? ['  <key>EnvironmentVariables</key>', '  <dict>', ...env.map(([k, v]) => `    <key>${xmlText(k)}</key>${s(v)}`), '  </dict>'] : []),
    '  <key>RunAtLoad</key><true/>',
    '  <key>KeepAlive</key>',
    '  <dict>',
    '    <key>SuccessfulExit</key><false/>',
    '  </dict>',
    '  <key>ThrottleInterval</key><integer>10</integer>',
    '  <key>ProcessType</key><string>Background</string>',
    `  <key>StandardOutPath</key>${s(def.command.outLog)}`,
    `  <key>StandardErrorPath</key>${s(def.command.outLog)}`,
    '</dict>',
    '</plist>',
    '',
  ];
  return lines.join('\n');
}

/**
 * A Task Scheduler task (schema 1.2) started at the user's logon, as that user with least
 * privilege. The defaults would stop it after 72 hours and on battery, and not start it on
 * battery: `ExecutionTimeLimit=PT0S` and both battery settings off. A failure restarts it every
 * minute. `user` is DOMAIN\name: a user without admin rights may only register a logon trigger
 * for themselves. Written as UTF-16 by the installer, as schtasks expects.
 */
export function taskXml(def: ServiceDefinition, user: string): string {
  const t = xmlText;
  return [
    '<?xml version="1.0" encoding="UTF-16"?>',
    '<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">',
    '  <RegistrationInfo>',
    `    <Description>${t(def.description)}</Description>`,
    '  </RegistrationInfo>',
    '  <Triggers>',
    '    <LogonTrigger>',
    '      <Enabled>true</Enabled>',
    `      <UserId>${t(user)}</UserId>`,
    '    </LogonTrigger>',
    '  </Triggers>',
    '  <Principals>',
    '    <Principal id="Author">',
    `      <UserId>${t(user)}</UserId>`,
    '      <LogonType>InteractiveToken</LogonType>',
    '      <RunLevel>LeastPrivilege</RunLevel>',
    '    </Principal>',
    '  </Principals>',
    '  <Settings>',
    '    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>',
    '    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>',
    '    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>',
    '    <AllowHardTerminate>true</AllowHardTerminate>',
    '    <StartWhenAvailable>true</StartWhenAvailable>',
    '    <RunOnlyIfNetworkAvailable>false</RunOnlyIfNetworkAvailable>',
    '    <IdleSettings>',
    '      <StopOnIdleEnd>false</StopOnIdleEnd>',
    '      <RestartOnIdle>false</RestartOnIdle>',
    '    </IdleSettings>',
    '    <AllowStartOnDemand>true</AllowStartOnDemand>',
    '    <Enabled>true</Enabled>',
    '    <Hidden>false</Hidden>',
    '    <RunOnlyIfIdle>false</RunOnlyIfIdle>',
    '    <WakeToRun>false</WakeToRun>',
    '    <ExecutionTimeLimit>PT0S</ExecutionTimeLimit>',
    '    <Priority>7</Priority>',
    '    <RestartOnFailure>',
    '      <Interval>PT1M</Interval>',
    '      <Count>999</Count>',
    '    </RestartOnFailure>',
    '  </Settings>',
    '  <Actions Context="Author">',
    '    <Exec>',
    `      <Command>${t(def.command.node)}</Command>`,
    `      <Arguments>${t(def.command.args.map(windowsArg).join(' '))}</Arguments>`,
    `      <WorkingDirectory>${t(def.command.cwd)}</WorkingDirectory>`,
    '    </Exec>',
    '  </Actions>',
    '</Task>',
    '',
  ].join('\r\n');
}
