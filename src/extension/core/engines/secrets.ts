// Names under which secrets live in VS Code's SecretStorage (shared by every window of the user).
// One password per repository string: two environments on one repository share it.
export const secretKeys = {
  resticPassword: (repository: string): string => `restic.password:${repository}`,
  /** `${secret:NAME}` in an environment's backendEnv. */
  named: (name: string): string => `secret:${name}`,
};

/** The NAMEs of every `${secret:NAME}` in a set of values. */
export function secretNamesIn(values: Record<string, string> | undefined): string[] {
  const names = new Set<string>();
  for (const v of Object.values(values ?? {})) for (const m of v.matchAll(/\$\{secret:([^}]+)\}/g)) names.add(m[1]);
  return [...names];
}
