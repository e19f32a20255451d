// The core journey of a new user with the default guest, then the mitigations that fix it.

import { expect, test } from './fixtures';

test('clones of the default guest collide; VMGenID with vdso and δ = 0 removes every duplicate', async ({
  lab,
  page,
}) => {
  await lab.journey(4, 16);

  const dups = await lab.duplicateCount();
  expect(dups).toBeGreaterThan(0);
  expect(await lab.api((l) => l.state().duplicates)).toBe(dups);
  // every duplicate of the shown library is marked in text, and visibly
  const marks = page.getByRole('tabpanel').locator('[aria-label*="duplicate"]');
  await expect(marks.first()).toBeVisible();
  const shownTab = page.getByRole('tab', { selected: true });
  const shownCount = Number(/: (\d+) dup/.exec((await shownTab.textContent())!)![1]);
  await expect(marks).toHaveCount(shownCount);
  // a duplicate's colour is shared by every occurrence of its value
  const first = marks.first();
  const label = (await first.getAttribute('aria-label'))!;
  const value = /: ([0-9a-f-]+), duplicate/.exec(label)![1]!;
  const same = page.getByRole('tabpanel').locator(`[aria-label*="${value}, duplicate"]`);
  await expect(same).toHaveCount(4);
  const colours = await same.evaluateAll((els) => els.map((e) => getComputedStyle(e).backgroundColor));
  expect(new Set(colours).size).toBe(1);
  await lab.shot('journey-1-duplicates');

  await page.getByLabel('VMGenID').check();
  await page.getByLabel('Library').selectOption('vdso');
  await page.getByLabel('Notify delay (µs)').fill('0');
  await lab.journey(4, 16);
  await expect(lab.duplicates).toHaveText('0');
  await expect(page.locator('[aria-label*="duplicate"]')).toHaveCount(0);
  await expect(page.getByRole('tab', { name: /vdso/ })).toBeVisible();
  await lab.shot('journey-2-unique');
});

test('with MADV_WIPEONSUSPEND the memory map shows the wiped pages', async ({ lab, page }) => {
  await page.getByLabel('MADV_WIPEONSUSPEND').check();
  await lab.boot();
  await lab.snapshot();
  await lab.restore(2);

  const vm = (await lab.api((l) => l.state().selectedVm))!;
  const core = await lab.api((l) => l.mapSummary(l.state().selectedVm!));
  const wiped = (core as { counts: { wiped: number } }).counts.wiped;
  expect(wiped).toBeGreaterThan(0);
  // the legend counts and the text summary say so, in words
  await expect(page.getByRole('list', { name: /Legend/ }).getByText(`wiped ${wiped}`)).toBeVisible();
  await expect(lab.map('A')).toHaveAccessibleDescription(new RegExp(`vm ${vm}: .*${wiped} wiped`));
  // and the wiped page holds the same (zero) bytes in both clones
  await expect(page.getByTestId('map-comparison')).toContainText(/✕ wiped \d+ of \d+/);
  await lab.shot('wipeonsuspend-map');
});

test('a diff snapshot of the resumed original chains under its parent in the lineage', async ({
  lab,
  page,
}) => {
  await lab.boot();
  await lab.snapshot();
  await lab.button('Resume original').click();
  await lab.idle();
  await page.getByRole('button', { name: /^vm 0,/ }).click();
  await page.getByLabel('Pages to write').fill('200');
  await lab.button('Touch pages').click();
  await lab.idle();
  await page.getByLabel('Snapshot type').selectOption('diff');
  await lab.snapshot();
  await lab.restore(3);
  const lineage = page.getByRole('region', { name: 'Lineage' });
  await expect(lineage.getByRole('button', { name: /^snap #1, diff/ })).toBeVisible();
  const fleet = (await lab.api((l) => l.fleet())) as {
    snapshots: Array<{ id: number; type: string; parent: number | null }>;
  };
  expect(fleet.snapshots).toEqual([
    expect.objectContaining({ id: 0, type: 'full', parent: null }),
    expect.objectContaining({ id: 1, type: 'diff', parent: 0 }),
  ]);
  await lab.draw(8);
  await lab.shot('lineage-diff');
});
