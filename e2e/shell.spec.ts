import { expect, test } from './fixtures';

test('the app loads the wasm core in its worker and preselects the default guest', async ({ lab, page }) => {
  await expect(page.getByRole('heading', { name: 'Uniqueness Lab' })).toBeVisible();
  await expect(page.getByLabel('Guest')).toHaveValue('default.json');
  await expect(page.getByLabel('VMGenID')).not.toBeChecked();
  await expect(page.getByLabel('Library')).toHaveValue('guest');
  expect(await lab.api((l) => l.state())).toMatchObject({ ready: true, bootVm: null });
});

test('every guest preset loads and sets its kernel features', async ({ lab: _lab, page }) => {
  const guest = page.getByLabel('Guest');
  await guest.selectOption('linux-6.11-vmgenid.json');
  await expect(page.getByLabel('VMGenID')).toBeChecked();
  await guest.selectOption('wipeonsuspend-rfc.json');
  await expect(page.getByLabel('MADV_WIPEONSUSPEND')).toBeChecked();
  await guest.selectOption('amazon-linux-sysgenid.json');
  await expect(page.getByLabel('SysGenId')).toBeChecked();
});

test('once loaded, the lab works offline', async ({ lab, context }) => {
  await context.setOffline(true);
  await lab.boot();
  await lab.snapshot();
  await lab.restore(2);
  await lab.draw(4);
  expect(await lab.duplicateCount()).toBeGreaterThan(0);
  await context.setOffline(false);
});
