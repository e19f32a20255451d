// Finds a Chromium the way a user's machine has one: an explicit env var, Playwright's own
// download, or the system's package (Debian's /usr/bin/chromium and friends).
import { existsSync } from 'node:fs';
import { chromium } from '@playwright/test';

const systemCandidates = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
];

/** The Chromium executable to drive, or undefined to let Playwright use its own. */
export function findChromium(): string | undefined {
  const fromEnv = process.env.CHROMIUM_PATH ?? process.env.PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`CHROMIUM_PATH points to a missing file: ${fromEnv}`);
    return fromEnv;
  }
  try {
    const own = chromium.executablePath();
    if (own && existsSync(own)) return undefined;
  } catch {
    // Playwright has no browser of its own here: fall through to the system's.
  }
  const system = systemCandidates.find((p) => existsSync(p));
  if (!system) {
    throw new Error(
      'No Chromium found: set CHROMIUM_PATH, or install one (e.g. `apt-get install chromium`).',
    );
  }
  return system;
}

/** Flags that keep a headless Chromium quiet and offline-friendly on CI machines. */
export const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
