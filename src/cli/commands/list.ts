import { publishedEnvironments } from '../../extension/core/client/publishedEnvironments';
import type { Command, Context } from '../command';
import { safe, table } from '../output';

export const list: Command = {
  name: 'list',
  summary: 'the environments, with the workspace each comes from',
  args: [],
  options: [],
  json: true,
  details: 'With nobody leading, lists the environments last published for the background agent, or else the ids the history knows.\nExit codes: 0 answered, 1 failed.',
  async run(ctx: Context) {
    const work = await ctx.work();
    // The leader knows a workspace environment's folder only when it is bound to one; the
    // snapshot windows publish for the agent says which workspace the others come from.
    const published = new Map((publishedEnvironments(ctx.storage())?.entries ?? []).flatMap((e) => (e.valid && e.environment.folder ? [[e.environment.id, e.environment.folder] as const] : [])));
    const envs = (await work.environments()).map((e) => (e.folder || !published.has(e.id) || e.origin !== 'workspace' ? e : { ...e, folder: published.get(e.id) }));
    const { out } = ctx;
    if (out.json) {
      out.data(envs);
      return 0;
    }
    if (envs.length === 0) {
      out.line('No environments.');
      return 0;
    }
    const from = (e: (typeof envs)[number]) => e.folder ?? (e.origin === 'workspace' ? 'workspace settings' : e.origin === 'user' ? 'user settings' : (e.origin ?? ''));
    table(
      out,
      ['ENV', 'NAME', 'ENGINE', 'SCHEDULE', 'FROM', 'NOTE'],
      envs.map((e) => [e.id, safe(e.name), e.valid ? `${e.type ?? ''}${e.engine && e.engine !== 'archive' ? `/${e.engine}` : ''}` : '', e.schedule ?? '', safe(from(e)), e.problem ? safe(e.problem) : e.enabled === false ? 'disabled' : '']),
    );
    return 0;
  },
};
