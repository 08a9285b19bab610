// The agent's SecretSource. SecretStorage belongs to VS Code and cannot be read without it, so a
// window hands the agent the values its environments need (over the private channel) and the
// agent keeps them in this process's memory only, never on disk. A value it does not have makes
// the run fail with what to do, and is listed so windows show the environment as waiting.
import type { SecretSource } from '../engines/types';

export const MISSING_SECRET_HINT = 'open VS Code once, or use passwordFile/passwordCommand';

export class MemorySecrets implements SecretSource {
  private readonly values = new Map<string, string>();
  /** Keys asked for that no window has handed over yet. */
  private readonly missing = new Set<string>();

  constructor(private readonly onMissingChange: (missing: string[]) => void = () => undefined) {}

  async get(name: string): Promise<string | undefined> {
    const v = this.values.get(name);
    if (v !== undefined && v !== '') return v;
    if (!this.missing.has(name)) {
      this.missing.add(name);
      this.onMissingChange(this.waitingFor());
    }
    throw new Error(`The background agent does not have the secret "${name}" (kept in VS Code's secret storage, which only a VS Code window can read): ${MISSING_SECRET_HINT}`);
  }

  /** A window handed these over; they replace what was there under the same key. */
  set(secrets: Record<string, string>): void {
    let changed = false;
    for (const [k, v] of Object.entries(secrets)) {
      if (v === '') continue;
      this.values.set(k, v);
      changed = this.missing.delete(k) || changed;
    }
    if (changed) this.onMissingChange(this.waitingFor());
  }

  has(name: string): boolean {
    return this.values.has(name);
  }

  waitingFor(): string[] {
    return [...this.missing].sort();
  }
}
