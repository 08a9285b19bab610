// The three service definitions, generated for paths with spaces, quotes, `%`, `$`, `&` and `<`:
// the unit file is checked by the real `systemd-analyze verify` (it refuses or rewrites a badly
// quoted executable), the plist and the task XML are read back by a real XML parser (Python's
// plistlib and ElementTree) and must give back the exact paths.
import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemdArg, windowsArg, xmlText } from '../../../src/extension/core/agentService/escape';
import { launchdPlist, systemdUnit, taskXml, type ServiceDefinition } from '../../../src/extension/core/agentService/serviceFiles';

const WEIRD = `it's "my" 100% $HOME & <stuff>`;

function def(node: string, storage: string, electron = false): ServiceDefinition {
  return {
    name: 'backup-scheduler-agent-1234abcd.service',
    description: `Backup Scheduler agent for ${storage}`,
    command: { node, electron, args: [join(storage, 'agent', '0.2.0', 'agent.js'), '--storage', storage], cwd: join(storage, 'agent', '0.2.0'), outLog: join(storage, 'agent', 'agent.out.log') },
  };
}

/** Windows' CommandLineToArgvW rules (2008+), to read back what windowsArg wrote. */
function splitWindows(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (line[i] === ' ' || line[i] === '\t') i++;
    if (i >= line.length) break;
    let arg = '';
    let quoted = false;
    for (; i < line.length; i++) {
      const c = line[i];
      if (c === '\\') {
        let n = 0;
        while (line[i] === '\\') (n++, i++);
        if (line[i] === '"') {
          arg += '\\'.repeat(Math.floor(n / 2));
          if (n % 2 === 1) arg += '"';
          else quoted = !quoted;
        } else {
          arg += '\\'.repeat(n);
          i--;
        }
      } else if (c === '"') {
        if (quoted && line[i + 1] === '"') (arg += '"', i++);
        else quoted = !quoted;
      } else if ((c === ' ' || c === '\t') && !quoted) break;
      else arg += c;
    }
    out.push(arg);
  }
  return out;
}

function python(script: string, input: Buffer | string): string {
  return execFileSync('python3', ['-c', script], { input }).toString();
}

describe('agent service files', () => {
  let tmp: string;
  beforeEach(() => (tmp = mkdtempSync(join(tmpdir(), 'svcfiles-'))));
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));

  describe('systemd unit', () => {
    it('has the restart policy, the install target and no root', () => {
      const unit = systemdUnit(def('/usr/bin/node', '/home/u/.config/Code/User/globalStorage/backup-scheduler.backup-scheduler'));
      assert.match(unit, /^Restart=on-failure$/m);
      assert.match(unit, /^\[Install\]\nWantedBy=default\.target$/m);
      assert.match(unit, /^ExecStart="\/usr\/bin\/node" "\/home\/u\/\.config\/Code\/User\/globalStorage\/backup-scheduler\.backup-scheduler\/agent\/0\.2\.0\/agent\.js" "--storage" "\/home\/u\/\.config\/Code\/User\/globalStorage\/backup-scheduler\.backup-scheduler"$/m);
      assert.doesNotMatch(unit, /^User=|sudo/m);
      assert.doesNotMatch(unit, /ELECTRON_RUN_AS_NODE/);
    });

    it('escapes arguments for systemd: quotes, backslashes, specifiers, variables, newlines', () => {
      assert.equal(systemdArg(`a "b" c\\d 50% $HOME`), `"a \\"b\\" c\\\\d 50%% $$HOME"`);
      assert.equal(systemdArg('two\nlines'), '"two\\nlines"');
      const unit = systemdUnit(def('/opt/n/node', `/home/u/${WEIRD}`));
      assert.match(unit, /^ExecStart="\/opt\/n\/node" "\/home\/u\/it's \\"my\\" 100%% \$\$HOME & <stuff>\/agent\/0\.2\.0\/agent\.js" "--storage" "\/home\/u\/it's \\"my\\" 100%% \$\$HOME & <stuff>"$/m);
      assert.match(unit, /^Description=Backup Scheduler agent for \/home\/u\/it's "my" 100%% \$HOME & <stuff>$/m);
    });

    it("runs VS Code's binary as Node with ELECTRON_RUN_AS_NODE", () => {
      const unit = systemdUnit(def('/usr/share/code/code', '/s', true));
      assert.match(unit, /^Environment="ELECTRON_RUN_AS_NODE=1"$/m);
    });

    // systemd itself reads the generated files: an executable it would misread or refuse fails here.
    for (const [title, dirName] of [
      ['spaces, % and $', 'My Apps 100% $x'],
      ['a quote (started through env)', `it's "node"`],
      ['a backslash (started through env)', 'back\\slash'],
    ] as const) {
      it(`systemd-analyze verify accepts a node path with ${title}`, () => {
        const nodeDir = join(tmp, dirName);
        mkdirSync(nodeDir, { recursive: true });
        const node = join(nodeDir, 'node');
        copyFileSync('/bin/true', node);
        chmodSync(node, 0o755);
        const storage = join(tmp, WEIRD);
        mkdirSync(join(storage, 'agent', '0.2.0'), { recursive: true });
        const unitFile = join(tmp, 'backup-scheduler-agent-test.service');
        writeFileSync(unitFile, systemdUnit(def(node, storage)));
        const r = spawnSync('systemd-analyze', ['verify', unitFile], { encoding: 'utf8' });
        assert.equal(r.error, undefined, 'systemd-analyze runs');
        assert.doesNotMatch(r.stderr, /special characters|not executable|No such file|Invalid|bad unit/i, r.stderr);
        assert.equal(r.status, 0, r.stderr);
        if (/["\\]/.test(dirName)) assert.match(systemdUnit(def(node, storage)), /^ExecStart=\/usr\/bin\/env "/m);
      });
    }
  });

  describe('launchd plist', () => {
    it('round-trips through a real plist parser, paths with quotes, & and < intact', () => {
      const storage = `/Users/u/Library/Application Support/Code/User/globalStorage/${WEIRD}`;
      const d = { ...def('/Applications/Visual Studio Code.app/Contents/MacOS/Electron', storage, true), name: 'dev.backup-scheduler.agent.1234abcd' };
      const parsed = JSON.parse(python('import plistlib,sys,json; print(json.dumps(plistlib.loads(sys.stdin.buffer.read())))', launchdPlist(d))) as Record<string, unknown>;
      assert.deepEqual(parsed.ProgramArguments, [d.command.node, ...d.command.args]);
      assert.equal(parsed.Label, 'dev.backup-scheduler.agent.1234abcd');
      assert.equal(parsed.RunAtLoad, true);
      assert.deepEqual(parsed.KeepAlive, { SuccessfulExit: false });
      assert.deepEqual(parsed.EnvironmentVariables, { ELECTRON_RUN_AS_NODE: '1' });
      assert.equal(parsed.WorkingDirectory, d.command.cwd);
      assert.equal(parsed.StandardErrorPath, d.command.outLog);
    });

    it('refuses a control character XML cannot hold', () => {
      assert.throws(() => xmlText('a\u0001b'), /control character/);
    });
  });

  describe('Windows task XML', () => {
    it('is a per-user logon task without a time limit and with the battery stops off, read back by a real XML parser', () => {
      const storage = `C:\\Users\\Zoë O'Neil\\AppData\\Roaming\\Code & Co\\User\\globalStorage\\backup-scheduler.backup-scheduler`;
      const d = { ...def('C:\\Program Files\\nodejs\\node.exe', storage), name: 'Backup Scheduler Agent 1234abcd' };
      d.command.args = [`${storage}\\agent\\0.2.0\\agent.js`, '--storage', storage, 'say "hi"', 'trailing\\'];
      const xml = taskXml(d, `DESKTOP-1\\Zoë O'Neil`);
      const file = join(tmp, 'task.xml');
      writeFileSync(file, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(xml, 'utf16le')]));
      const script = [
        'import sys, json, xml.etree.ElementTree as ET',
        'ns = {"t": "http://schemas.microsoft.com/windows/2004/02/mit/task"}',
        'r = ET.parse(sys.argv[1]).getroot()',
        'g = lambda p: r.find(p, ns).text',
        'print(json.dumps({k: g(p) for k, p in {"command": "t:Actions/t:Exec/t:Command", "args": "t:Actions/t:Exec/t:Arguments", "limit": "t:Settings/t:ExecutionTimeLimit", "batt1": "t:Settings/t:DisallowStartIfOnBatteries", "batt2": "t:Settings/t:StopIfGoingOnBatteries", "trigger": "t:Triggers/t:LogonTrigger/t:UserId", "principal": "t:Principals/t:Principal/t:UserId", "level": "t:Principals/t:Principal/t:RunLevel"}.items()}))',
      ].join('\n');
      const out = JSON.parse(execFileSync('python3', ['-c', script, file]).toString()) as Record<string, string>;
      assert.equal(out.command, 'C:\\Program Files\\nodejs\\node.exe');
      assert.deepEqual(splitWindows(out.args), d.command.args);
      assert.equal(out.limit, 'PT0S');
      assert.equal(out.batt1, 'false');
      assert.equal(out.batt2, 'false');
      assert.equal(out.trigger, `DESKTOP-1\\Zoë O'Neil`);
      assert.equal(out.principal, `DESKTOP-1\\Zoë O'Neil`);
      assert.equal(out.level, 'LeastPrivilege');
    });

    it('quotes Windows arguments as CommandLineToArgvW reads them', () => {
      for (const a of ['plain', 'with space', 'q"uote', 'ends\\', 'C:\\a b\\', '\\\\server\\share\\x y', '']) {
        assert.deepEqual(splitWindows(windowsArg(a)), [a], a);
      }
      assert.equal(windowsArg('plain'), 'plain');
    });
  });
});
