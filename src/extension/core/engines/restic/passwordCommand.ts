// A password printed by the environment's `passwordCommand` is kept in memory for a short time,
// so the many restic runs of a browse, a compare and every tooltip hover do not each run the
// command again (a keychain or a hardware key may prompt each time). restic then gets it as
// RESTIC_PASSWORD, which is what restic itself does with the command's output.
import { execFailure, execOffThread } from '../../util/offThreadExec';

/** How long a resolved password is kept: 5 minutes from when the command printed it. */
export const PASSWORD_KEEP_MS = 5 * 60_000;
/** A command that waits this long (a prompt nobody answers) fails. */
const COMMAND_TIMEOUT_MS = 2 * 60_000;

/**
 * restic's own reading of `--password-command`: words split at blanks, '…' and "…" group (no
 * escapes, no shell), the program run directly, its output trimmed of white space.
 */
export function splitCommand(command: string): string[] {
  const words: string[] = [];
  let word = '';
  let quote: string | undefined;
  let any = false;
  for (const ch of command) {
    if (quote) {
      if (ch === quote) quote = undefined;
      else word += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      any = true;
    } else if (/\s/.test(ch)) {
      if (any || word) words.push(word);
      word = '';
      any = false;
    } else word += ch;
  }
  if (quote) throw new Error('passwordCommand has an unclosed quote');
  if (any || word) words.push(word);
  if (words.length === 0) throw new Error('passwordCommand is empty');
  return words;
}

export async function runPasswordCommand(command: string, env: Record<string, string>): Promise<string> {
  const [program, ...args] = splitCommand(command);
  let r;
  try {
    r = await execOffThread(program, args, { env, timeoutMs: COMMAND_TIMEOUT_MS, maxBytes: 1 << 20 });
  } catch (e) {
    throw new Error(`passwordCommand failed: ${(e as Error).message.split('\n')[0]}`);
  }
  if (r.code !== 0) throw new Error(`passwordCommand failed: ${execFailure(r, false)}`); // never its stdout: the password
  return r.stdout.trim();
}

/** Passwords by command, each kept PASSWORD_KEEP_MS; callers asking while it runs share the run. */
export class PasswordKeeper {
  private readonly kept = new Map<string, { at?: number; value: Promise<string> }>();

  constructor(
    private readonly now: () => number,
    private readonly run: (command: string, env: Record<string, string>) => Promise<string> = runPasswordCommand,
    readonly keepMs = PASSWORD_KEEP_MS,
  ) {}

  get(command: string, env: Record<string, string>): Promise<string> {
    const hit = this.kept.get(command);
    if (hit && (hit.at === undefined || this.now() - hit.at < this.keepMs)) return hit.value;
    const slot: { at?: number; value: Promise<string> } = { value: this.run(command, env) };
    this.kept.set(command, slot);
    slot.value.then(
      () => (slot.at = this.now()),
      () => this.kept.get(command) === slot && this.kept.delete(command), // a failure is not kept
    );
    return slot.value;
  }

  /** After restic says the password is wrong: the next run asks the command again. */
  forget(command?: string): void {
    if (command === undefined) this.kept.clear();
    else this.kept.delete(command);
  }
}
