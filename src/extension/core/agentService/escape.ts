// Quoting for the three service-definition formats. A path may hold spaces, quotes, `%`, `$` or
// `&` (a user name, a portable install under "My Apps"): each format has its own rules, and a
// mistake there starts the wrong program or none.

/**
 * One word of a systemd Exec line, double-quoted. Inside quotes systemd reads C escapes, so `\`
 * and `"` are escaped; `%` starts a specifier (`%h`, `%d`) and becomes `%%`; `$` starts a
 * variable in arguments and becomes `$$`. A newline ends the line, so it is written as `\n`.
 */
export function systemdArg(word: string): string {
  return `"${word.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t').replace(/%/g, '%%').replace(/\$/g, '$$$$')}"`;
}

/**
 * The executable of a systemd Exec line: quoted, `%` doubled. systemd takes `$` literally here
 * and refuses a name holding a quote or a backslash ("Executable name contains special
 * characters", checked with `systemd-analyze verify`): such a path cannot be the executable.
 */
export function systemdExecutable(path: string): string | undefined {
  // eslint-disable-next-line no-control-regex
  if (/["'\\\x00-\x1f\x7f]/.test(path)) return undefined;
  return `"${path.replace(/%/g, '%%')}"`;
}

/** A value in a systemd setting other than Exec lines (Description): specifiers doubled, one line. */
export function systemdText(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').replace(/%/g, '%%');
}

/** Text or an attribute value in XML; characters XML 1.0 cannot hold at all are refused. */
export function xmlText(text: string): string {
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]/.test(text)) throw new Error(`cannot write ${JSON.stringify(text)} into XML: it holds a control character`);
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/**
 * One argument of a Windows command line, as CommandLineToArgvW (and so Node) splits it:
 * quoted when needed; a quote is escaped with `\`, and backslashes are doubled only where they
 * come before a quote (the closing one included).
 */
export function windowsArg(arg: string): string {
  if (arg !== '' && !/[\s"]/.test(arg)) return arg;
  let out = '"';
  let backslashes = 0;
  for (const ch of arg) {
    if (ch === '\\') {
      backslashes++;
      continue;
    }
    if (ch === '"') {
      out += '\\'.repeat(backslashes * 2 + 1) + '"';
    } else {
      out += '\\'.repeat(backslashes) + ch;
    }
    backslashes = 0;
  }
  return `${out}${'\\'.repeat(backslashes * 2)}"`;
}
