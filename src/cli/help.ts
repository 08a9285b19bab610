// `--help` texts, generated from the command table so they cannot drift from what is parsed.
import type { OptionSpec } from './args';
import type { Command } from './command';

export const GLOBAL_OPTIONS: OptionSpec[] = [
  { name: '--storage', value: 'DIR', help: 'the extension\'s global-storage folder (default: $BACKUP_SCHEDULER_STORAGE, else the one the agent or the last VS Code window used)' },
  { name: '--help', help: 'show help (also -h)' },
];
export const JSON_OPTION: OptionSpec = { name: '--json', help: 'print JSON for scripts' };

const EXIT_CODES = [
  'Exit codes:',
  '  0  done (run --wait: the backup succeeded)',
  '  1  failed: the backup failed or was cancelled, the leader refused or could not be reached',
  '  2  bad input: unknown command, option, environment or task, or a missing value; nothing was started',
  '  3  run --wait / log --follow: the backup succeeded with warnings',
].join('\n');

function optionLines(options: OptionSpec[]): string[] {
  const left = options.map((o) => `  ${o.name}${o.value ? ` ${o.value}` : ''}`);
  const w = Math.max(...left.map((l) => l.length));
  return options.map((o, i) => `${left[i].padEnd(w)}  ${o.help}`);
}

export function mainHelp(commands: Command[]): string {
  const w = Math.max(...commands.map((c) => c.name.length));
  return [
    'Usage: backup-scheduler [--storage DIR] <command> [options]',
    '',
    'Backup Scheduler from the terminal: talks to the VS Code window or background agent that runs',
    'the backups; with none running, reading commands read the stored history.',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(w)}  ${c.summary}`),
    '',
    'Options:',
    ...optionLines([...GLOBAL_OPTIONS, JSON_OPTION]),
    '',
    EXIT_CODES,
    '',
    'Run `backup-scheduler <command> --help` for a command\'s arguments and options.',
  ].join('\n');
}

export function commandHelp(c: Command): string {
  const args = c.args.map((a) => (a.required ? `<${a.name}>` : `[${a.name}]`)).join(' ');
  const options = [...c.options, ...(c.json ? [JSON_OPTION] : []), ...GLOBAL_OPTIONS];
  return [
    `Usage: backup-scheduler ${c.name}${args ? ` ${args}` : ''}${c.options.length || c.json ? ' [options]' : ''}`,
    '',
    `${c.summary[0].toUpperCase()}${c.summary.slice(1)}.`,
    ...(c.args.length ? ['', 'Arguments:', ...c.args.map((a) => `  ${a.name}  ${a.help}`)] : []),
    '',
    'Options:',
    ...optionLines(options),
    '',
    c.details,
  ].join('\n');
}
