// The two-window suite: the launcher opened another window of the same server first (it leads);
// this suite runs in the second window, a follower. See test/host/serverTests.ts.
import { runFolder } from '../runFolder';

export function run(): Promise<void> {
  return runFolder(__dirname, 'two-window');
}
