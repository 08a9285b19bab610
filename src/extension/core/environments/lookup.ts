// Questions about a list of environment entries that the leader's service and a follower both ask.
import type { Environment, EnvironmentEntry } from './types';

export function findEnvironment(entries: readonly EnvironmentEntry[], id: string): Environment | undefined {
  for (const e of entries) if (e.valid && e.environment.id === id) return e.environment;
  return undefined;
}

/** A command from workspace settings is code from the repository: it runs only when the user trusts it. */
export function trustBlock(env: Environment, trusted: boolean): string | undefined {
  if (trusted || env.origin !== 'workspace') return undefined;
  if (env.type === 'command') return 'blocked: a command from workspace settings runs only in a trusted workspace';
  // A workspace's restic entry could run its passwordCommand, set backend variables, or send
  // your files (encrypted with your stored password) to a repository of its choosing.
  if (env.engine === 'restic') return 'blocked: a restic environment from workspace settings runs only in a trusted workspace';
  return undefined;
}

/** Where an environment's backups are kept, for people: the destination folder or the restic repository. */
export function storageOf(env: Environment): string {
  return env.engine === 'restic' ? `restic ${env.repository ?? '?'}` : env.destination;
}

/** What an environment backs up, for people: its folder or its command. */
export function subjectOf(env: Environment): string {
  return (env.type === 'folder' ? env.source : env.command) ?? '';
}
