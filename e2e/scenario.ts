// Helpers the scenario and stage specs share: the tests' own scenario served as the lab's list,
// waiting for a step, and catching a download.

import { readFile } from 'node:fs/promises';
import type { Download, Locator, Page } from '@playwright/test';
import { UI_SCENARIO } from '../tests/ui-scenario';
import { expect } from './fixtures';

/**
 * Serves the tests' own scenario as the lab's scenario list (for this page and every page of its
 * context): the tests check stepping, claims, highlights and links, not the shipped talks.
 */
export async function useTestScenario(page: Page): Promise<void> {
  const index = [
    {
      id: UI_SCENARIO.id,
      file: 'ui-test.json',
      title: UI_SCENARIO.title,
      description: UI_SCENARIO.description,
    },
  ];
  await page.context().route('**/guest/scenarios/index.json', (r) => r.fulfill({ json: index }));
  await page.context().route('**/guest/scenarios/ui-test.json', (r) => r.fulfill({ json: UI_SCENARIO }));
  await page.reload();
  await expect(page.getByRole('status').first()).toHaveText('Ready');
}

/** Waits until step k (1-based) of n is shown and the lab is idle. */
export async function atStep(page: Page, k: number, n: number): Promise<void> {
  await expect(page.getByText(`step ${k}/${n}`)).toBeVisible();
  await expect(page.getByRole('status').first()).toHaveText('Ready', { timeout: 60_000 });
  await expect(page.getByRole('button', { name: new RegExp(`^Step ${k}:`) })).toHaveAttribute(
    'aria-current',
    'step',
  );
}

/** Clicks `trigger` and returns the file it downloads (a recorded video may take a while). */
export async function downloaded(page: Page, trigger: Locator): Promise<{ name: string; bytes: Buffer }> {
  const [d] = await Promise.all([page.waitForEvent('download', { timeout: 120_000 }), trigger.click()]);
  const path = await (d as Download).path();
  return { name: d.suggestedFilename(), bytes: await readFile(path) };
}
