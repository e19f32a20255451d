// The Real kernel region: a real Linux 6.1 kernel in v86, restored as 3 clones in the region's
// worker from the state `npm run guest:real` saved (public/real/, served with the app). The first
// read finds one /dev/urandom value in every clone; after the agent reseed, three.

import type { Locator, Page } from '@playwright/test';
import { expect, test } from './fixtures';

function region(page: Page): Locator {
  return page.getByRole('region', { name: 'Real kernel' });
}

/** Restores the clones and waits until they run; fails with the fetch command if the assets are missing. */
async function restoreClones(page: Page): Promise<void> {
  const r = region(page);
  await r.getByRole('button', { name: 'Restore clones' }).click();
  const read = r.getByRole('button', { name: 'Read', exact: true });
  const missing = r.getByText('npm run guest:real');
  await expect
    .poll(
      async () =>
        (await read.isEnabled()) ? 'running' : (await missing.count()) > 0 ? 'assets missing' : 'restoring',
      {
        message: 'clones running (if the assets are missing: run `npm run guest:real`)',
        timeout: 120_000,
      },
    )
    .not.toBe('restoring');
  await expect(missing, 'the real-kernel assets: run `npm run guest:real`').toHaveCount(0);
}

test.describe('the Real kernel region', () => {
  test.setTimeout(180_000);

  test('three restored clones read one /dev/urandom value; after the agent reseed, three', async ({
    lab,
    page,
  }) => {
    const r = region(page);
    const distinct = page.getByTestId('real-distinct-count');
    await expect(r.getByLabel('Real clones')).toHaveValue('3');
    await restoreClones(page);

    await r.getByRole('button', { name: 'Read', exact: true }).click();
    await expect(distinct).toHaveText('1', { timeout: 60_000 });
    await expect(
      r.getByRole('cell', { name: /^clone \d \/dev\/urandom: [0-9a-f]{32}, duplicate/ }),
    ).toHaveCount(3);
    await r.screenshot({ path: 'e2e/screenshots/real-kernel-identical.png' });

    await r.getByRole('button', { name: 'Agent reseed' }).click();
    await expect(r.getByText(/agent reseed: \d+ ms/)).toBeVisible({ timeout: 60_000 });
    await r.getByRole('button', { name: 'Read', exact: true }).click();
    await expect(distinct).toHaveText('3', { timeout: 60_000 });
    await expect(r.getByRole('cell', { name: /^clone \d \/dev\/urandom: [0-9a-f]{32}, unique/ })).toHaveCount(
      3,
    );
    // boot_id was created before the snapshot: no reseed changes it
    await expect(r.getByRole('cell', { name: /^clone \d boot_id: .*, duplicate/ })).toHaveCount(3);
    await r.screenshot({ path: 'e2e/screenshots/real-kernel-after-reseed.png' });
    expect(lab.requests).toEqual([]);
  });
});
