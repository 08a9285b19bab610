#!/usr/bin/env node
// Copies the README's screenshots from test-results/ (written by the UI tests: `npm run test:ui`)
// into media/screenshots/, so the pictures show the extension as the tests last saw it and are
// never edited by hand. `npm run screenshots`; fails, naming the file, when a test did not write one.
// `npm run screenshots -- overview` copies only the named ones (after running only their test).
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// test-results/<from>.png -> media/screenshots/<to>.png (the names the README links to).
const CHOSEN = [
  ['ui-runnow-6-task-detail', 'task-log'],
  ['walkthrough-getting-started', 'walkthrough'],
  ['ui-compare-2-diff', 'compare-diff'],
  // test/ui/overview.test.ts: the demo's environment and a failing one, dark theme.
  ['overview-dark', 'overview'],
];
const only = process.argv.slice(2);
const chosen = only.length ? CHOSEN.filter(([, to]) => only.includes(to)) : CHOSEN;
if (only.length && chosen.length !== only.length) {
  console.error(`screenshots: unknown name in ${only.join(', ')}; known: ${CHOSEN.map(([, to]) => to).join(', ')}`);
  process.exit(1);
}

const out = join(root, 'media/screenshots');
mkdirSync(out, { recursive: true });
const missing = chosen.filter(([from]) => !existsSync(join(root, 'test-results', `${from}.png`)));
if (missing.length > 0) {
  console.error(`screenshots: not in test-results/: ${missing.map(([f]) => `${f}.png`).join(', ')}; run npm run test:ui first`);
  process.exit(1);
}
for (const [from, to] of chosen) {
  copyFileSync(join(root, 'test-results', `${from}.png`), join(out, `${to}.png`));
  console.log(`media/screenshots/${to}.png <- test-results/${from}.png`);
}
