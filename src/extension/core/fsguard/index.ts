// One guard for the whole extension host: the thread pool it protects is one per process, and
// two environments on the same stuck mount must learn about it from each other.
import { FsGuard } from './guard';

export { FsGuard, UnresponsiveError, type FsGuardOptions, type FsRole } from './guard';
export { DestinationError, ensureFolder, nodeFolderFs, type FolderFs } from './ensureFolder';

export const fsGuard = new FsGuard();
export { isNetworkFsMagic, onNetworkFs } from './networkFs';
export { guardedStreamFs } from './streamFs';
export { SyncSlices } from './syncSlices';
