// Headless Chromium from Debian (/usr/bin/chromium) driven by playwright-core. No browser is
// ever downloaded. Flags as this machine needs them (root, closed network).
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.PARLEY_CHROMIUM || '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/** Launches headless Chromium (playwright gives it a fresh temporary profile). Close it in `after`. */
export function launchBrowser(options = {}) {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    ...options,
  });
}
