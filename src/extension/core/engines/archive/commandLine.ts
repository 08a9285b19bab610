// How a command environment's command is started, as pure functions of the platform: which shell
// with which arguments, and which environment variables the command gets. Kept apart from the
// spawning so each platform's form is tested on any platform.

/** The variables a command gets from us; `$NAME` (sh) and `%NAME%` (cmd.exe) both work everywhere. */
export const BACKUP_VARS = ['BACKUP_FILE', 'BACKUP_DIR', 'BACKUP_ENV_ID', 'BACKUP_TIMESTAMP'] as const;

export interface ShellInvocation {
  file: string;
  args: string[];
  /** cmd.exe parses its own command line: Node must pass it unquoted (as Node's `shell: true` does). */
  windowsVerbatimArguments: boolean;
  /** POSIX: the shell leads its own process group, so the whole tree can be killed. */
  detached: boolean;
}

const NAMES = BACKUP_VARS.join('|');
const POSIX_FORM = new RegExp(`\\$(?:\\{(${NAMES})\\}|(${NAMES})(?![A-Za-z0-9_]))`, 'g');
const CMD_FORM = new RegExp(`%(${NAMES})%`, 'g');

/**
 * The shell and arguments for `command`. cmd.exe does not expand `$BACKUP_FILE` (it would write a
 * file literally named so), and sh does not expand `%BACKUP_FILE%`: each form of our own variables
 * is turned into the platform's, so one command from synced settings works on both. On POSIX the
 * shell first sets umask 077, so a dump and whatever else the command creates is private to the
 * user from its first byte.
 */
export function shellInvocation(command: string, platform: NodeJS.Platform, comSpec?: string): ShellInvocation {
  if (platform === 'win32') {
    const line = command.replace(POSIX_FORM, (_, braced: string | undefined, bare: string | undefined) => `%${braced ?? bare}%`);
    return { file: comSpec || 'cmd.exe', args: ['/d', '/s', '/c', `"${line}"`], windowsVerbatimArguments: true, detached: false };
  }
  const line = command.replace(CMD_FORM, (_, name: string) => `\${${name}}`);
  return { file: '/bin/sh', args: ['-c', `umask 077; ${line}`], windowsVerbatimArguments: false, detached: true };
}

/** What a command needs from the host's environment to find programs, the user and the locale. */
const POSIX_KEEP = ['PATH', 'HOME', 'USER', 'LOGNAME', 'SHELL', 'LANG', 'LANGUAGE', 'TZ', 'TMPDIR', 'SSH_AUTH_SOCK', 'XDG_RUNTIME_DIR'];
const WINDOWS_KEEP = [
  'PATH', 'PATHEXT', 'SystemRoot', 'SystemDrive', 'windir', 'ComSpec', 'TEMP', 'TMP', 'USERPROFILE', 'USERNAME', 'USERDOMAIN',
  'HOMEDRIVE', 'HOMEPATH', 'APPDATA', 'LOCALAPPDATA', 'ProgramData', 'ProgramFiles', 'ProgramFiles(x86)', 'ProgramW6432',
  'CommonProgramFiles', 'NUMBER_OF_PROCESSORS', 'PROCESSOR_ARCHITECTURE', 'OS', 'LANG',
];

export interface CommandEnvOptions {
  platform: NodeJS.Platform;
  host: Record<string, string | undefined>;
  /** Pass the whole host environment (the environment's `inheritEnv`). */
  inherit: boolean;
  /** Set by the engine or the settings for this command. */
  extra?: Record<string, string>;
  backup: Record<(typeof BACKUP_VARS)[number], string>;
}

/**
 * The command's environment. By default only what it needs: the extension host's environment
 * holds tokens and VS Code's own variables (ELECTRON_RUN_AS_NODE, VSCODE_*) that a dump script
 * has no business seeing. Windows names are matched without regard to case, as Windows does.
 */
export function commandEnvironment(o: CommandEnvOptions): Record<string, string> {
  const out: Record<string, string> = {};
  if (o.inherit) {
    for (const [k, v] of Object.entries(o.host)) if (v !== undefined) out[k] = v;
  } else {
    const win = o.platform === 'win32';
    const keep = new Set((win ? WINDOWS_KEEP : POSIX_KEEP).map((k) => (win ? k.toUpperCase() : k)));
    for (const [k, v] of Object.entries(o.host)) {
      if (v === undefined) continue;
      const key = win ? k.toUpperCase() : k;
      if (keep.has(key) || (!win && key.startsWith('LC_'))) out[k] = v;
    }
  }
  return { ...out, ...o.extra, ...o.backup };
}
