// What a `backup` VS Code task's terminal shows (ui/backupTasks.ts formats with core/tasks/terminalText):
// a file name carrying escape sequences (clear screen, a fake "succeeded" line, an OSC title or
// link, C1 controls) reaches it as plain text; the only escape sequences left are our colours.
import * as assert from 'node:assert/strict';
import type { LogLine } from '../../../src/shared/model';
import { GREEN, RESET, coloured, terminalLogLine, terminalSafe } from '../../../src/extension/core/tasks/terminalText';

// Every escape sequence or control character in a string, as written.
const controls = (s: string) => s.match(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g) ?? [];
const ESC_SEQ = /\x1b\[[0-9;]*m/g;

const hostile = [
  'report\x1b[2J\x1b[H\x1b[32mbackup succeeded\x1b[0m.txt',
  'title\x1b]0;pwned\x07.txt',
  'link\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\.txt',
  'c1\x9b31mred\x9d0;t\x9c.txt',
  'dcs\x1bPq#0;2;0;0;0\x1b\\.txt',
  'bell\x07back\x08space\rcarriage.txt',
];

describe('terminal text of a backup task', () => {
  it('a warning naming a file with escape sequences shows the name as text, with only our colour codes', () => {
    for (const name of hostile) {
      const line: LogLine = { taskId: 1, seq: 1, time: 0, level: 'warn', text: `cannot read ${name}: permission denied` };
      const shown = terminalLogLine(line, () => '12:00:00');
      // Our own sequences: the level's colour and the reset after it, nothing else.
      assert.deepEqual(shown.match(/\x1b\[[0-9;]*m/g), ['\x1b[33m', RESET], JSON.stringify(shown));
      assert.deepEqual(controls(shown.replace(ESC_SEQ, '')), [], JSON.stringify(shown));
      assert.match(shown, /^12:00:00 \x1b\[33mwarn \x1b\[0m cannot read .*\.txt: permission denied$/);
    }
  });

  it('keeps the readable part of the name and the line breaks of a multi-line message', () => {
    assert.equal(terminalSafe('report\x1b[2J\x1b[H\x1b[32mbackup succeeded\x1b[0m.txt'), 'reportbackup succeeded.txt');
    assert.equal(terminalSafe('title\x1b]0;pwned\x07.txt'), 'title.txt');
    assert.equal(terminalSafe('link\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\.txt'), 'linkclick.txt');
    assert.equal(terminalSafe('first\r\nsecond\tcolumn\nthird'), 'first\nsecond\tcolumn\nthird');
    assert.equal(terminalSafe('naïve 日本 ✓.txt'), 'naïve 日本 ✓.txt');
  });

  it('a coloured summary holding a foreign path cannot change its colour', () => {
    const shown = coloured(GREEN, 'backup succeeded: /backups/x\x1b[31m\x1b]0;t\x07.tar.gz');
    assert.equal(shown, `${GREEN}backup succeeded: /backups/x.tar.gz${RESET}`);
  });
});
