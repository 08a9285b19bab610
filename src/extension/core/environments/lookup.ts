// Questions about a list of environment entries that the leader's service and a follower both ask.
import type { Environment, EnvironmentEntry } from './types';

export function findEnvironment(entries: readonly EnvironmentEntry[], id: string): Environment | undefined {
  for (const e of entries) if (e.valid && e.environment.id === id) return e.environment;
  return undefined;
}

/** A command from workspace settings is code from the repository: it runs only when the user trusts it. */
export function trustBlock(env: Environment, trusted: boolean): string | undefined {
  return env.type === 'command' && env.origin === 'workspace' && !trusted ? 'blocked: a command from workspace settings runs only in a trusted workspace' : undefined;
}

/** Where an environment's backups are kept, for people: the destination folder or the restic repository. */
export function storageOf(env: Environment): string {
  return env.engine === 'restic' ? `restic ${env.repository ?? '?'}` : env.destination;
}

/** What an environment backs up, for people: its folder or its command. */
export function subjectOf(env: Environment): string {
  return (env.type === 'folder' ? env.source : env.command) ?? '';
}
