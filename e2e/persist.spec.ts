// The lab in the browser's storage: the session autosaves and a later visit (or a reload of a lab
// no link can hold) offers to reopen it, rebuilt exactly; kept snapshot files are listed and load;
// Clear saved data asks first and says what goes; a full quota or too little room is shown.

import type { Page } from '@playwright/test';
import { expect, test, type LabPage } from './fixtures';
import { downloadSnap, fleet, openFile } from './snapfiles';

/** Waits until the session is saved with `steps` steps (any number if not given). */
const autosaved = (page: Page, steps?: number) =>
  expect(page.getByTestId('autosave-status')).toHaveText(
    new RegExp(`^Session autosaved [\\d:]+ · ${steps === undefined ? '\\d+' : steps} steps?$`),
  );

async function devices(lab: LabPage) {
  return lab.api(async (l) =>
    l.devices(((await l.fleet()) as { vms: Array<{ id: number }> }).vms.map((v) => v.id)),
  );
}

test('a fresh visit offers the saved session, and reopening it rebuilds the same lab', async ({
  lab,
  page,
}) => {
  await lab.boot();
  await lab.snapshot();
  await lab.restore(4);
  await page.getByLabel('Seed', { exact: true }).fill('99'); // a setting changed after Boot is kept too
  await lab.draw(16);
  await autosaved(page, 4);
  const before = {
    fleet: await fleet(lab),
    draw: await lab.api((l) => l.lastDraw(16)),
    devices: await devices(lab),
    dups: await lab.duplicateCount(),
  };

  await page.goto('/');
  await lab.idle();
  const offer = page.getByRole('group', { name: 'Saved session' });
  await expect(offer).toContainText(
    /A session saved .* can be rebuilt: guest default, 4 steps, 5 VMs, 1 snap\./,
  );
  await expect(offer).toContainText('It is not reopened automatically');
  await expect(page.getByTestId('autosave-status')).toHaveText('Autosave waits for your answer');
  expect((await fleet(lab)).vms).toEqual([]);
  await lab.shot('persist-offer');

  await page.getByRole('button', { name: 'Reopen saved session' }).click();
  await expect(
    page.getByText(/^Reopened the saved session of .*: 4 steps replayed from the seed\./),
  ).toBeVisible();
  await lab.idle();
  expect(await fleet(lab)).toEqual(before.fleet);
  expect(await lab.api((l) => l.lastDraw(16))).toEqual(before.draw);
  expect(await devices(lab)).toEqual(before.devices);
  await expect(lab.duplicates).toHaveText(String(before.dups));
  await expect(page.getByLabel('Seed', { exact: true })).toHaveValue('99');
  await expect(offer).toHaveCount(0);
  await autosaved(page);
});

test('a reload keeps the lab (its link, with the opened file from this browser); kept files are listed and load', async ({
  lab,
  page,
}) => {
  await lab.boot();
  await lab.snapshot();
  const file = await downloadSnap(page);
  await openFile(page, file.name, file.bytes); // a snap from a file: the link names it by content
  await expect(page.getByText(/^Opened uniqueness-lab-snap-0\.ulsnap: snap #1,/)).toBeVisible();
  await lab.restore(2);
  await lab.draw(4);
  await page.getByRole('button', { name: /^Saved data/ }).click(); // opens the list
  await page.getByRole('button', { name: 'Keep snap #1 in browser' }).click();
  await expect(page.getByRole('button', { name: 'Saved data (2)' })).toBeVisible();
  const steps = await lab.api((l) => l.history()!.actions.length);
  await autosaved(page, steps);
  const before = { fleet: await fleet(lab), draw: await lab.api((l) => l.lastDraw(4)) };

  await page.reload();
  // the address bar's link rebuilds it, the file's bytes from this browser's saved session
  await expect
    .poll(async () => (await fleet(lab)).vms.length, { timeout: 60_000 })
    .toBe(before.fleet.vms.length);
  await lab.idle();
  expect(await fleet(lab)).toEqual(before.fleet);
  expect(await lab.api((l) => l.lastDraw(4))).toEqual(before.draw);
  await expect(page.getByRole('button', { name: 'Reopen saved session' })).toHaveCount(0);
  await expect(page.getByRole('alert').filter({ hasText: 'could not be opened' })).toHaveCount(0);
  const lineage = page.getByRole('region', { name: /^Lineage/ });
  await expect(lineage.getByRole('button', { name: /^snap #1, full, from a file/ })).toBeVisible();

  await page.getByRole('button', { name: 'Saved data (2)' }).click();
  const saved = page.getByRole('region', { name: 'Saved in this browser' });
  await expect(saved.getByRole('row')).toHaveCount(3); // header + 2 files
  await expect(saved).toContainText('uniqueness-lab-snap-0.ulsnap');
  await expect(saved).toContainText('uniqueness-lab-snap-1.ulsnap');
  await page.setViewportSize({ width: 1280, height: 720 });
  await lab.shot('persist-saved-files');
  await saved.getByRole('button', { name: 'Load saved file 2' }).click();
  await expect(page.getByText(/^Opened uniqueness-lab-snap-1\.ulsnap: snap #2,/)).toBeVisible();
  expect((await fleet(lab)).snapshots.map((s) => s.id)).toEqual([0, 1, 2]);
});

test('a reopen that fails leaves the saved session exactly as it was, and saves nothing', async ({
  lab,
  page,
}) => {
  await lab.boot();
  await lab.snapshot();
  const file = await downloadSnap(page);
  await openFile(page, file.name, file.bytes);
  await expect(page.getByText(/^Opened /)).toBeVisible();
  await lab.restore(2);
  const steps = await lab.api((l) => l.history()!.actions.length);
  await autosaved(page, steps);
  // the file the session needs disappears from storage (cleared by hand, another tab...)
  await page.evaluate(
    () =>
      new Promise<void>((resolve, reject) => {
        const open = indexedDB.open('uniqueness-lab');
        open.onsuccess = () => {
          const tx = open.result.transaction('sessionFiles', 'readwrite');
          tx.objectStore('sessionFiles').clear();
          tx.oncomplete = () => (open.result.close(), resolve());
          tx.onerror = () => reject(tx.error);
        };
        open.onerror = () => reject(open.error);
      }),
  );
  const stored = () =>
    page.evaluate(
      () =>
        new Promise<unknown>((resolve, reject) => {
          const open = indexedDB.open('uniqueness-lab');
          open.onsuccess = () => {
            const get = open.result.transaction('session').objectStore('session').get('current');
            get.onsuccess = () => (open.result.close(), resolve(get.result));
            get.onerror = () => reject(get.error);
          };
        }),
    );
  const record = await stored();
  await page.goto('/');
  await lab.idle();
  await page.getByRole('button', { name: 'Reopen saved session' }).click();
  await expect(
    page.getByRole('alert').filter({ hasText: 'Reopening the saved session failed' }),
  ).toContainText('is missing from this browser');
  await expect(page.getByTestId('autosave-status')).toHaveText(
    'Autosave paused: the saved session is kept as it was',
  );
  // a new lab does not overwrite it
  await lab.boot();
  await lab.snapshot();
  await expect(page.getByTestId('autosave-status')).toHaveText(
    'Autosave paused: the saved session is kept as it was',
  );
  expect(await stored()).toEqual(record);
});

test('Clear saved data asks first, says what will be lost, and then it is gone', async ({ lab, page }) => {
  await lab.boot();
  await lab.snapshot();
  await page.getByRole('button', { name: /^Saved data/ }).click();
  await page.getByRole('button', { name: 'Keep snap #0 in browser' }).click();
  await expect(page.getByRole('button', { name: 'Saved data (1)' })).toBeVisible();
  await autosaved(page, 2);

  await page.getByRole('button', { name: 'Clear saved data…' }).click();
  const confirm = page.getByRole('group', { name: 'Confirm clearing saved data' });
  await expect(confirm).toContainText(
    /deletes from this browser the saved session \(2 steps, saved .*\) and 1 kept snapshot file \([\d.]+ MB\)\. It cannot be undone\./,
  );
  await lab.shot('persist-clear-confirm');
  await confirm.getByRole('button', { name: 'Keep saved data' }).click();
  await expect(page.getByRole('button', { name: 'Saved data (1)' })).toBeVisible();

  await page.getByRole('button', { name: 'Clear saved data…' }).click();
  await confirm.getByRole('button', { name: 'Delete saved data' }).click();
  await expect(
    page.getByText(/^Saved data cleared: the saved session and every saved file are gone/),
  ).toBeVisible();
  await expect(page.getByRole('button', { name: 'Saved data (0)' })).toBeVisible();
  // the lab open now is untouched, and nothing is offered on the next visit
  expect((await fleet(lab)).snapshots).toHaveLength(1);
  await page.goto('/');
  await lab.idle();
  await expect(page.getByRole('button', { name: 'Saved data (0)' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Reopen saved session' })).toHaveCount(0);
});

test('a full quota (QuotaExceededError) is shown to the person, for the session and for a file', async ({
  lab,
  page,
}) => {
  await page.addInitScript(() => {
    const full = () => {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    };
    IDBObjectStore.prototype.put = full;
    IDBObjectStore.prototype.add = full;
  });
  await page.reload();
  await lab.idle();
  await lab.boot();
  const alert = page.getByRole('alert');
  await expect(alert).toContainText(
    "Not saved: the browser refused to store the lab session because this site's storage quota is used up (QuotaExceededError).",
  );
  await expect(page.getByTestId('autosave-status')).toHaveText('Autosave failed');
  await lab.snapshot();
  await page.getByRole('button', { name: /^Saved data/ }).click();
  await page.getByRole('button', { name: 'Keep snap #0 in browser' }).click();
  await expect(alert).toContainText(
    "Not saved: the browser refused to store the snapshot file uniqueness-lab-snap-0.ulsnap because this site's storage quota is used up (QuotaExceededError).",
  );
  await expect(page.getByRole('button', { name: 'Saved data (0)' })).toBeVisible();
  await lab.shot('persist-quota');
});

test('too little room by the storage estimate is said before anything is written', async ({ lab, page }) => {
  await page.addInitScript(() => {
    StorageManager.prototype.estimate = async () => ({ usage: 48_000_000, quota: 50_000_000 });
  });
  await page.reload();
  await lab.idle();
  await lab.boot();
  await lab.snapshot();
  await autosaved(page, 2); // the session is small: it fits
  await page.getByRole('button', { name: /^Saved data/ }).click();
  await page.getByRole('button', { name: 'Keep snap #0 in browser' }).click();
  await expect(page.getByRole('alert')).toContainText(
    /^Not saved: the snapshot file uniqueness-lab-snap-0\.ulsnap needs [\d.]+ MB but the browser has only 2\.0 MB left for this site \(48\.0 MB of 50\.0 MB used\)\./,
  );
  await expect(page.getByRole('button', { name: 'Saved data (0)' })).toBeVisible();
});
