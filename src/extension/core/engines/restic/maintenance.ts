// Retention (`forget --prune`, only this environment's snapshots), `check` and `init`.
import type { TaskResult } from '../../../../shared/model';
import type { Environment } from '../../environments/types';
import type { TaskContext } from '../../ports';
import type { PruneRequest } from '../types';
import { ResticError, type ResticCli } from './cli';
import { redactUrl } from './credentials';
import { ownSnapshots } from './tags';

const KEEP_FLAGS = { keepLast: '--keep-last', keepDaily: '--keep-daily', keepWeekly: '--keep-weekly', keepMonthly: '--keep-monthly' } as const;

interface ForgetGroup {
  keep?: { id: string }[] | null;
  remove?: { id: string }[] | null;
}

function logLines(ctx: TaskContext, cli: ResticCli, text: string, prefix: string): void {
  for (const l of text.split('\n')) {
    const t = l.trim();
    // Progress bars ("[0:00] 100.00% 5 / 5 packs") are noise in a log.
    if (t && !/^\[\d+:\d\d\]/.test(t) && !t.startsWith('[{')) ctx.log('info', `${prefix}${cli.redact(t)}`);
  }
}

export async function prune(ctx: TaskContext, cli: ResticCli, env: Environment, req: PruneRequest): Promise<TaskResult> {
  const flags: string[] = [];
  for (const [key, flag] of Object.entries(KEEP_FLAGS)) {
    const n = env.retention?.[key as keyof typeof KEEP_FLAGS];
    if (n !== undefined && n > 0) flags.push(flag, String(n));
  }
  if (flags.length === 0) {
    ctx.log('info', 'No retention policy with a count above 0: nothing is forgotten');
    return { summary: 'no retention policy' };
  }
  // Only this machine's snapshots: another machine with the same environment id keeps its own
  // (its own retention trims them). One group per host and environment; the newest snapshot of a
  // group always stays (every keep rule keeps the newest of its period): req.newestGoodId.
  const args = ['forget', '--json', ...ownSnapshots(env.id), '--group-by', 'host,tags', ...flags, '--prune'];
  ctx.log('info', `restic ${args.filter((a) => a !== '--json').join(' ')}`);
  if (req.newestGoodId) ctx.log('debug', `newest good snapshot ${req.newestGoodId}`);
  ctx.progress({ current: 'forgetting old snapshots' });
  // Daily/weekly/monthly buckets follow the environment's time zone, as its schedule does.
  const r = await cli.run('Prune', args, { signal: ctx.signal, retryOnLock: true, extraEnv: env.timezone ? { TZ: env.timezone } : undefined });
  const out = r.stdout.toString('utf8');
  let kept = 0;
  let removed = 0;
  const first = out.split('\n').find((l) => l.trim().startsWith('['));
  if (first) {
    for (const g of JSON.parse(first) as ForgetGroup[]) {
      kept += g.keep?.length ?? 0;
      removed += g.remove?.length ?? 0;
    }
  }
  logLines(ctx, cli, out, 'restic: ');
  logLines(ctx, cli, r.stderr.join('\n'), 'restic: ');
  const summary = `${removed} snapshot${removed === 1 ? '' : 's'} forgotten, ${kept} kept${removed ? '; unused data pruned' : ''}`;
  ctx.log('info', summary);
  return { summary };
}

export async function check(ctx: TaskContext, cli: ResticCli, env: Environment): Promise<TaskResult> {
  const args = ['check'];
  if (env.verifyDataSubset) args.push('--read-data-subset', env.verifyDataSubset);
  ctx.log('info', `restic ${args.join(' ')} on ${redactUrl(cli.repository)}`);
  ctx.progress({ current: env.verifyDataSubset ? `checking structure and ${env.verifyDataSubset} of the data` : 'checking repository structure' });
  const problems: string[] = [];
  const note = (l: string) => {
    if (/error|does not match|not found|damaged|invalid|unexpected|mismatch/i.test(l) && !/no errors were found/.test(l)) problems.push(cli.redact(l.trim()));
  };
  try {
    const r = await cli.run('Check', args, { signal: ctx.signal, retryOnLock: true, onStdoutLine: note, onStderrLine: note });
    logLines(ctx, cli, r.stderr.join('\n'), 'restic: ');
  } catch (e) {
    if (e instanceof ResticError && e.kind === 'failed' && problems.length) {
      for (const p of problems.slice(0, 50)) ctx.log('error', p);
      throw new Error(`Check found errors in restic repository ${redactUrl(cli.repository)}: ${problems.slice(0, 3).join('; ')}${problems.length > 3 ? ` (and ${problems.length - 3} more, see the log)` : ''}`);
    }
    throw e;
  }
  const summary = `no errors found${env.verifyDataSubset ? ` (read ${env.verifyDataSubset} of the data)` : ' (structure only)'}`;
  ctx.log('info', `Check: ${summary}`);
  return { summary };
}

export async function init(ctx: TaskContext, cli: ResticCli): Promise<TaskResult> {
  ctx.log('info', `Initializing restic repository ${redactUrl(cli.repository)}`);
  try {
    await cli.run('Initialize', ['init'], { signal: ctx.signal });
  } catch (e) {
    const text = e instanceof Error ? e.message : String(e);
    if (/already exists|already initialized/i.test(text)) throw new Error(`There already is a restic repository at ${redactUrl(cli.repository)}: nothing to initialize`);
    throw e;
  }
  const summary = `repository ${redactUrl(cli.repository)} created`;
  ctx.log('info', summary);
  return { summary };
}
