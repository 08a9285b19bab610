// The multi-root suite: the launcher opened `two.code-workspace` (folders alpha and beta; beta
// has environments of its own in beta/.vscode/settings.json). See test/host/runIntegration.ts.
import { runFolder } from '../runFolder';

export function run(): Promise<void> {
  return runFolder(__dirname, 'multi-root');
}
