// Command-line parsing, small on purpose: `--name value`, `--name=value`, flags, positionals, and
// `--` to end options. Anything not declared is a usage error (exit 2) before anything runs.

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface OptionSpec {
  name: string;
  /** Placeholder of its value (`DIR`); a flag when absent. */
  value?: string;
  repeat?: boolean;
  help: string;
}

export interface ArgSpec {
  name: string;
  required: boolean;
  help: string;
}

export interface Parsed {
  positionals: string[];
  options: Map<string, string | true | string[]>;
}

export function parseArgs(argv: readonly string[], options: readonly OptionSpec[], args: readonly ArgSpec[], command: string): Parsed {
  const byName = new Map(options.map((o) => [o.name, o]));
  const out: Parsed = { positionals: [], options: new Map() };
  let onlyPositionals = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (onlyPositionals || !a.startsWith('-') || a === '-') {
      out.positionals.push(a);
      continue;
    }
    if (a === '--') {
      onlyPositionals = true;
      continue;
    }
    const eq = a.indexOf('=');
    const name = a === '-h' ? '--help' : eq > 0 ? a.slice(0, eq) : a;
    const spec = byName.get(name);
    if (!spec) throw new UsageError(`unknown option ${name} for ${command}`);
    let value: string | true = true;
    if (spec.value) {
      if (eq > 0) value = a.slice(eq + 1);
      else if (i + 1 < argv.length) value = argv[++i];
      else throw new UsageError(`${name} needs a value (${spec.value})`);
    } else if (eq > 0) throw new UsageError(`${name} takes no value`);
    if (spec.repeat) out.options.set(name, [...((out.options.get(name) as string[] | undefined) ?? []), value as string]);
    else if (out.options.has(name) && spec.value) throw new UsageError(`${name} given twice`);
    else out.options.set(name, value);
  }
  if (out.options.has('--help')) return out;
  const required = args.filter((x) => x.required).length;
  if (out.positionals.length < required) throw new UsageError(`${command}: missing ${args[out.positionals.length].name}`);
  if (out.positionals.length > args.length) throw new UsageError(`${command}: unexpected argument "${out.positionals[args.length]}"`);
  return out;
}

export const str = (p: Parsed, name: string): string | undefined => {
  const v = p.options.get(name);
  return typeof v === 'string' ? v : undefined;
};
export const list = (p: Parsed, name: string): string[] => {
  const v = p.options.get(name);
  return Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
};
export const flag = (p: Parsed, name: string): boolean => p.options.get(name) === true;

/** A task id as the user typed it: `12` or `#12`. */
export function taskIdArg(text: string): number {
  const n = Number(text.replace(/^#/, ''));
  if (!/^#?\d+$/.test(text) || !Number.isSafeInteger(n) || n < 1) throw new UsageError(`"${text}" is not a task id (a number such as 12)`);
  return n;
}

/** `--since`: a date or time (2026-12-01, 2026-12-01T08:00, any Date.parse form) or an age (30m, 12h, 7d, 2w). */
export function sinceArg(text: string, now: number): number {
  const m = /^(\d+)\s*(s|m|min|h|d|w)$/.exec(text.trim());
  if (m) {
    const unit = { s: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 }[m[2] as 's'];
    return now - Number(m[1]) * unit;
  }
  // A bare date means local midnight, as a person means it (Date.parse would take UTC).
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text.trim());
  const t = day ? new Date(Number(day[1]), Number(day[2]) - 1, Number(day[3])).getTime() : Date.parse(text);
  if (!Number.isFinite(t)) throw new UsageError(`--since: "${text}" is neither a date (2026-12-01, 2026-12-01T08:00) nor an age (30m, 12h, 7d, 2w)`);
  return t;
}
