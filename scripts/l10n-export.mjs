#!/usr/bin/env node
// Writes l10n/bundle.l10n.json: every message the extension passes to l10n.t(), in English, keyed
// by itself. A translation is a copy of it, l10n/bundle.l10n.<locale>.json (for example
// bundle.l10n.de.json), with the values translated; package.nls.<locale>.json does the same for
// package.json's texts. Generated, not committed (several people add messages at once): `npm run
// l10n`, and the packaging step runs it. `--print` writes the bundle to stdout (the unit test).
//
// Messages must be string literals ('…' or "…", or `…` without ${}); values go in {0}, {1}:
//   l10n.t('Backup of {0} failed: {1}', name, error)
// A message built at run time could not be looked up in a translation.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bundlePath = join(root, 'l10n/bundle.l10n.json');
// The adapter layer (the core has no vscode, so no l10n) and the Task Log webview (its own
// l10n.t, fed from the same bundle by the host: src/webview/l10n.ts).
const SOURCES = ['src/extension', 'src/webview'];
const SKIP = /(^|\/)core(\/|$)/;

function tsFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return SKIP.test(relative(root, p)) ? [] : tsFiles(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

/** The messages of every `l10n.t(` call in `text`, or throws naming a call whose message is not a literal. */
export function messagesOf(text, file = '<text>') {
  const out = [];
  const call = /\bl10n\.t\(\s*/g;
  for (let m; (m = call.exec(text)); ) {
    const at = m.index + m[0].length;
    const quote = text[at];
    const line = text.slice(0, at).split('\n').length;
    if (!`'"\``.includes(quote)) throw new Error(`${file}:${line}: l10n.t() needs a string literal message`);
    let i = at + 1;
    while (i < text.length && text[i] !== quote) i += text[i] === '\\' ? 2 : 1;
    const literal = text.slice(at, i + 1);
    if (quote === '`' && literal.includes('${')) throw new Error(`${file}:${line}: l10n.t() message with \${}: use {0} placeholders`);
    // A JS string literal of our own source, so evaluating it is reading it.
    out.push(new Function(`return ${literal};`)());
  }
  return out;
}

function bundle() {
  const messages = new Set();
  for (const dir of SOURCES) {
    for (const f of tsFiles(join(root, dir)).sort()) {
      for (const msg of messagesOf(readFileSync(f, 'utf8'), relative(root, f))) messages.add(msg);
    }
  }
  const sorted = [...messages].sort();
  return `${JSON.stringify(Object.fromEntries(sorted.map((m) => [m, m])), null, 2)}\n`;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const text = bundle();
    if (process.argv.includes('--print')) process.stdout.write(text);
    else {
      mkdirSync(dirname(bundlePath), { recursive: true });
      writeFileSync(bundlePath, text);
      console.log(`l10n/bundle.l10n.json: ${Object.keys(JSON.parse(text)).length} messages`);
    }
  } catch (e) {
    console.error(`l10n: ${e instanceof Error ? e.message : e}`);
    process.exit(1);
  }
}
