// Expands `${workspaceFolder}`, `${env:VAR}` and a leading `~` in a path-like setting, the way
// VS Code users expect from tasks.json. Unknown variables are reported rather than left in
// place: a folder literally named "${foo}" is never what the user meant.
import * as path from 'node:path';

export interface ExpandContext {
  workspaceFolder: string | undefined;
  /** Every folder of the window, for `${workspaceFolder:<name>}` (multi-root workspaces). */
  folders?: readonly { name: string; path: string }[];
  home: string;
  env: Readonly<Record<string, string | undefined>>;
}

export function expandPath(value: string, ctx: ExpandContext): { value: string } | { error: string } {
  const r = expandVariables(value, ctx);
  if ('error' in r) return r;
  let out = r.value;
  if (out === '~' || out.startsWith('~/') || out.startsWith('~\\')) out = ctx.home + out.slice(1);
  return { value: path.normalize(out) };
}

/** The variables alone, for values that are not paths (a restic repository such as `sftp:host:/srv/x`). */
export function expandVariables(value: string, ctx: ExpandContext): { value: string } | { error: string } {
  let missing: string | undefined;
  const out = value.replace(/\$\{([^}]*)\}/g, (whole, name: string) => {
    if (name === 'workspaceFolder') {
      if (ctx.workspaceFolder === undefined) missing ??= '${workspaceFolder} is used but no folder is open';
      return ctx.workspaceFolder ?? whole;
    }
    if (name.startsWith('workspaceFolder:')) {
      const wanted = name.slice('workspaceFolder:'.length);
      const f = ctx.folders?.find((x) => x.name === wanted);
      if (!f) missing ??= `\${workspaceFolder:${wanted}} is used but no folder named "${wanted}" is open`;
      return f?.path ?? whole;
    }
    if (name.startsWith('env:')) {
      const v = ctx.env[name.slice(4)];
      if (v === undefined || v === '') missing ??= `environment variable ${name.slice(4)} is not set`;
      return v ?? '';
    }
    if (name === 'userHome') return ctx.home;
    missing ??= `unknown variable ${whole}`;
    return whole;
  });
  if (missing) return { error: missing };
  return { value: out };
}
