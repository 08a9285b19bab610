// Text that a backup task's terminal (ui/backupTasks.ts) shows. The terminal interprets escape
// sequences, and much of what it shows is not ours: file names in warnings ("cannot read …"), a
// command's output, error messages. A file name holding ESC sequences could otherwise clear the
// screen, fake a "succeeded" line, retitle the terminal or plant an OSC 8 link. So every foreign
// text goes through terminalSafe; the only escape sequences left are the colours added here.
import type { LogLine } from '../../../shared/model';

// Whole sequences first, so their parameters do not show as debris: OSC (ESC ] … BEL / ESC \, or
// C1 OSC), DCS/SOS/PM/APC strings, CSI (ESC [ or C1 CSI), then any other two-byte ESC sequence.
const SEQUENCES = /(?:\x1b\]|\x9d)[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?|(?:\x1b[PX^_]|[\x90\x98\x9e\x9f])[^\x1b\x9c]*(?:\x1b\\|\x9c)?|(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?|\x1b[\x20-\x2f]*[\x30-\x7e]?/g;
// What is left of C0 (but tab and line feed), DEL and C1 controls.
const CONTROLS = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;

/** The text with no terminal control sequence or control character left; line breaks stay. */
export function terminalSafe(text: string): string {
  return text.replace(/\r\n/g, '\n').replace(SEQUENCES, '').replace(CONTROLS, '');
}

export const RESET = '\x1b[0m';
export const RED = '\x1b[31m';
export const GREEN = '\x1b[32m';
const LEVEL_COLOURS: Record<string, string> = { warn: '\x1b[33m', error: RED, debug: '\x1b[2m' };

/** One stored log line as the terminal shows it: time, coloured level, then its (made safe) text. */
export function terminalLogLine(line: LogLine, time: (ms: number) => string): string {
  return `${time(line.time)} ${LEVEL_COLOURS[line.level] ?? ''}${line.level.padEnd(5)}${RESET} ${terminalSafe(line.text)}`;
}

/** Text in one colour; the text is made safe, so it cannot change the colour or anything else. */
export function coloured(colour: string, text: string): string {
  return `${colour}${terminalSafe(text)}${RESET}`;
}
