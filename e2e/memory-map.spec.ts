// The memory map's page details, checked against the core through the read-only test API.

import { expect, test, type LabPage } from './fixtures';

interface PageInfo {
  vm: number;
  page: number;
  role: string;
  frame: number;
  frameRefcount: number;
  mappedBy: number;
  leafSharers: number;
  hex: string;
  dirty: boolean;
  wiped: boolean;
  wipeOnSuspend: boolean;
}

/** The details panel's page and fields, compared with LabApi.pageInfo for the same page. */
async function expectDetailsMatchCore(lab: LabPage, vm: number) {
  const details = lab.page.getByLabel('Page details');
  await expect(details).toBeVisible();
  const head = (await details.locator('[data-field="page"]').textContent())!;
  const m = /vm (\d+) · page ([\d,]+)/.exec(head)!;
  expect(Number(m[1])).toBe(vm);
  const page = Number(m[2]!.replace(/,/g, ''));
  const core = (await lab.page.evaluate(([v, p]) => window.__lab!.pageInfo(v!, p!), [vm, page])) as PageInfo;
  await expect(details.locator('[data-field="role"]')).toHaveText(core.role);
  await expect(details.locator('[data-field="frame"]')).toHaveText(
    core.frame === 0 ? '0 (zero page)' : String(core.frame),
  );
  await expect(details.locator('[data-field="refcount"]')).toHaveText(String(core.frameRefcount));
  await expect(details.locator('[data-field="mappedBy"]')).toHaveText(String(core.mappedBy));
  await expect(details.locator('[data-field="leafSharers"]')).toHaveText(String(core.leafSharers));
  await expect(details.locator('[data-field="hex"]')).toHaveText(core.hex);
  return { page, core };
}

test('hovering the map shows the page the core describes', async ({ lab }) => {
  await lab.boot();
  await lab.snapshot();
  await lab.restore(2);
  const vm = (await lab.api((l) => l.state().selectedVm))!;
  const map = lab.map('A');
  await expect(map).toHaveAccessibleName(`Memory map of vm ${vm}`);
  const box = (await map.boundingBox())!;
  const seen = new Set<number>();
  for (const [fx, fy] of [
    [0.02, 0.05],
    [0.5, 0.5],
    [0.9, 0.9],
  ] as const) {
    await map.hover({ position: { x: box.width * fx, y: box.height * fy } });
    const { page } = await expectDetailsMatchCore(lab, vm);
    seen.add(page);
  }
  expect(seen.size).toBe(3);
  await lab.shot('memory-hover');
});

test('a written page of a clone turns private and dirty, and the details say so', async ({ lab, page }) => {
  await lab.boot();
  await lab.snapshot();
  await lab.restore(2);
  await page.getByLabel('Pages to write').fill('300');
  await lab.button('Touch pages').click();
  await lab.idle();
  const vm = (await lab.api((l) => l.state().selectedVm))!;
  const summary = (await lab.api((l) => l.mapSummary(l.state().selectedVm!))) as {
    counts: { dirty: number };
  };
  expect(summary.counts.dirty).toBeGreaterThanOrEqual(300);
  await expect(
    page
      .getByRole('list', { name: /Legend/ })
      .getByText(`dirty ${summary.counts.dirty.toLocaleString('en-US')}`),
  ).toBeVisible();
  // the keyboard cursor walks pages from the first
  await lab.map('A').focus();
  await page.keyboard.press('Home');
  const { core } = await expectDetailsMatchCore(lab, vm);
  expect(core.page).toBe(0);
  await page.keyboard.press('ArrowRight');
  const next = await expectDetailsMatchCore(lab, vm);
  expect(next.page).toBe(1);
});

test('the maps zoom together and stay in step', async ({ lab, page }) => {
  await lab.boot();
  await lab.snapshot();
  await lab.restore(2);
  await lab.map('A').focus();
  await page.keyboard.press('Home');
  for (let i = 0; i < 3; i++) await page.keyboard.press('+');
  await expect.poll(() => lab.api((l) => l.paints().b?.mapSeq ?? -1)).toBeGreaterThan(0);
  await lab.shot('memory-zoomed');
});
