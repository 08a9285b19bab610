// The Task Log page: a shell that loads dist/webview.js under a strict Content-Security-Policy.
// Plain string building (no vscode import) so the policy is unit-tested.
//
// Why the policy needs nothing more: Lit and the toolkit's FAST elements style through
// constructable stylesheets (adoptedStyleSheets), which style-src does not govern in Chromium, and
// no template uses a style="" attribute, so no 'unsafe-inline'. The one exception is FAST's probe
// for :focus-visible support, which inserts a <style> element; it reads the nonce from
// <meta property="csp-nonce">, so style-src allows that nonce (without it the probe is blocked and
// the toolkit falls back to :focus rings). No codicon font is used, so font-src stays closed.
// test/ui/taskLogWebview.test.ts loads the bundle under this exact policy and expects no violation.
import { randomBytes } from 'node:crypto';

export function makeNonce(): string {
  return randomBytes(18).toString('base64');
}

export interface TaskLogHtmlParts {
  /** webview.cspSource */
  cspSource: string;
  /** webview.asWebviewUri(dist/webview.js).toString() */
  scriptUri: string;
  nonce: string;
  /** vscode.env.language, for <html lang> */
  language?: string;
  /** vscode.l10n.bundle: the translated messages the page looks its words up in (none in English) */
  l10nBundle?: Record<string, string>;
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [`default-src 'none'`, `script-src 'nonce-${nonce}'`, `style-src ${cspSource} 'nonce-${nonce}'`, `img-src ${cspSource} data:`].join('; ');
}

const escapeAttr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

export function taskLogHtml({ cspSource, scriptUri, nonce, language, l10nBundle }: TaskLogHtmlParts): string {
  // The translations travel as an attribute value: data, never markup or script (src/webview/l10n.ts).
  return `<!DOCTYPE html>
<html lang="${escapeAttr(language ?? 'en')}">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${escapeAttr(contentSecurityPolicy(cspSource, nonce))}">
  <meta property="csp-nonce" content="${escapeAttr(nonce)}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <meta name="bs-l10n" content="${escapeAttr(JSON.stringify(l10nBundle ?? {}))}">
  <title>Task Log</title>
</head>
<body>
  <noscript>The Task Log needs scripts, which this panel enables; if you see this, reload the window.</noscript>
  <script type="module" nonce="${escapeAttr(nonce)}" src="${escapeAttr(scriptUri)}"></script>
</body>
</html>`;
}
