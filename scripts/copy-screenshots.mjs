#!/usr/bin/env node
// Copies the README's screenshots from test-results/ (written by the UI tests: `npm run test:ui`)
// into media/screenshots/, so the pictures show the extension as the tests last saw it and are
// never edited by hand. `npm run screenshots`; fails, naming the file, when a test did not write one.
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// test-results/<from>.png -> media/screenshots/<to>.png (the names the README links to).
const CHOSEN = [
  ['ui-runnow-6-task-detail', 'task-log'],
  ['walkthrough-getting-started', 'walkthrough'],
  ['ui-compare-2-diff', 'compare-diff'],
];

const out = join(root, 'media/screenshots');
mkdirSync(out, { recursive: true });
const missing = CHOSEN.filter(([from]) => !existsSync(join(root, 'test-results', `${from}.png`)));
if (missing.length > 0) {
  console.error(`screenshots: not in test-results/: ${missing.map(([f]) => `${f}.png`).join(', ')}; run npm run test:ui first`);
  process.exit(1);
}
for (const [from, to] of CHOSEN) {
  copyFileSync(join(root, 'test-results', `${from}.png`), join(out, `${to}.png`));
  console.log(`media/screenshots/${to}.png <- test-results/${from}.png`);
}
