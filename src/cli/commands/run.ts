import { flag } from '../args';
import type { Command } from '../command';
import { knownEnvironment, started, waitFor } from './shared';

export const run: Command = {
  name: 'run',
  summary: 'start a backup now, like Run Now; with --wait, show its log until it ends',
  args: [{ name: 'env', required: true, help: 'the environment\'s id (see `backup-scheduler list`)' }],
  options: [{ name: '--wait', help: 'follow the backup and its verify/prune to the end, printing the log' }],
  json: true,
  details: [
    'Without --wait it prints the task id and returns at once.',
    'Exit codes: 0 started (with --wait: succeeded), 3 succeeded with warnings (--wait), 1 failed, cancelled,',
    'busy or not started (nobody leads: start VS Code or the agent), 2 bad input (unknown environment or option).',
    'Ctrl-C while waiting cancels the backup.',
  ].join('\n'),
  async run(ctx, p) {
    const envId = p.positionals[0];
    const work = await ctx.work();
    await knownEnvironment(work, envId);
    const id = started(ctx, await work.runNow(envId), `backup of ${envId}`);
    if (typeof id !== 'number') return id.exit;
    if (!flag(p, '--wait')) {
      if (ctx.out.json) ctx.out.data({ taskId: id });
      else ctx.out.line(`started backup of ${envId}: task #${id} (follow it with \`backup-scheduler log ${id} --follow\`)`);
      return 0;
    }
    if (!ctx.out.json) ctx.out.line(`backup of ${envId}: task #${id}`);
    return waitFor(ctx, work, id);
  },
};
