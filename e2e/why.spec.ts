// "Why?" beside a verdict: its popover gives the reason line the CLI prints, and opens
// docs/FIDELITY.md inside the app at its Verdicts section, fetched relative to the page, so it
// also works when the built app is served under a sub-path.

import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';

/** Boot, Snapshot, Restore, Draw on the default guest (naive, openssl-1.1.1, getrandom). */
async function journey(page: Page): Promise<void> {
  for (const name of ['Boot', 'Snapshot', 'Restore', 'Draw']) {
    await page.getByRole('button', { name, exact: true }).click();
    await expect(page.getByRole('status').first()).toHaveText('Ready', { timeout: 60_000 });
  }
}

test.describe('Why? beside a verdict', () => {
  test('each library in the metrics says why, and the reader opens at Verdicts', async ({ lab, page }) => {
    await journey(page);
    const metrics = page.getByRole('region', { name: 'Metrics' });
    await metrics.getByRole('button', { name: 'Why? openssl-1.1.1' }).click();
    const pop = page.getByRole('dialog', { name: 'Why: openssl-1.1.1' });
    await expect(pop).toBeVisible();
    await expect(pop).toContainText('predictable');
    await expect(pop).toContainText(/values differ, but each call mixes in only \d+ unknown bits/);
    await lab.shot('why-popover');

    const docs = page.waitForRequest((r) => r.url().endsWith('/docs/FIDELITY.md'));
    await pop.getByRole('button', { name: 'How verdicts are decided' }).click();
    await docs;
    const reader = page.getByRole('dialog', { name: /How the model decides/ });
    await expect(reader).toBeVisible();
    await expect(pop).toBeHidden();
    const verdicts = reader.getByRole('heading', { name: /^Verdicts/ });
    await expect(verdicts).toBeInViewport();
    await lab.shot('why-reader');
    await page.keyboard.press('Escape');
    await expect(reader).toBeHidden();

    // each library's row has its own
    await metrics.getByRole('button', { name: 'Why? naive' }).click();
    await expect(page.getByRole('dialog', { name: 'Why: naive' })).toContainText(
      /every clone emitted the same \d+ value\(s\)/,
    );
  });

  test('served under a sub-path, the reader finds docs/FIDELITY.md beside the page', async ({
    page,
    baseURL,
  }) => {
    const root = new URL(baseURL!);
    const prefix = '/some/sub/path/';
    // the app's own files, answered under the prefix (a static host without rewrites)
    await page.context().route(`${root.origin}${prefix}**`, async (route) => {
      const url = new URL(route.request().url());
      url.pathname = `/${url.pathname.slice(prefix.length)}`;
      await route.fulfill({ response: await route.fetch({ url: url.href }) });
    });
    await page.goto(`${root.origin}${prefix}`);
    await expect(page.getByRole('status').first()).toHaveText('Ready', { timeout: 60_000 });
    await journey(page);
    const docs = page.waitForResponse((r) => r.url().endsWith('/docs/FIDELITY.md'));
    await page
      .getByRole('region', { name: 'Metrics' })
      .getByRole('button', { name: 'Why? getrandom' })
      .click();
    await page.getByRole('button', { name: 'How verdicts are decided' }).click();
    const r = await docs;
    expect(new URL(r.url()).pathname).toBe(`${prefix}docs/FIDELITY.md`);
    expect(r.status()).toBe(200);
    await expect(
      page.getByRole('dialog', { name: /How the model decides/ }).getByRole('heading', { name: /^Verdicts/ }),
    ).toBeInViewport();
  });
});
