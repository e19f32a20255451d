// Snapshot files in the browser: a download opened again restores clones that draw what the
// original's drew; every class of damaged file is refused with the decoder's one message and an
// untouched lab; a dropped file opens like a chosen one; names from files stay text; the secret
// scanner shows MADV_WIPEONSUSPEND keeping the flagged secret out of the file.

import { mkdtempSync, openSync, closeSync, ftruncateSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from './fixtures';
import { badFiles, downloadSnap, dropFile, fleet, openFile } from './snapfiles';

test('a downloaded snap opened after a reload restores clones that draw the same outputs', async ({
  lab,
  page,
}) => {
  await lab.journey(4, 16);
  const before = await lab.api((l) => l.lastDraw(4));
  const dups = await lab.duplicateCount();
  expect(dups).toBeGreaterThan(0);

  const file = await downloadSnap(page);
  expect(file.name).toBe('uniqueness-lab-snap-0.ulsnap');
  expect(Array.from(file.bytes.subarray(0, 8))).toEqual([0x89, 0x55, 0x4c, 0x53, 0x4e, 0x50, 0x0d, 0x0a]);
  await expect(
    page.getByText(/^Downloaded uniqueness-lab-snap-0\.ulsnap: [\d.]+ MB, 1 layer, CRC-64 [0-9a-f]{16}\./),
  ).toBeVisible();

  // a fresh visit (no link in the address): a fresh worker, whose core hands out the same ids
  await page.goto('/');
  await lab.idle();
  await openFile(page, file.name, file.bytes);
  await lab.idle();
  await expect(
    page.getByText(/^Opened uniqueness-lab-snap-0\.ulsnap: snap #0, guest "default"/),
  ).toBeVisible();
  const lineage = page.getByRole('region', { name: /^Lineage/ });
  await expect(
    lineage.getByRole('button', { name: 'snap #0, full, from a file, clone source' }),
  ).toBeVisible();
  await lab.restore(4);
  await lab.draw(16);
  await expect(lab.duplicates).toHaveText(String(dups));
  expect(await lab.api((l) => l.lastDraw(4))).toEqual(before);
  await lab.shot('files-round-trip');
});

test('every class of damaged file is refused with one message naming the problem, and the lab stays as it was', async ({
  lab,
  page,
}) => {
  await lab.boot();
  await lab.snapshot();
  await lab.restore(2);
  const good = await downloadSnap(page);
  const lineage = page.getByRole('region', { name: /^Lineage/ });
  const fleetBefore = await fleet(lab);
  const treeBefore = await lineage.locator('.lineage').innerText();

  for (const bad of badFiles(good.bytes)) {
    await test.step(bad.what, async () => {
      const name = `bad-${bad.what.replace(/ /g, '-')}.ulsnap`;
      await openFile(page, name, bad.bytes);
      await lab.idle();
      const alert = page.getByRole('alert');
      await expect(alert).toHaveCount(1);
      await expect(alert).toContainText(`Opening ${name} refused: `);
      await expect(alert).toContainText(bad.message);
      expect(await fleet(lab)).toEqual(fleetBefore);
      expect(await lineage.locator('.lineage').innerText()).toBe(treeBefore);
    });
  }
  await lab.shot('files-refused');
  // the lab works on: the good file still opens
  await openFile(page, good.name, good.bytes);
  await expect(page.getByText(/^Opened uniqueness-lab-snap-0\.ulsnap: snap #1,/)).toBeVisible();
  expect((await fleet(lab)).snapshots).toHaveLength(2);
});

test('a 1.5 GB file that is not a snapshot file is refused after its first bytes, in seconds, and nothing changes', async ({
  lab,
  page,
}) => {
  await lab.boot();
  await lab.snapshot();
  const fleetBefore = await fleet(lab);
  // a sparse file: 1.5 GB long, no disk used; the page may read only its head
  const dir = mkdtempSync(join(tmpdir(), 'ulab-big-'));
  const path = join(dir, 'zeros.ulsnap');
  const fd = openSync(path, 'w');
  ftruncateSync(fd, 1_500_000_000);
  closeSync(fd);
  try {
    const [chooser] = await Promise.all([
      page.waitForEvent('filechooser'),
      page.getByRole('button', { name: 'Open .ulsnap file…' }).click(),
    ]);
    const t0 = Date.now();
    await chooser.setFiles(path);
    const alert = page.getByRole('alert');
    await expect(alert).toContainText(
      'Opening zeros.ulsnap refused: not a uniqueness-lab snapshot file: it starts with 00 00 00 00',
    );
    // generous for a shared machine: reading the whole file would take far longer and 1.5 GB
    expect(Date.now() - t0).toBeLessThan(5_000);
    const heap = await page.evaluate(
      () => (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? 0,
    );
    expect(heap).toBeLessThan(400 * 2 ** 20);
    expect(await fleet(lab)).toEqual(fleetBefore);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a file dropped on the lineage opens, and its name is shown as text, never as markup', async ({
  lab,
  page,
}) => {
  await lab.boot();
  await lab.snapshot();
  const good = await downloadSnap(page);
  await lab.button('Reset').click();
  await lab.idle();
  const name = '<img src=x onerror="document.title=1">snap.ulsnap';
  await dropFile(page, name, good.bytes);
  await lab.idle();
  // Reset began a new session: its ids start at 0 again
  await expect(page.getByText(`Opened ${name}: snap #0, guest "default"`, { exact: false })).toBeVisible();
  expect(await page.locator('img').count()).toBe(0);
  expect(await page.title()).toBe('Uniqueness Lab');
  expect((await fleet(lab)).snapshots.map((s) => s.id)).toEqual([0]);
  // a damaged drop names the problem with the same text rule
  await dropFile(page, name, good.bytes.slice(0, 100));
  await lab.idle();
  await expect(page.getByRole('alert')).toContainText(`Opening ${name} refused: snapshot file is truncated`);
  expect(await page.locator('img').count()).toBe(0);
});

test('the secret scanner finds both secrets in the file, and MADV_WIPEONSUSPEND keeps the flagged one out', async ({
  lab,
  page,
}) => {
  await lab.boot();
  await lab.snapshot();
  await page.getByRole('button', { name: 'Secrets in file' }).click();
  const region = page.getByRole('region', { name: 'Secrets in the file' });
  const row = (name: string) => region.getByRole('row', { name: new RegExp(`^${name}`) });
  await expect(region).toContainText('This kernel lacks MADV_WIPEONSUSPEND support');
  // the kernel answered the program's madvise with EINVAL: the page carries no flag
  await expect(row('tls-session-key')).toContainText(/^tls-session-keynone/);
  await expect(row('tls-session-key')).toContainText(/● present ×1.*0x[0-9a-f]+: layer 0, page \d+ \+ 0/);
  await expect(row('db-password')).toContainText(/● present ×1/);

  await page.getByLabel('MADV_WIPEONSUSPEND', { exact: true }).check();
  await lab.boot();
  await lab.snapshot();
  await expect(region).toContainText(
    /The kernel supports MADV_WIPEONSUSPEND: it zeroed \d+ flagged pages? at suspend/,
  );
  await expect(row('tls-session-key')).toContainText('✕ absent: wiped at suspend');
  await expect(row('db-password')).toContainText(/● present ×1/);
  await page.setViewportSize({ width: 1280, height: 720 });
  await lab.shot('files-secrets');
});
