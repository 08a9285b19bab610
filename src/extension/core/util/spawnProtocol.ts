// Messages between offThreadSpawn.ts (the owner's thread) and spawnWorker.ts (the spawner thread).

/** Output bytes a stream may have in flight to its owner before the spawner pauses it. */
export const SPAWN_WINDOW = 4 * 1024 * 1024;

export interface SpawnRequest {
  file: string;
  args: string[];
  cwd?: string;
  /** As child_process.spawn takes it: unset (undefined) variables are left out. */
  env: NodeJS.ProcessEnv;
  detached?: boolean;
  windowsVerbatimArguments?: boolean;
  /** A file piped to the child's stdin; without it stdin is closed. */
  stdinFile?: string;
}

export type ToSpawner =
  | ({ t: 'spawn'; id: number } & SpawnRequest)
  /** The owner has taken `bytes` of stream `n`'s output. */
  | { t: 'took'; id: number; n: 1 | 2; bytes: number }
  | { t: 'kill'; id: number; signal: NodeJS.Signals }
  /** The owner destroyed its stream `n`: close it here too. */
  | { t: 'drop'; id: number; n: 1 | 2 };

export interface SpawnFailure {
  message: string;
  code?: string;
  errno?: number;
  syscall?: string;
  path?: string;
}

export type FromSpawner =
  | { t: 'spawned'; id: number; pid: number }
  | { t: 'failed'; id: number; error: SpawnFailure }
  | { t: 'data'; id: number; n: 1 | 2; chunk: Uint8Array }
  | { t: 'stdinFailed'; id: number; message: string }
  | { t: 'error'; id: number; message: string }
  | { t: 'exit'; id: number; code: number | null; signal: NodeJS.Signals | null }
  | { t: 'close'; id: number; code: number | null; signal: NodeJS.Signals | null };
