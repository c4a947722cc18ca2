import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's chromium; CI installs it (`apt-get install chromium`). */
export const CHROMIUM_PATH = '/usr/bin/chromium';

// Headless and quiet: no GPU, no sandbox (containers lack the namespaces), and nothing that
// phones home, since the test machines have no network.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/**
 * Starts headless Chromium for a browser test. A missing browser is a failure, never a skip:
 * the browser tests are what prove the local forum's page works.
 */
export async function launchBrowser(executablePath = CHROMIUM_PATH): Promise<Browser> {
  if (!existsSync(executablePath)) {
    throw new Error(`browser tests need Chromium at ${executablePath}, which is missing: install it (Debian/Ubuntu: apt-get install chromium)`);
  }
  return chromium.launch({ executablePath, args: CHROMIUM_ARGS });
}
