import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { flag, list, str, UsageError } from '../args';
import type { Command } from '../command';
import { knownEnvironment, started, waitFor } from './shared';

export const restore: Command = {
  name: 'restore',
  summary: 'restore a backup (the newest unless --backup) into a folder',
  args: [{ name: 'env', required: true, help: 'the environment\'s id' }],
  options: [
    { name: '--target', value: 'DIR', help: 'the folder to restore into (required; it must exist)' },
    { name: '--backup', value: 'ID', help: 'which backup: its id or label as the Restore picker shows it (archive file name, snapshot id); default the newest' },
    { name: '--path', value: 'P', repeat: true, help: 'only this file or folder of the backup (repeatable); default everything' },
    { name: '--overwrite', help: 'replace files that exist in the target (default: keep them and report them)' },
    { name: '--wait', help: 'follow the restore to its end, printing its log' },
  ],
  json: true,
  details: 'Exit codes: 0 started (with --wait: succeeded), 3 succeeded with warnings, 1 failed or not started, 2 bad input (unknown environment or backup, missing target).',
  async run(ctx, p) {
    const envId = p.positionals[0];
    const targetText = str(p, '--target');
    if (!targetText) throw new UsageError('restore: missing --target DIR');
    const target = resolve(targetText);
    let isDir = false;
    try {
      isDir = statSync(target).isDirectory();
    } catch {
      // reported below
    }
    if (!isDir) throw new UsageError(`restore: the target ${target} is not an existing folder`);
    const paths = list(p, '--path').map((x) => x.replace(/^\.?\/+/, ''));
    if (paths.some((x) => !x || x.split(/[\\/]/).includes('..'))) throw new UsageError('restore: --path must name a file or folder inside the backup, without ".."');
    const work = await ctx.work();
    await knownEnvironment(work, envId);
    const backups = await work.listBackups(envId);
    const want = str(p, '--backup');
    const backup = want === undefined ? backups[0] : backups.find((b) => b.id === want || b.label === want || (want.length >= 8 && b.id.startsWith(want)));
    if (!backup) {
      if (want === undefined) {
        ctx.out.error(`backup-scheduler: ${envId} has no backups to restore`);
        return 1;
      }
      throw new UsageError(`unknown backup "${want}" of ${envId} (${backups.length ? `newest: ${backups.slice(0, 3).map((b) => b.label).join(', ')}` : 'it has none'})`);
    }
    const id = started(ctx, await work.restore(envId, { backupId: backup.id, target, overwrite: flag(p, '--overwrite'), ...(paths.length ? { paths } : {}) }), `restore of ${envId}`);
    if (typeof id !== 'number') return id.exit;
    if (!flag(p, '--wait')) {
      if (ctx.out.json) ctx.out.data({ taskId: id, backup: backup.id, target });
      else ctx.out.line(`restoring ${backup.label} of ${envId} into ${target}: task #${id}`);
      return 0;
    }
    if (!ctx.out.json) ctx.out.line(`restore of ${backup.label} (${envId}) into ${target}: task #${id}`);
    return waitFor(ctx, work, id);
  },
};
