#!/usr/bin/env node
// Moves package.json's user-facing texts into package.nls.json: each plain text (a command's
// title, a setting's description, a view's name, ...) becomes a "%key%" placeholder and its words
// go to package.nls.json under that key, so a translation is one file (package.nls.<locale>.json).
// Run `npm run nls` after adding a command or a setting; `--check` lists texts still plain and
// fails (a unit test runs it). Keys are named after where the text sits, e.g.
// commands.runNow.title, configuration.environments.items.schedule.markdownDescription.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const manifestPath = join(root, 'package.json');
const nlsPath = join(root, 'package.nls.json');

// Properties whose string value a user reads (VS Code replaces %key% in any manifest string).
const TEXT = new Set(['title', 'shortTitle', 'name', 'contextualTitle', 'description', 'markdownDescription', 'deprecationMessage',
  'markdownDeprecationMessage', 'patternErrorMessage', 'errorMessage', 'label', 'contents', 'category', 'displayName', 'altText']);
const TEXT_LISTS = new Set(['enumDescriptions', 'markdownEnumDescriptions', 'enumItemLabels']);
// Texts of these parts only; elsewhere (scripts, dependencies, a setting's default) words are data.
const SCOPES = ['displayName', 'description', 'contributes', 'capabilities'];
// Values, not words: a snippet's body, a default, examples.
const DATA = new Set(['default', 'body', 'examples', 'enum', 'const', 'pattern', 'when']);
const PLACEHOLDER = /^%[\w.-]+%$/;
const PREFIX = 'backupScheduler.';

/** A readable key segment for an array element: its id when it has one. */
function elementName(el, index) {
  if (el && typeof el === 'object') {
    for (const k of ['command', 'id', 'view', 'type', 'submenu']) if (typeof el[k] === 'string') return el[k].startsWith(PREFIX) ? el[k].slice(PREFIX.length) : el[k];
  }
  return String(index);
}

function walk(value, path, visit) {
  if (Array.isArray(value)) value.forEach((el, i) => walk(el, [...path, elementName(el, i)], visit));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (typeof v === 'string' && TEXT.has(k)) visit(value, k, [...path, k]);
      else if (Array.isArray(v) && TEXT_LISTS.has(k)) {
        const names = Array.isArray(value.enum) && value.enum.length === v.length ? value.enum.map(String) : v.map((_, i) => String(i));
        v.forEach((el, i) => typeof el === 'string' && visit(v, i, [...path, k, names[i]]));
      } else if (!DATA.has(k)) walk(v, [...path, k], visit);
    }
  }
}

/** Key from a path: drop the "properties" layers and the setting prefix; words separated by dots. */
function keyOf(path) {
  return path
    .filter((p, i) => !(p === 'properties' && i > 0) && p !== 'contributes' && p !== 'activitybar')
    .map((p) => (p.startsWith(PREFIX) ? p.slice(PREFIX.length) : p))
    .join('.')
    .replace(/[^\w.-]/g, '_');
}

export function convert(manifest, nls) {
  const plain = [];
  for (const scope of SCOPES) {
    if (!(scope in manifest)) continue;
    if (typeof manifest[scope] === 'string') {
      if (!PLACEHOLDER.test(manifest[scope])) plain.push({ holder: manifest, prop: scope, path: [scope] });
      continue;
    }
    walk(manifest[scope], [scope], (holder, prop, path) => {
      if (!PLACEHOLDER.test(holder[prop])) plain.push({ holder, prop, path });
    });
  }
  for (const { holder, prop, path } of plain) {
    const text = holder[prop];
    // One key for the category every command shares.
    let key = prop === 'category' ? 'category' : keyOf(path);
    for (let n = 2; key in nls && nls[key] !== text; n++) key = `${prop === 'category' ? 'category' : keyOf(path)}.${n}`;
    nls[key] = text;
    holder[prop] = `%${key}%`;
  }
  return plain.map((p) => keyOf(p.path));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  const nls = JSON.parse(readFileSync(nlsPath, 'utf8'));
  const moved = convert(manifest, nls);
  if (process.argv.includes('--check')) {
    if (moved.length) {
      console.error(`package.json has ${moved.length} plain text(s) (run npm run nls): ${moved.join(', ')}`);
      process.exit(1);
    }
  } else {
    writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
    writeFileSync(nlsPath, `${JSON.stringify(nls, null, 2)}\n`);
    console.log(`package.json: ${moved.length} text(s) moved to package.nls.json`);
  }
}
