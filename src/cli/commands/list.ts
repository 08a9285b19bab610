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
    const envs = await (await ctx.work()).environments();
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
