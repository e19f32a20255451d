// "Predictable", shown: on the outputs of OpenSSL 1.1.1 (the default guest's second process),
// Recover outputs runs the attack from the snapshot in the lab's worker, and says per clone the
// counters it searched, the counter it recovered and that the next output was among 31 candidates
// computed before looking; and plainly why distinct is not safe. A library it cannot attack, or a
// draw of one output per clone, is refused in a sentence.

import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';

async function journey(page: Page, draws = '16'): Promise<void> {
  await page.getByLabel('Draws', { exact: true }).fill(draws);
  for (const name of ['Boot', 'Snapshot', 'Restore', 'Draw']) {
    await page.getByRole('button', { name, exact: true }).click();
    await expect(page.getByRole('status').first()).toHaveText('Ready', { timeout: 60_000 });
  }
}

test.describe('Recover outputs', () => {
  test("recovers every clone's next OpenSSL 1.1.1 output from the snapshot, and says why distinct is not safe", async ({
    lab,
    page,
  }) => {
    await journey(page);
    await page.getByRole('tab', { name: /^openssl-1\.1\.1 / }).click();
    const outputs = page.getByRole('region', { name: /^Outputs/ });
    // the heading's verdict says why, too
    await outputs.getByRole('button', { name: 'Why? openssl-1.1.1' }).click();
    await expect(page.getByRole('dialog', { name: 'Why: openssl-1.1.1' })).toContainText(
      'values differ, but',
    );
    await page.keyboard.press('Escape');

    await outputs.getByRole('button', { name: 'Recover outputs' }).click();
    const view = page.getByRole('dialog', { name: /^Recovered from the snapshot: openssl-1\.1\.1/ });
    await expect(view).toBeVisible();
    const rows = view.getByRole('table', { name: 'What the attack found, per clone' }).getByRole('row');
    await expect(rows).toHaveCount(5, { timeout: 60_000 }); // the header and 4 clones
    await expect(view).toContainText('4 of 4 clones printed different values');
    for (let i = 1; i <= 4; i++) {
      const row = rows.nth(i);
      await expect(row).toContainText('65,551');
      await expect(row).toContainText(/0x[0-9a-f]{8}/);
      await expect(row).toContainText('yes, 1 of 31 candidates');
      await expect(row).toContainText(/\d+ ms/);
    }
    // the predicted value is the clone's second output as the table shows it
    const first = (await rows.nth(1).textContent())!;
    const predicted = /its output #2: ([0-9a-f]{24})/.exec(first)![1]!;
    await expect(view).toContainText('Distinct is not safe.');
    await lab.shot('recover-outputs');
    await view.getByRole('button', { name: 'Close' }).click();
    await expect(view).toBeHidden();
    await expect(
      outputs.getByRole('cell', { name: new RegExp(`output 2: ${predicted}, unique`) }),
    ).toHaveCount(1);
  });

  test('refuses a draw of one output per clone, in a sentence', async ({ lab }) => {
    const page = lab.page;
    await journey(page, '1');
    await page.getByRole('tab', { name: /^openssl-1\.1\.1 / }).click();
    await page
      .getByRole('region', { name: /^Outputs/ })
      .getByRole('button', { name: 'Recover outputs' })
      .click();
    await expect(
      page.getByRole('dialog', { name: /^Recovered from the snapshot/ }).getByRole('alert'),
    ).toHaveText(
      'Recover outputs refused: the attack needs two draws per clone (it finds the first and predicts the second); this draw made 1.',
    );
  });

  test('is offered only on the outputs of OpenSSL 1.1.1', async ({ lab }) => {
    const page = lab.page;
    await journey(page);
    const outputs = page.getByRole('region', { name: /^Outputs/ });
    await page.getByRole('tab', { name: /^naive / }).click();
    await expect(outputs.getByRole('button', { name: 'Recover outputs' })).toHaveCount(0);
  });
});
