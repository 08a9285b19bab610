// The workspace-trust suite: the only run with workspace trust on. The window starts untrusted;
// the launcher grants trust through the workbench when asked. See test/host/runIntegration.ts.
import { runFolder } from '../runFolder';

export function run(): Promise<void> {
  return runFolder(__dirname, 'workspace-trust');
}
