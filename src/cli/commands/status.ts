import { formatDateTime, formatRelative } from '../../shared/format';
import type { EnvironmentSummary } from '../../extension/core/client/summaries';
import type { Command, Context } from '../command';
import { paint, progressText, safe, statusText, table, type Out } from '../output';

export const status: Command = {
  name: 'status',
  summary: 'who runs the backups, what runs now, and each environment\'s next run and last result',
  args: [],
  options: [],
  json: true,
  details: 'Asks the VS Code window or background agent that leads; with none, reads the history (tasks.db) and says so.\nExit codes: 0 answered, 1 failed.',
  async run(ctx: Context) {
    const work = await ctx.work();
    const s = await work.status();
    const { out } = ctx;
    if (out.json) {
      out.data({ leader: s.leader ?? null, running: s.running, environments: s.environments });
      return 0;
    }
    const now = ctx.now();
    if (s.leader) {
      out.line(`Leader: ${s.leader.host === 'agent' ? 'background agent' : 'VS Code window'} (pid ${s.leader.pid}) since ${formatDateTime(s.leader.since)}${s.leader.version ? `, version ${s.leader.version}` : ''}`);
      if (s.leader.agent) out.line(`  the background agent (pid ${s.leader.agent.pid}) takes over${s.leader.handingOver ? ' once the running tasks end' : ''}`);
    }
    else out.line(paint(out, 'yellow', 'Leader: none. No VS Code window or background agent runs the backups; this is the stored history.'));
    out.line();
    if (s.running.length === 0) out.line('Running: nothing');
    else {
      out.line('Running:');
      table(out, ['  TASK', 'ENV', 'KIND', 'STATUS', 'PROGRESS'], s.running.map((t) => [`  #${t.id}`, t.envId, t.kind, statusText(out, t), progressText(t)]));
    }
    out.line();
    environmentsTable(out, s.environments, now);
    return 0;
  },
};

function lastText(out: Out, e: EnvironmentSummary, now: number): string {
  const l = e.lastBackup;
  if (!l) return 'never';
  return `${statusText(out, l)}${l.finishedAt !== null ? ` ${formatRelative(l.finishedAt, now)}` : ''} (#${l.taskId})`;
}

function environmentsTable(out: Out, envs: EnvironmentSummary[], now: number): void {
  if (envs.length === 0) return out.line('Environments: none known');
  out.line('Environments:');
  table(
    out,
    ['  ENV', 'NEXT RUN', 'LAST BACKUP'],
    envs.map((e) => [
      `  ${e.id}`,
      e.problem ? safe(e.problem) : !e.valid ? 'invalid' : e.enabled === false ? 'disabled' : e.nextRun !== null ? `${formatDateTime(e.nextRun).slice(0, 16)} (${formatRelative(e.nextRun, now)})` : '-',
      lastText(out, e, now),
    ]),
  );
}
