import { FINAL_STATUSES } from '../../shared/model';
import { followTask, runExitCode } from '../../extension/core/client/follow';
import { flag, taskIdArg } from '../args';
import type { Command } from '../command';
import { logLine, summaryLine } from '../output';
import { knownTask } from './shared';

export const log: Command = {
  name: 'log',
  summary: 'print a task\'s log; with --follow, until the task ends',
  args: [{ name: 'task', required: true, help: 'the task id' }],
  options: [{ name: '--follow', help: 'keep printing new lines until the task ends (Ctrl-C stops following; the task goes on)' }],
  json: true,
  details: [
    'With --json: one JSON object per line (a log line {taskId, seq, time, level, text}, then {task: <record>} when it ended).',
    'Exit codes: 0 printed (with --follow: the task succeeded), 3 it succeeded with warnings (--follow),',
    '1 it failed or was cancelled (--follow), 2 bad input (unknown task).',
  ].join('\n'),
  async run(ctx, p) {
    const id = taskIdArg(p.positionals[0]);
    const work = await ctx.work();
    await knownTask(work, id);
    const { out } = ctx;
    const follow = flag(p, '--follow');
    const emit = (v: unknown) => out.line(JSON.stringify(v));
    const t = await followTask(
      work,
      id,
      {
        log: (l) => (out.json ? emit(l) : out.line(logLine(out, l))),
        finished: (r) => (out.json ? emit({ task: r }) : out.line(summaryLine(out, r))),
        signal: ctx.signal,
      },
      { follow },
    );
    if (follow && t && !FINAL_STATUSES.includes(t.status) && !ctx.signal.aborted) {
      out.error(`backup-scheduler: nobody leads, so task #${id} does not go on (${t.status} in the history)`);
      return 1;
    }
    return follow && t && FINAL_STATUSES.includes(t.status) ? runExitCode([t]) : 0;
  },
};
