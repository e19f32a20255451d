// The race window panel: its caption agrees with what is drawn (the draws that end before the
// kernel reseeds leave the window open, they do not make it "never close"), the kernel's
// scheduled reseed closes it when the draws run long enough, and the entropy ledger under it
// gives each library's fresh bits against the 128-bit line, with what raised them.

import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';

async function run(page: Page, settings: Record<string, string>): Promise<void> {
  // the draw interval is under "More settings"
  if (Object.keys(settings).some((k) => k.includes('interval')))
    await page.getByText('More settings').click();
  for (const [label, value] of Object.entries(settings))
    await page.getByLabel(label, { exact: true }).fill(value);
  for (const name of ['Boot', 'Snapshot', 'Restore', 'Draw']) {
    await page.getByRole('button', { name, exact: true }).click();
    await expect(page.getByRole('status').first()).toHaveText('Ready', { timeout: 60_000 });
  }
}

test.describe('the race window', () => {
  test('draws over in microseconds: the draws ended before any reseed, and the window is still open', async ({
    lab,
  }) => {
    const page = lab.page;
    await run(page, {});
    const panel = page.getByRole('region', { name: /^Race window/ });
    const caption = panel.locator('#timeline-desc');
    await expect(caption).toContainText(/the draws ended at \+[\d.]+ µs before any reseed/);
    await expect(caption).toContainText("the kernel's scheduled reseed closes it later");
    await expect(caption).not.toContainText('never');
    const ledger = panel.getByRole('group', { name: /^Fresh entropy in vm \d+/ });
    await expect(
      ledger.getByRole('listitem', { name: /^getrandom: 0 fresh bits, nothing unknown/ }),
    ).toHaveCount(1);
  });

  test("draws a second apart: the kernel's scheduled reseed closes the window, and the ledger says so", async ({
    page,
    lab,
  }) => {
    await run(page, { Draws: '60', 'Draw interval (µs)': '1000000' });
    const panel = page.getByRole('region', { name: /^Race window/ });
    await expect(panel.locator('#timeline-desc')).toContainText(
      /the kernel's scheduled reseed runs at \+[\d.]+ s: [\d.]+ s in which clones share/,
    );
    await expect(
      panel.getByRole('listitem', {
        name: /^getrandom: 256 fresh bits, from the kernel's scheduled reseed; safe from draw #\d+$/,
      }),
    ).toHaveCount(1);
    await expect(
      panel.getByRole('listitem', {
        name: /^openssl-1\.1\.1: 0 fresh bits, .*timer bits an attacker can search/,
      }),
    ).toHaveCount(1);
    await panel.scrollIntoViewIfNeeded();
    await lab.shot('race-window-ledger');
  });
});
