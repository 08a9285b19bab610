import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { readLeader } from '../../extension/core/client/leaderLink';
import { openWork } from '../../extension/core/client/work';
import { UsageError } from '../args';
import type { Command, Context } from '../command';

const ACTIONS = ['start', 'stop', 'status', 'install', 'uninstall'] as const;

/** The agent's bundle: beside this one, in a checkout's dist/ and in the agent's installed files. */
const agentScript = (): string => join(__dirname, 'agent.js');

async function leadingAgent(storage: string): Promise<{ pid: number } | undefined> {
  const files = readLeader(storage);
  if (!files) return undefined;
  const work = await openWork(storage);
  try {
    return work.leader?.host === 'agent' ? { pid: work.leader.pid } : undefined;
  } finally {
    work.dispose();
  }
}

async function until(f: () => Promise<boolean> | boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await f()) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

export const agent: Command = {
  name: 'agent',
  summary: 'the background agent that runs the backups while VS Code is closed: start, stop, status, install, uninstall',
  args: [{ name: 'action', required: true, help: ACTIONS.join(' | ') }],
  options: [{ name: '--link', help: 'install: also link backup-scheduler into ~/.local/bin (when that folder exists)' }],
  json: true,
  details: 'Exit codes: 0 done, 1 failed, 2 bad input.',
  async run(ctx: Context, p) {
    const action = p.positionals[0];
    if (!(ACTIONS as readonly string[]).includes(action)) throw new UsageError(`agent: unknown action "${action}" (one of ${ACTIONS.join(', ')})`);
    const storage = ctx.storage();
    const { out } = ctx;
    const running = await leadingAgent(storage);
    if (action === 'status') {
      if (out.json) out.data({ running: running !== undefined, pid: running?.pid ?? null, storage });
      else out.line(running ? `the agent runs the backups (pid ${running.pid}) for ${storage}` : `no agent leads for ${storage}`);
      return 0;
    }
    if (action === 'start') {
      if (running) {
        out.line(`the agent already runs (pid ${running.pid})`);
        return 0;
      }
      if (!existsSync(agentScript())) {
        out.error(`backup-scheduler: the agent is not installed beside this command (${agentScript()} is missing)`);
        return 1;
      }
      mkdirSync(join(storage, 'agent'), { recursive: true, mode: 0o700 });
      const logFd = openSync(join(storage, 'agent', 'agent.out'), 'a', 0o600);
      const child = spawn(process.execPath, [agentScript(), '--storage', storage], { detached: true, stdio: ['ignore', logFd, logFd], env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } });
      child.unref();
      const ok = await until(async () => (await leadingAgent(storage)) !== undefined, 30_000);
      if (out.json) out.data({ started: true, pid: child.pid, leading: ok });
      else out.line(ok ? `started the agent (pid ${child.pid}); it runs the backups` : `started the agent (pid ${child.pid}); a VS Code window still leads, it hands over once its running tasks end`);
      out.line('note: started by hand, the agent does not survive a logout or a reboot; `backup-scheduler agent install` makes it a service');
      return 0;
    }
    if (action === 'stop') {
      if (!running) {
        out.line('no agent is running');
        return 0;
      }
      process.kill(running.pid, 'SIGTERM');
      const gone = await until(() => {
        try {
          process.kill(running.pid, 0);
          return false;
        } catch {
          return true;
        }
      }, 30_000);
      out.line(gone ? `stopped the agent (pid ${running.pid})` : `asked the agent (pid ${running.pid}) to stop; it is still finishing`);
      return gone ? 0 : 1;
    }
    out.error(`backup-scheduler: agent ${action} is not available in this version yet`);
    return 1;
  },
};
