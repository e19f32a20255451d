// Screenshots of each main view, for people to look at (e2e/screenshots/, not committed), and a
// few goldens of the most stable panels: canvases with no text, so fonts cannot make them flaky.

import { expect, test } from './fixtures';

test.describe('at 1280 x 720 (a projector)', () => {
  test.use({ viewport: { width: 1280, height: 720 } });

  test('the essentials are on screen after the journey, in both themes and in large type', async ({
    lab,
    page,
  }) => {
    await lab.journey(4, 16);
    const essentials = [
      lab.button('Boot'),
      lab.button('Snapshot'),
      lab.button('Restore'),
      lab.button('Draw'),
      lab.button('Reset'),
      lab.duplicates,
      lab.map('A'),
      lab.map('B'),
      page.getByRole('region', { name: /Lineage/ }),
      page.getByRole('region', { name: /Devices/ }),
      page.getByRole('region', { name: /Race window/ }),
    ];
    for (const e of essentials) await expect(e).toBeInViewport();
    await lab.shot('view-1280-dark');

    await lab.theme('Light');
    for (const e of essentials) await expect(e).toBeInViewport();
    await lab.shot('view-1280-light');

    await lab.largeType(true);
    for (const e of [lab.button('Draw'), lab.duplicates, lab.map('A')]) await expect(e).toBeInViewport();
    await lab.shot('view-1280-large-light');
    await lab.theme('Dark');
    await lab.shot('view-1280-large-dark');
  });

  test('panels one by one', async ({ lab, page }) => {
    await lab.journey(8, 16);
    for (const [name, region] of [
      ['panel-lineage', /Lineage/],
      ['panel-memory', /Memory/],
      ['panel-outputs', /Outputs/],
      ['panel-devices', /Devices/],
      ['panel-metrics', /Metrics/],
      ['panel-timeline', /Race window/],
    ] as const)
      await page.getByRole('region', { name: region }).screenshot({ path: `e2e/screenshots/${name}.png` });
  });
});

test.describe('at 1920 x 1080', () => {
  test.use({ viewport: { width: 1920, height: 1080 } });

  test('the whole lab with 16 clones and δ = 50 µs under Linux 6.11', async ({ lab, page }) => {
    await page.getByLabel('Guest').selectOption('linux-6.11-vmgenid');
    await lab.journey(16, 32);
    await lab.shot('view-1920-linux-6.11');
  });
});

test.describe('goldens', () => {
  // tall enough that every panel shows its canvas whole (the Real kernel region included)
  test.use({ viewport: { width: 1280, height: 1200 } });

  test('memory maps of two fresh clones and after they draw', async ({ lab }) => {
    await lab.boot();
    await lab.snapshot();
    await lab.restore(2);
    await expect(lab.map('A')).toHaveScreenshot('map-a-fresh-clone.png');
    await lab.draw(16);
    await expect(lab.map('A')).toHaveScreenshot('map-a-after-draw.png');
    await expect(lab.map('B')).toHaveScreenshot('map-b-after-draw.png');
  });

  test('the collision heat-map of 32 clones', async ({ lab, page }) => {
    await lab.journey(32, 8);
    await expect(page.getByRole('img', { name: /^Heat-map/ })).toHaveScreenshot('heatmap-32.png');
  });
});
