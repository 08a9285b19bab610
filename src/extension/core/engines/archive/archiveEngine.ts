// The `archive` engine: one .tar.gz (folder) or one dump file (command) per backup, complete in
// itself, in a local or mounted `destination` folder. The work itself lives in the other files of this folder;
// this class maps the engine interface onto it.
import { createReadStream, constants as fsConstants, promises as fsp } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { TaskResult } from '../../../../shared/model';
import * as backup from './operations';
import type { Environment } from '../../environments/types';
import { fsGuard, guardedStreamFs, UnresponsiveError } from '../../fsguard';
import type { TaskContext } from '../../ports';
import type { BackupEntry, BackupRef, BackupRequest, Engine, EngineDeps, EngineSummary, PruneRequest, RecordedBackup, RestoreRequest, VerifyRequest } from '../types';

export class ArchiveEngine implements Engine {
  readonly name = 'archive' as const;
  constructor(private readonly deps: EngineDeps) {}

  backup(ctx: TaskContext, env: Environment, req: BackupRequest): Promise<TaskResult> {
    if (env.type === 'command') {
      return backup.runCommandBackup(ctx, { envId: env.id, command: env.command!, destination: env.destination, cwd: env.source ?? this.deps.defaultCwd ?? process.cwd(), inheritEnv: env.inheritEnv });
    }
    return backup.runFolderBackup(ctx, {
      envId: env.id,
      source: env.source!,
      destination: env.destination,
      exclude: env.exclude,
      useGitignore: env.useGitignore,
      skipIfUnchanged: env.skipIfUnchanged,
      previous: req.previous,
    });
  }

  async verify(ctx: TaskContext, env: Environment, req: VerifyRequest): Promise<TaskResult> {
    const id = req.backupId ?? (await this.listBackups(env))[0]?.id;
    if (!id) throw new Error(`${env.name} has no archives in ${env.destination} to verify`);
    return backup.verifyArchive(ctx, await this.own(env, id), req.expected);
  }

  prune(ctx: TaskContext, env: Environment, req: PruneRequest): Promise<TaskResult> {
    return backup.applyRetention(ctx, {
      envId: env.id,
      destination: env.destination,
      policy: env.retention ?? {},
      timeZone: env.timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone,
      newestGoodPath: req.newestGoodId,
    });
  }

  async restore(ctx: TaskContext, env: Environment, req: RestoreRequest): Promise<TaskResult> {
    const archivePath = await this.own(env, req.backupId);
    if (!archivePath.endsWith(backup.FOLDER_EXT)) return restoreDump(ctx, archivePath, req);
    return backup.restoreArchive(ctx, { archivePath, target: req.target, overwrite: req.overwrite, paths: req.paths, recorded: req.recorded });
  }

  async listBackups(env: Environment): Promise<BackupRef[]> {
    const archives = await backup.listArchives(env.destination, env.id);
    return archives.map((a) => ({ id: a.path, label: a.name, time: a.time, size: a.size, kind: a.kind }));
  }

  async listFiles(env: Environment, backupId: string, signal?: AbortSignal, recorded?: RecordedBackup): Promise<BackupEntry[]> {
    const path = await this.own(env, backupId);
    if (!path.endsWith(backup.FOLDER_EXT)) {
      const st = await fsp.stat(path);
      return [{ path: dumpEntryName(env, path), type: 'file', size: st.size, mtime: st.mtimeMs }];
    }
    return backup.listArchiveEntries(path, signal, recorded);
  }

  async readFile(env: Environment, backupId: string, entryPath: string, signal?: AbortSignal, recorded?: RecordedBackup): Promise<Uint8Array> {
    const path = await this.own(env, backupId);
    if (!path.endsWith(backup.FOLDER_EXT)) {
      if (entryPath !== dumpEntryName(env, path)) throw new Error(`${entryPath} is not in ${basename(path)}`);
      return readGuarded(path, signal);
    }
    return backup.readArchiveFile(path, entryPath, signal, recorded);
  }

  async summary(env: Environment): Promise<EngineSummary> {
    const archives = await backup.listArchives(env.destination, env.id);
    return { location: env.destination, backupCount: archives.length, storedBytes: archives.reduce((n, a) => n + a.size, 0) };
  }

  /**
   * A backup id names an archive of this environment in its destination, and nothing else: its
   * file name is one this environment's backups are written under, it lies directly in the
   * destination (or is given by name alone), and it is a regular file there. Decided from the
   * name and one lstat, not a listing of the destination: browsing reads many files of one backup.
   */
  private async own(env: Environment, backupId: string): Promise<string> {
    const name = basename(backupId);
    const path = join(env.destination, name);
    const named = (backupId === path || backupId === name) && backup.parseArchiveName(name, env.id) !== undefined;
    const st = named ? await fsGuard.run(env.destination, 'destination', () => fsp.lstat(path)).catch((e: unknown) => {
      if (e instanceof UnresponsiveError) throw e;
      return undefined;
    }) : undefined;
    if (!st?.isFile()) throw new Error(`No archive "${name}" of ${env.name} in ${env.destination}`);
    return path;
  }
}

/** A whole dump, every open and read through the stuck-path guard (a hung destination fails it). */
async function readGuarded(path: string, signal?: AbortSignal): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const c of createReadStream(path, { highWaterMark: 1024 * 1024, signal, fs: guardedStreamFs(fsGuard, dirname(path), 'destination', signal) })) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** A dump restores as itself: the file copied into the target folder, for the tool that reads it. */
async function restoreDump(ctx: TaskContext, archivePath: string, req: RestoreRequest): Promise<TaskResult> {
  const name = basename(archivePath);
  if (req.paths && req.paths.length > 0 && !req.paths.includes(name)) throw new Error(`${req.paths.join(', ')} is not in ${name}`);
  await fsp.mkdir(req.target, { recursive: true });
  const to = join(req.target, name);
  try {
    // COPYFILE_EXCL: an existing file is kept unless the user chose to overwrite.
    await fsp.copyFile(archivePath, to, req.overwrite ? 0 : fsConstants.COPYFILE_EXCL);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new Error(`${to} already exists; nothing was restored (choose to overwrite to replace it)`);
    throw new Error(`Cannot restore ${name} into ${req.target}: ${(e as Error).message}`);
  }
  await fsp.chmod(to, 0o600).catch(() => undefined);
  const size = (await fsp.stat(to)).size;
  ctx.log('info', `Restored the dump ${name} into ${req.target}`);
  return { archivePath: to, size, fileCount: 1, summary: `dump restored to ${to}` };
}

/** A dump is shown as one file named after its archive, without the time stamp's noise. */
function dumpEntryName(env: Environment, archivePath: string): string {
  return basename(archivePath);
}
