// Hides the secrets a command line commonly carries before it is written to the task log (and so
// to tasks.db, exports and screenshots): passwords in options and variable assignments, URL
// credentials, auth headers. It cannot know every tool's syntax; the README says to keep secrets
// in files or the environment's variables, and this catches the usual forms when they slip in.

export const MASK = '***';

const SECRET_NAME = '[A-Za-z0-9_]*(?:PASS|PWD|SECRET|TOKEN|KEY|CREDENTIAL|AUTH)[A-Za-z0-9_]*';
/** A shell word: quoted, or up to the next blank, quote or command separator. */
const VALUE = `(?:'[^']*'|"(?:[^"\\\\]|\\\\.)*"|[^\\s'";&|]+)`;

// scheme://user:password@host. The authority ends at the LAST '@' before its '/', '?' or '#'
// (Go's url.Parse, and so restic, reads `u:abc@def@host` as password `abc@def`), so the password
// runs greedily up to that '@'; one character is a password too.
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@'"]*):([^\s'"/?#]+)@/gi;

/** Only the passwords of `scheme://user:password@host` URLs in `text`. */
export function maskUrlPasswords(text: string): string {
  return text.replace(URL_PASSWORD, (_, pre: string) => `${pre}:${MASK}@`);
}

const RULES: [RegExp, (...m: string[]) => string][] = [
  [URL_PASSWORD, (_, pre) => `${pre}:${MASK}@`],
  // PGPASSWORD=x, export AWS_SECRET_ACCESS_KEY=x, set "MYSQL_PWD=x"
  [new RegExp(`(^|[\\s;&|('"])(${SECRET_NAME})=(${VALUE})`, 'gi'), (_, pre, name) => `${pre}${name}=${MASK}`],
  // PowerShell: $env:PGPASSWORD = 'x'
  [new RegExp(`(\\$env:${SECRET_NAME}\\s*=\\s*)(${VALUE})`, 'gi'), (_, pre) => `${pre}${MASK}`],
  // --password=x, --password x, --api-key x (not --no-password, not --password-file <path>)
  [
    new RegExp(`(^|\\s)(--(?!no-)[A-Za-z0-9-]*(?:pass|secret|token|api-?key|access-?key|auth)[A-Za-z0-9-]*)(=|\\s+)(${VALUE})`, 'gi'),
    (all, pre, opt, sep) => (/-(file|command|path)$/i.test(opt) ? all : `${pre}${opt}${sep}${MASK}`),
  ],
  // curl -u user:password, --user user:password
  [/(\s(?:-u|--user)[=\s]+['"]?[^\s:'"]+):([^\s'"]+)/g, (_, pre) => `${pre}:${MASK}`],
  // Authorization: Bearer x
  [/(Authorization:\s*(?:Bearer|Basic|Token)?\s*)([^\s'"]+)/gi, (_, pre) => `${pre}${MASK}`],
];

/** mysql's -pPASSWORD (no space) is only masked where a MySQL tool is named: elsewhere -p is a port or a path. */
const MYSQL = /\b(mysql|mysqldump|mysqladmin|mysqlpump|mariadb|mariadb-dump)\b/i;
const MYSQL_P = /(\s-p)('[^']*'|"[^"]*"|[^\s'";&|]+)/g;

export function maskSecrets(line: string): string {
  let out = line;
  for (const [re, fn] of RULES) out = out.replace(re, fn as (substring: string, ...args: string[]) => string);
  if (MYSQL.test(out)) out = out.replace(MYSQL_P, (_, pre: string) => `${pre}${MASK}`);
  return out;
}
