// The whole journey without a pointer: every control is reachable with Tab, shows a visible
// focus ring, and works with Enter, Space, typing and the arrow keys.

import type { Locator, Page } from '@playwright/test';
import { expect, test } from './fixtures';

/** Presses Tab until `target` has focus (it must be reachable in tab order). */
async function tabTo(page: Page, target: Locator, max = 120): Promise<void> {
  for (let i = 0; i < max; i++) {
    if (await target.evaluate((el) => el === document.activeElement)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`not reachable with Tab: ${target.toString()}`);
}

/** The focused element draws a focus ring at least 2 px wide. */
async function expectFocusRing(target: Locator): Promise<void> {
  await expect(target).toBeFocused();
  const ring = await target.evaluate((el) => {
    const s = getComputedStyle(el);
    return { style: s.outlineStyle, width: parseFloat(s.outlineWidth) };
  });
  expect(ring.style).not.toBe('none');
  expect(ring.width).toBeGreaterThanOrEqual(2);
}

async function press(page: Page, target: Locator, key = 'Enter'): Promise<void> {
  await tabTo(page, target);
  await expectFocusRing(target);
  await page.keyboard.press(key);
}

async function typeInto(page: Page, target: Locator, text: string): Promise<void> {
  await tabTo(page, target);
  await expectFocusRing(target);
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.type(text);
}

test('a keyboard-only run of the journey', async ({ lab, page }) => {
  await page.locator('body').focus();
  await press(page, lab.button('Boot'));
  await lab.idle();
  await press(page, lab.button('Snapshot'));
  await lab.idle();
  await typeInto(page, page.getByLabel('Clones', { exact: true }), '4');
  await press(page, lab.button('Restore'));
  await lab.idle();
  await typeInto(page, page.getByLabel('Draws', { exact: true }), '16');
  await press(page, lab.button('Draw'));
  await lab.idle();
  expect(await lab.duplicateCount()).toBeGreaterThan(0);

  // lineage nodes are buttons: Enter shows a clone as map A
  const vm3 = page.getByRole('button', { name: /^vm 3,/ });
  await press(page, vm3);
  await expect(lab.map('A')).toHaveAccessibleName('Memory map of vm 3');

  // the map takes the arrow keys
  await tabTo(page, lab.map('A'));
  await expectFocusRing(lab.map('A'));
  await page.keyboard.press('Home');
  await page.keyboard.press('ArrowDown');
  await expect(page.getByLabel('Page details')).toContainText('vm 3 · page');

  // the mitigation, by keyboard: check VMGenID, pick vdso, δ = 0, and go again
  await press(page, page.getByLabel('VMGenID', { exact: true }), 'Space');
  await expect(page.getByLabel('VMGenID', { exact: true })).toBeChecked();
  await tabTo(page, page.getByLabel('Library', { exact: true }));
  await page.keyboard.type('vdso');
  await expect(page.getByLabel('Library', { exact: true })).toHaveValue('vdso');
  await typeInto(page, page.getByLabel('Notify delay (µs)', { exact: true }), '0');
  for (const name of ['Boot', 'Snapshot', 'Restore', 'Draw']) {
    await press(page, lab.button(name));
    await lab.idle();
  }
  await expect(lab.duplicates).toHaveText('0');
  await lab.shot('keyboard-journey');
});
