// What the host does to browse and compare, through the listing cache as the UI uses it: the
// Browse view lists the root and a folder and the editor stats and reads a file; Compare with
// Backup… marks the file in every snapshot.
import { markChoices } from '../../../src/extension/core/browse/markChoices';
import { ListingCache } from '../../../src/extension/core/browse/listingCache';
import type { FileMark } from '../../../src/extension/core/browse/compareMarks';
import type { ResticEngine } from '../../../src/extension/core/engines/restic';
import type { Environment } from '../../../src/extension/core/environments/types';

export function flow(engine: ResticEngine, env: Environment) {
  const cache = new ListingCache({
    listsFolders: () => true,
    listFiles: (_e, id, s) => engine.listFiles(env, id, s),
    listFolder: (_e, id, d, s) => engine.listFolder(env, id, d, s),
    statEntry: (_e, id, p, s) => engine.statEntry(env, id, p, s),
  });
  return {
    cache,
    async browse(file: string): Promise<string> {
      const [newest] = await engine.listBackups(env);
      const root = await cache.children(env.id, newest.id, '');
      const folder = await cache.children(env.id, newest.id, file.split('/')[0]);
      const entry = await cache.stat(env.id, newest.id, file);
      const bytes = await engine.readFile(env, newest.id, file);
      return `${root.length} at the root, ${folder.length} in the folder, ${entry?.size} B, read ${bytes.byteLength} B`;
    },
    async compare(file: string): Promise<(FileMark | string)[]> {
      const backups = await engine.listBackups(env);
      const marks: (FileMark | string)[] = [];
      await markChoices(backups.map((backup) => ({ holder: { env, rel: file }, backup })), {
        entry: (_e, id, p, s) => cache.lookup(env.id, id, p, s),
        readBackup: (_e, id, p, s) => engine.readFile(env, id, p, s),
        current: { size: 10, mtime: Date.now() },
        readCurrent: async () => new TextEncoder().encode('version 9\n'),
        onMark: (i, m, err) => (marks[i] = m ?? `error: ${err}`),
      });
      return marks;
    },
  };
}
