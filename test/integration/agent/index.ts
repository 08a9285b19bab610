// The background agent suite: the launcher started the agent (dist/agent.js copied alone, with the
// server stopped) and waited for its archives; this window opens afterwards. See runIntegration.ts.
import { runFolder } from '../runFolder';

export function run(): Promise<void> {
  return runFolder(__dirname, 'background agent');
}
