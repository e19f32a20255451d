// Long commands show progress and can be cancelled, leaving a consistent fleet.

import { expect, test } from './fixtures';

interface Fleet {
  vms: Array<{ id: number; origin: string; state: string }>;
}

test('cancelling a long restore keeps the finished batches, and the fleet says so everywhere', async ({
  lab,
  page,
}) => {
  await lab.boot();
  await lab.snapshot();
  await page.getByLabel('Clones', { exact: true }).fill('4096');
  // Restoring 4,096 clones takes a blink here, faster than a pointer travels to Cancel: press
  // Cancel the moment it renders, the way an impatient presenter double-taps.
  await lab.button('Restore').evaluate(async (restore) => {
    (restore as HTMLButtonElement).click();
    for (let frame = 0; frame < 30; frame++) {
      const cancel = [...document.querySelectorAll('button')].find((b) => b.textContent === 'Cancel');
      if (cancel && !(cancel as HTMLButtonElement).disabled) return (cancel as HTMLButtonElement).click();
      await new Promise((r) => requestAnimationFrame(r));
    }
    throw new Error('no Cancel button while restoring');
  });
  await lab.idle();
  const notice = page.getByText(/^Restore cancelled: kept/);
  await expect(notice).toBeVisible();
  const kept = Number(/kept ([\d,]+) of 4,096/.exec((await notice.textContent())!)![1]!.replace(/,/g, ''));
  expect(kept).toBeLessThan(4096);
  expect(kept % 16).toBe(0);

  const fleet = (await lab.api((l) => l.fleet())) as Fleet;
  const clones = fleet.vms.filter((v) => v.origin === 'clone');
  expect(clones).toHaveLength(kept);
  expect(clones.every((v) => v.state === 'running')).toBe(true);
  await expect(page.getByRole('region', { name: /Lineage/ })).toContainText(
    `${kept + 1} VMs (${kept} running)`,
  );
  await lab.shot('cancel-restore');

  // the kept fleet works: every kept clone draws
  if (kept > 0) {
    await lab.draw(2);
    expect(await lab.api((l) => l.state().duplicates)).toBeGreaterThan(0);
  }
});

test('cancelling a long draw rebuilds the lab exactly as it was before it', async ({ lab, page }) => {
  await lab.journey(64, 4);
  const before = await lab.duplicateCount();
  const devicesBefore = await lab.api(async (l) =>
    l.devices(((await l.fleet()) as Fleet).vms.map((v) => v.id)),
  );

  await page.getByLabel('Draws', { exact: true }).fill('10000');
  await lab.button('Draw').click();
  await expect(page.getByRole('status')).toContainText('Drawing 10,000 outputs in 64 VMs');
  await lab.button('Cancel').click();
  await expect(page.getByRole('status')).toContainText(/Rebuilding the lab|Ready/);
  await lab.idle();
  await expect(
    page.getByText(/cancelled: the worker was stopped and the lab rebuilt from its seed/),
  ).toBeVisible();
  await lab.shot('cancel-draw');

  // the same VMs, the same device bytes, the same last draw
  const devicesAfter = await lab.api(async (l) =>
    l.devices(((await l.fleet()) as Fleet).vms.map((v) => v.id)),
  );
  expect(devicesAfter).toEqual(devicesBefore);
  await expect(lab.duplicates).toHaveText(String(before));
});
