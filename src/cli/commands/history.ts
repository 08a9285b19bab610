import { TASK_STATUSES, type TaskStatus } from '../../shared/model';
import { formatDateTime, formatDuration } from '../../shared/format';
import { list as listOf, sinceArg, str, UsageError } from '../args';
import type { Command } from '../command';
import { safe, statusText, table } from '../output';

export const history: Command = {
  name: 'history',
  summary: 'finished and running tasks, newest first',
  args: [],
  options: [
    { name: '--env', value: 'E', repeat: true, help: 'only this environment (repeatable)' },
    { name: '--status', value: 'S', repeat: true, help: `only this status: ${TASK_STATUSES.join(', ')} (repeatable, or comma-separated)` },
    { name: '--since', value: 'T', help: 'only tasks queued after T: a date or time (2026-12-01, 2026-12-01T08:00) or an age (30m, 12h, 7d, 2w)' },
    { name: '--limit', value: 'N', help: 'at most N tasks (default 20, at most 1000)' },
  ],
  json: true,
  details: 'With --json: an array of task records (the fields of the Task Log).\nExit codes: 0 answered, 1 failed, 2 bad input.',
  async run(ctx, p) {
    const statuses = listOf(p, '--status').flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
    for (const s of statuses) if (!TASK_STATUSES.includes(s as TaskStatus)) throw new UsageError(`--status: unknown status "${s}" (one of ${TASK_STATUSES.join(', ')})`);
    const limitText = str(p, '--limit');
    const limit = limitText === undefined ? 20 : Number(limitText);
    if (!/^\d+$/.test(limitText ?? '20') || limit < 1 || limit > 1000) throw new UsageError(`--limit: "${limitText}" is not a number from 1 to 1000`);
    const since = str(p, '--since');
    const envIds = listOf(p, '--env');
    const work = await ctx.work();
    if (envIds.length && work.leader) {
      const known = new Set((await work.environments()).map((e) => e.id));
      const unknown = envIds.find((e) => !known.has(e));
      // An environment removed from the settings still has its history: only refuse a name no task has.
      if (unknown && (await work.tasks({ envIds: [unknown], limit: 1 })).total === 0) throw new UsageError(`unknown environment "${unknown}"`);
    }
    const page = await work.tasks({
      ...(envIds.length ? { envIds } : {}),
      ...(statuses.length ? { statuses: statuses as TaskStatus[] } : {}),
      ...(since !== undefined ? { from: sinceArg(since, ctx.now()) } : {}),
      limit,
    });
    const { out } = ctx;
    if (out.json) {
      out.data(page.rows);
      return 0;
    }
    if (!work.leader) out.error('(nobody leads: read from the stored history)');
    if (page.rows.length === 0) {
      out.line('No tasks.');
      return 0;
    }
    table(
      out,
      ['TASK', 'ENV', 'KIND', 'TRIGGER', 'STATUS', 'STARTED', 'TOOK', 'RESULT'],
      page.rows.map((t) => [
        `#${t.id}`,
        t.envId,
        t.kind,
        t.trigger,
        statusText(out, t),
        formatDateTime(t.startedAt ?? t.queuedAt),
        t.startedAt !== null && t.finishedAt !== null ? formatDuration(t.finishedAt - t.startedAt) : '',
        safe(t.status === 'succeeded' ? (t.result?.summary ?? t.result?.archivePath ?? t.result?.snapshotId ?? '') : (t.error ?? t.skipReason ?? '')),
      ]),
    );
    if (page.total > page.rows.length) out.line(`(${page.rows.length} of ${page.total}; --limit N shows more)`);
    return 0;
  },
};
