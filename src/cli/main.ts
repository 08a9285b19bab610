// `backup-scheduler`: the command line over the same core as the extension and the agent. It
// reaches the work over the leader's private channel (whoever leads: a window or the agent), and
// with nobody leading reads tasks.db without ever writing it. Each command is one file in
// commands/; this file picks the storage folder, parses, runs, and maps errors to exit codes.
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { EXIT } from '../extension/core/client/follow';
import { NoLeaderError } from '../extension/core/client/leaderLink';
import { defaultStorage } from '../extension/core/client/storageRecord';
import { openWork, type Work } from '../extension/core/client/work';
import { parseArgs, UsageError, type OptionSpec } from './args';
import type { Command, Context } from './command';
import { agent } from './commands/agent';
import { cancel } from './commands/cancel';
import { history } from './commands/history';
import { list } from './commands/list';
import { log } from './commands/log';
import { restore } from './commands/restore';
import { run } from './commands/run';
import { status } from './commands/status';
import { commandHelp, GLOBAL_OPTIONS, JSON_OPTION, mainHelp } from './help';
import { consoleOut } from './output';

export const COMMANDS: Command[] = [status, list, run, cancel, log, history, restore, agent];

/** Global options may come before the command; they are parsed again with the command's own. */
function splitCommand(argv: string[]): { name: string | undefined; rest: string[] } {
  const rest = [...argv];
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (a === '--storage') {
      i++;
      continue;
    }
    if (a.startsWith('-')) continue;
    rest.splice(i, 1);
    return { name: a, rest };
  }
  return { name: undefined, rest };
}

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const wantsJson = argv.includes('--json');
  const out = consoleOut(wantsJson);
  const stop = new AbortController();
  let interrupts = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    if (++interrupts > 1 || sig === 'SIGHUP') process.exit(130);
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let work: Work | undefined;
  try {
    const { name, rest } = splitCommand(argv);
    if (name === undefined || name === 'help') {
      const about = name === 'help' ? rest.find((a) => !a.startsWith('-')) : undefined;
      const c = about === undefined ? undefined : COMMANDS.find((x) => x.name === about);
      if (about !== undefined && !c) throw new UsageError(`unknown command "${about}"`);
      if (name === undefined && !rest.some((a) => a === '--help' || a === '-h')) {
        if (rest.length) parseArgs(rest, [...GLOBAL_OPTIONS, JSON_OPTION], [], 'backup-scheduler'); // an unknown option is still an error
        out.error(mainHelp(COMMANDS));
        return EXIT.usage;
      }
      out.line(c ? commandHelp(c) : mainHelp(COMMANDS));
      return EXIT.ok;
    }
    const command = COMMANDS.find((c) => c.name === name);
    if (!command) throw new UsageError(`unknown command "${name}" (commands: ${COMMANDS.map((c) => c.name).join(', ')})`);
    const options: OptionSpec[] = [...command.options, ...(command.json ? [JSON_OPTION] : []), ...GLOBAL_OPTIONS];
    const parsed = parseArgs(rest, options, command.args, command.name);
    if (parsed.options.has('--help')) {
      out.line(commandHelp(command));
      return EXIT.ok;
    }
    const storageOpt = parsed.options.get('--storage');
    const storage = (): string => {
      const dir = typeof storageOpt === 'string' ? resolve(storageOpt) : env.BACKUP_SCHEDULER_STORAGE || defaultStorage();
      if (!dir) throw new UsageError('no storage folder known: open VS Code once with Backup Scheduler, or pass --storage DIR');
      if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`--storage: ${dir} is not a folder`);
      return dir;
    };
    const ctx: Context = {
      out,
      storage,
      work: async () => (work ??= await openWork(storage())),
      now: () => Date.now(),
      signal: stop.signal,
    };
    return await command.run(ctx, parsed);
  } catch (e) {
    if (e instanceof UsageError) {
      out.error(`backup-scheduler: ${e.message}`);
      return EXIT.usage;
    }
    out.error(`backup-scheduler: ${e instanceof NoLeaderError ? '' : 'error: '}${(e as Error).message ?? String(e)}`);
    return EXIT.failed;
  } finally {
    work?.dispose();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    // Let stdout drain (a pipe to `jq` or a hook's log) before leaving.
    process.exitCode = code;
  });
}
