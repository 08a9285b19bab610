#!/usr/bin/env node
// Renders media/icon.svg to media/icon.png (128x128, transparent corners), the icon the
// Marketplace and Open VSX show, in the headless Chromium the UI tests drive (through
// playwright-core, which fixes the viewport: Chromium's own --screenshot flag does not reliably).
// Run it after editing the SVG and commit both: `npm run icon`.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const svg = join(root, 'media/icon.svg');
const png = join(root, 'media/icon.png');
const SIZE = 128;

const browser = await chromium.launch({
  executablePath: process.env.BACKUP_SCHEDULER_CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});
try {
  const page = await browser.newPage({ viewport: { width: SIZE, height: SIZE }, deviceScaleFactor: 1 });
  await page.goto(pathToFileURL(svg).href);
  await page.screenshot({ path: png, omitBackground: true });
} finally {
  await browser.close();
}

// A PNG's IHDR chunk holds width and height at bytes 16..23.
const head = readFileSync(png).subarray(0, 24);
const [w, h] = [head.readUInt32BE(16), head.readUInt32BE(20)];
if (w !== SIZE || h !== SIZE) throw new Error(`${png} is ${w}x${h}, not ${SIZE}x${SIZE}`);
console.log(`${png}: ${w}x${h}`);
