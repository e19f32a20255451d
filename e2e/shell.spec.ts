import { expect, test } from '@playwright/test';

test('the app shell loads and shows the wasm core version', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Uniqueness Lab' })).toBeVisible();
  await expect(page.getByTestId('core-version')).toHaveText(/^\d+$/);
});
