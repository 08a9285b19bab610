import { FINAL_STATUSES } from '../../shared/model';
import { NoLeaderError } from '../../extension/core/client/leaderLink';
import { START_HINT } from '../../extension/core/client/work';
import { taskIdArg } from '../args';
import type { Command } from '../command';
import { knownTask } from './shared';

export const cancel: Command = {
  name: 'cancel',
  summary: 'cancel a queued or running task',
  args: [{ name: 'task', required: true, help: 'the task id (see `backup-scheduler status` or `history`)' }],
  options: [],
  json: true,
  details: 'Exit codes: 0 cancelled, 1 it had already ended or nobody leads, 2 bad input (unknown task).',
  async run(ctx, p) {
    const id = taskIdArg(p.positionals[0]);
    const work = await ctx.work();
    const t = await knownTask(work, id);
    if (FINAL_STATUSES.includes(t.status)) {
      if (ctx.out.json) ctx.out.data({ taskId: id, cancelled: false, status: t.status });
      else ctx.out.error(`backup-scheduler: task #${id} has already ended (${t.status})`);
      return 1;
    }
    if (!work.leader) throw new NoLeaderError(work.hint ?? START_HINT);
    const ok = await work.cancel(id);
    if (ctx.out.json) ctx.out.data({ taskId: id, cancelled: ok });
    else if (ok) ctx.out.line(`cancelled task #${id}`);
    else ctx.out.error(`backup-scheduler: task #${id} could not be cancelled (it may have just ended)`);
    return ok ? 0 : 1;
  },
};
