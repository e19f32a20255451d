import { expect, test } from './fixtures';

test('the app loads the wasm core in its worker and preselects the default guest', async ({ lab, page }) => {
  await expect(page.getByRole('heading', { name: 'Uniqueness Lab' })).toBeVisible();
  await expect(page.getByLabel('Guest')).toHaveValue('default');
  await expect(page.getByLabel('VMGenID', { exact: true })).not.toBeChecked();
  await expect(page.getByLabel('Library')).toHaveValue('guest');
  expect(await lab.api((l) => l.state())).toMatchObject({ ready: true, bootVm: null });
});

test('every guest preset loads and sets its kernel features', async ({ lab: _lab, page }) => {
  const guest = page.getByLabel('Guest');
  await guest.selectOption('linux-6.11-vmgenid');
  await expect(page.getByLabel('VMGenID', { exact: true })).toBeChecked();
  await expect(page.getByLabel('Kernel', { exact: true })).toHaveValue('6.11');
  await guest.selectOption('wipeonsuspend-rfc');
  await expect(page.getByLabel('MADV_WIPEONSUSPEND', { exact: true })).toBeChecked();
  await guest.selectOption('amazon-linux-sysgenid');
  await expect(page.getByLabel('SysGenId', { exact: true })).toBeChecked();
});

test('once loaded, the lab works offline', async ({ lab, context }) => {
  await context.setOffline(true);
  await lab.journey(2, 4);
  expect(await lab.duplicateCount()).toBeGreaterThan(0);
  await context.setOffline(false);
});
