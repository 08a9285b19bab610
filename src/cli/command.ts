// What every command file exports, and what it is handed: the parsed arguments, the output, and
// the work of the chosen storage folder (opened on first use, so `--help` needs no storage).
import type { Work } from '../extension/core/client/work';
import type { ArgSpec, OptionSpec, Parsed } from './args';
import type { Out } from './output';

export interface Context {
  readonly out: Out;
  readonly storage: () => string;
  readonly work: () => Promise<Work>;
  readonly now: () => number;
  /** Aborted on the first Ctrl-C or SIGTERM. */
  readonly signal: AbortSignal;
}

export interface Command {
  name: string;
  summary: string;
  args: ArgSpec[];
  options: OptionSpec[];
  /** Prints JSON with --json. */
  json: boolean;
  /** More text for `<command> --help`: what it does, its exit codes. */
  details: string;
  run(ctx: Context, p: Parsed): Promise<number>;
}
