// Debian's Chromium driven by playwright-core (never `playwright install`: nothing can be downloaded).
import { Browser, chromium } from 'playwright-core';
import { chromiumPath } from './paths';

// Without the background-networking flags Chromium keeps trying to reach Google's hosts, which this
// closed network refuses.
const ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), headless: true, args: ARGS, timeout: 60_000 });
}
