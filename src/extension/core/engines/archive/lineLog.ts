// Turns a process's output into task log lines, with caps so a command that floods its output
// cannot flood the log or the memory: lines longer than `maxLine` are cut, and after `maxLines`
// lines only a count is kept (reported once at the end).
import type { LogLevel } from '../../../../shared/model';

export class LineLog {
  private logged = 0;
  private dropped = 0;

  constructor(
    private readonly log: (level: LogLevel, text: string) => void,
    private readonly maxLines = 2000,
    readonly maxLine = 2000,
  ) {}

  /** One line, already cut to `maxLine` by the splitter. */
  line(level: LogLevel, text: string): void {
    if (this.logged >= this.maxLines) {
      this.dropped++;
      return;
    }
    this.logged++;
    this.log(level, text);
  }

  /** A splitter for one stream: feed it chunks, then call `end()`. */
  stream(level: LogLevel): { write(chunk: string): void; end(): void; last(): string | undefined } {
    let partial = '';
    let overflow = 0; // characters of the current line beyond what is kept
    let last: string | undefined;
    const emit = (text: string) => {
      const total = text.length + overflow;
      overflow = 0;
      const kept = text.slice(0, this.maxLine).replace(/\r$/, '');
      last = total > this.maxLine ? `${kept}… [${total - this.maxLine} more characters cut]` : kept;
      this.line(level, last);
    };
    return {
      write: (chunk: string) => {
        let start = 0;
        for (let nl = chunk.indexOf('\n'); nl >= 0; nl = chunk.indexOf('\n', start)) {
          emit(partial + chunk.slice(start, nl));
          partial = '';
          start = nl + 1;
        }
        const rest = chunk.slice(start);
        const room = this.maxLine - partial.length;
        if (rest.length > room) {
          partial += rest.slice(0, Math.max(0, room));
          overflow += rest.length - Math.max(0, room);
        } else partial += rest;
      },
      end: () => {
        if (partial || overflow) emit(partial);
        partial = '';
      },
      last: () => last,
    };
  }

  finish(): void {
    if (this.dropped) this.log('warn', `${this.dropped} more output lines were not logged (limit ${this.maxLines} lines per task)`);
  }
}
