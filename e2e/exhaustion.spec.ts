// Asking for more clones than memory holds: the restore is refused before its first batch, and
// the answer is one clear error, the fleet exactly as before, a lab that works on, and a saved
// session that still reopens exactly (the session's log is the whole history: a replay on a fresh
// core hands out the same ids and the same host entropy, keyed by each clone's place).
//
// Filling the 4 GiB of wasm memory a real exhaustion needs would take minutes and most of the
// machine's memory, so the test caps the core's frames through the test-only hook on window.__lab
// (setFrameLimitForTests); the core fails the same way at the cap as at wasm's own limit.

import { expect, test } from './fixtures';
import { fleet, type Fleet } from './snapfiles';

const used = (f: Fleet) => f.stats.guestFrames + f.stats.metaFrames;
const withoutCloneCounts = (f: Fleet) => ({
  vms: f.vms,
  snapshots: f.snapshots.map(({ clones: _clones, ...s }) => s),
});

test('more clones than memory holds of a 1 GiB guest: one error, no partial fleet, and the lab works on', async ({
  lab,
  page,
}) => {
  await page.getByText('More settings').click();
  await page.getByLabel('Memory (MiB)', { exact: true }).fill('1024');
  await lab.boot();
  await lab.snapshot();
  const f0 = await fleet(lab);
  await lab.restore(16);
  const f1 = await fleet(lab);
  const perBatch = used(f1) - used(f0);
  expect(perBatch).toBeGreaterThan(0);
  await lab.draw(4);
  const dups = await lab.duplicateCount();
  const before = await fleet(lab);
  const lineage = page.getByRole('region', { name: /^Lineage/ });
  const treeBefore = await lineage.locator('.lineage').innerText();

  // room for two and a half more batches of 16: the third batch of the 4,096 fails
  const cap = used(before) + Math.floor(2.5 * perBatch);
  expect(await page.evaluate((frames) => window.__lab!.setFrameLimitForTests(frames), cap)).toBe(cap);
  await page.getByLabel('Clones', { exact: true }).fill('4096');
  await lab.button('Restore').click();
  const alert = page.getByRole('alert');
  await expect(alert).toHaveCount(1);
  await expect(alert).toContainText(
    /^Restoring 4,096 clones from snapshot 0 failed: (?:restore: )?out of host memory: \d+ more 4 KiB frames were needed and wasm memory cannot grow further; nothing was changed/,
  );
  await lab.idle();
  const after = await fleet(lab);
  // the same VMs, snapshots and clone counts: the fleet was refused before its first batch
  expect(withoutCloneCounts(after)).toEqual(withoutCloneCounts(before));
  expect(await lineage.locator('.lineage').innerText()).toBe(treeBefore);
  await expect(lineage).toContainText('17 VMs (16 running), 1 snap');
  await lab.shot('exhaustion-refused');

  // the lab works on: the same clones draw, and more fit once the cap is lifted
  await lab.draw(4);
  await expect(lab.duplicates).toHaveText(String(dups));
  await page.evaluate(() => window.__lab!.setFrameLimitForTests(0));
  await lab.restore(4);
  await lab.draw(4);
  const end = await fleet(lab);
  expect(end.vms.filter((v) => v.origin === 'clone')).toHaveLength(20);
  const endDraw = await lab.api((l) => l.lastDraw(4));

  // and the saved session reopens exactly
  const steps = (await lab.api((l) => l.history()!.actions.length)) as number;
  await expect(page.getByTestId('autosave-status')).toHaveText(new RegExp(` · ${steps} steps$`));
  await page.goto('/');
  await lab.idle();
  await page.getByRole('button', { name: 'Reopen saved session' }).click();
  await expect(
    page.getByText(new RegExp(`^Reopened the saved session of .*: ${steps} steps replayed`)),
  ).toBeVisible();
  await lab.idle();
  expect(withoutCloneCounts(await fleet(lab))).toEqual(withoutCloneCounts(end));
  expect(await lab.api((l) => l.lastDraw(4))).toEqual(endDraw);
});
