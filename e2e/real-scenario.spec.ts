// The guided scenario "A real kernel, beside the model": the model's run, then the Real kernel
// region driven by the step (real clones restored and read every few seconds) with the model's
// predicted divergence beside the measured one and their difference; then the agent reseed. And
// the same scenario on a server without the real kernel's assets: the step says so, and the
// model's prediction stands alone.

import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';

const TITLE = 'A real kernel, beside the model';

async function startScenario(page: Page): Promise<void> {
  await page.getByLabel('Guided scenario').selectOption({ label: TITLE });
  await page.getByRole('button', { name: 'Start', exact: true }).click();
  await atStep(page, 1);
}

async function atStep(page: Page, k: number): Promise<void> {
  await expect(page.getByText(`step ${k}/3`)).toBeVisible();
  await expect(page.getByRole('status').first()).toHaveText('Ready', { timeout: 60_000 });
  await expect(page.getByRole('list', { name: 'Claims of this step' })).toContainText('holds');
}

async function next(page: Page, k: number): Promise<void> {
  await page
    .getByRole('region', { name: `Scenario: ${TITLE}` })
    .getByRole('button', { name: /^Next/ })
    .click();
  await atStep(page, k);
}

test.describe('the scenario "A real kernel"', () => {
  test.setTimeout(240_000);

  test("the model's divergence beside the real clones' measured one, the difference, then the agent reseed", async ({
    lab,
    page,
  }) => {
    // walked as a talk: presenter mode, where the step's region takes the main column
    await page.getByRole('button', { name: 'Present', exact: true }).click();
    await startScenario(page);
    await next(page, 2);
    const region = page.getByRole('region', { name: 'Real kernel', exact: true });
    await expect(region).toBeInViewport();
    await expect(page.getByRole('region', { name: /^Outputs/ })).toBeHidden();
    const model = region.getByTestId('model-divergence');
    await expect(model).toHaveText(/^\d+ s$/, { timeout: 30_000 });
    const modelS = Number((await model.textContent())!.replace(' s', ''));
    // the saved state is about a minute old: the model's clones repeat for about as long again
    expect(modelS).toBeGreaterThanOrEqual(20);
    // the step restored the clones and reads them: every clone prints the same bytes at first
    await expect(page.getByTestId('real-distinct-count')).toHaveText('1', { timeout: 120_000 });
    await expect(region.getByTestId('real-divergence')).toHaveText('–');
    await expect(region.getByRole('checkbox', { name: 'Auto-read' })).toBeChecked();
    await expect(region).toContainText('Why they can differ.');
    await lab.shot('real-scenario-waiting');
    // the kernel reseeds itself near the model's prediction: the measured divergence and the
    // difference appear as numbers
    const real = region.getByTestId('real-divergence');
    await expect(real).toHaveText(/^\d+\.\d s$/, { timeout: modelS * 1000 + 60_000 });
    await expect(page.getByTestId('real-distinct-count')).toHaveText('3');
    const diff = region.getByTestId('divergence-difference');
    await expect(diff).toHaveText(/^[−+]?\d+\.\d s$/);
    const realS = Number((await real.textContent())!.replace(' s', ''));
    const shown = (await diff.textContent())!.replace('−', '-').replace(' s', '');
    expect(Number(shown)).toBeCloseTo(realS - modelS, 1);
    await lab.shot('real-scenario-diverged');

    await next(page, 3);
    // the agent reseed is marked on the timeline of distinct values
    await expect(region.getByRole('img', { name: /agent reseed at \d+\.\d s/ })).toBeVisible({
      timeout: 60_000,
    });
    await expect(page.getByTestId('real-distinct-count')).toHaveText('3', { timeout: 60_000 });
    await lab.shot('real-scenario-agent');
  });

  test("without the real kernel's assets, the step says so and the model's prediction stands alone", async ({
    lab,
    page,
  }) => {
    await page.context().route('**/real/**', (r) => r.fulfill({ status: 404, body: 'not here' }));
    await page.getByRole('button', { name: 'Present', exact: true }).click();
    await startScenario(page);
    await next(page, 2);
    const region = page.getByRole('region', { name: 'Real kernel', exact: true });
    await expect(region.getByRole('alert')).toHaveText(
      "This step runs the real kernel beside the model, but its assets are not on this server: the model's prediction is shown alone.",
    );
    await expect(region).toContainText('npm run guest:real');
    await expect(region.getByTestId('model-divergence')).toHaveText(/^\d+ s$/, { timeout: 30_000 });
    await expect(region.getByTestId('real-divergence')).toHaveText('n/a');
    await expect(region).toContainText('what npm run guest:real saves');
    await lab.shot('real-scenario-no-assets');
    // the next step degrades the same way, and the model's part still runs and holds
    await next(page, 3);
    await expect(region.getByRole('alert')).toContainText('its assets are not on this server');
    await expect(page.getByTestId('real-distinct-count')).toHaveText('–');
  });
});
