// The stage: the lab as a speaker, a learner and a researcher meet it, at 1024 x 768 (a small
// laptop), 1280 x 720 (a projector) and 1920 x 1080. At each size: no control off-screen and no
// text cut, in the lab and in presenter mode; the outputs in view after a Draw; every step's
// outlined panel wholly in view; an out-of-range value answered by its limit in words. Then:
// presenter type grows with the screen; menus close on Esc and a click outside; the first-run
// orientation, the glossary and the paper; view preferences kept across reloads; a slide PNG of
// 1920 x 1080 and a scenario as WebM video. Screenshots of each size go to e2e/screenshots/.

import type { Page } from '@playwright/test';
import { UI_SCENARIO } from '../tests/ui-scenario';
import { expect, test } from './fixtures';
import { drawnSize, layoutProblems, visibleWithoutScrolling, wholeInView } from './layout';
import { atStep, downloaded, useTestScenario } from './scenario';

const SIZES = [
  { width: 1024, height: 768 },
  { width: 1280, height: 720 },
  { width: 1920, height: 1080 },
] as const;

/** No finding, or the findings listed in the failure. */
async function noProblems(page: Page, where: string): Promise<void> {
  expect(await layoutProblems(page), where).toEqual([]);
}

async function setPresenting(page: Page, on: boolean): Promise<void> {
  const button = page.getByRole('button', { name: 'Present', exact: true });
  if ((await button.getAttribute('aria-pressed')) !== String(on)) await button.click();
  await expect(button).toHaveAttribute('aria-pressed', String(on));
}

const HIGHLIGHTED: Record<string, string> = {
  outputs: 'section[aria-labelledby="outputs-h"]',
  secrets: 'section[aria-labelledby="memory-h"]',
  timeline: 'section[aria-labelledby="timeline-h"]',
};

for (const size of SIZES) {
  const tag = `${size.width}x${size.height}`;
  test.describe(`at ${tag}`, () => {
    test.use({ viewport: size });

    test('nothing off-screen or cut, the outputs in view after Draw, in the lab and presenting', async ({
      lab,
      page,
    }) => {
      await noProblems(page, 'first screen');
      // disabled looks disabled: no fill and a dashed outline, beside an enabled button's solid one
      const look = (name: string) =>
        lab.button(name).evaluate((b) => {
          const cs = getComputedStyle(b);
          return { bg: cs.backgroundColor, border: cs.borderTopStyle };
        });
      await expect(lab.button('Snapshot')).toBeDisabled();
      expect(await look('Snapshot')).toEqual({ bg: 'rgba(0, 0, 0, 0)', border: 'dashed' });
      expect(await look('Boot')).toMatchObject({ border: 'solid' });
      expect((await look('Boot')).bg).not.toBe('rgba(0, 0, 0, 0)');
      await lab.journey(4, 16);
      await noProblems(page, 'after the journey');
      // the key data: the outputs panel whole, the duplicates count and the metrics on screen
      expect(await wholeInView(page, HIGHLIGHTED.outputs!), 'outputs in view').toBe(true);
      await expect(lab.duplicates).toBeInViewport();
      await expect(page.getByRole('region', { name: /^Metrics/ })).toBeInViewport();
      await lab.shot(`stage-${tag}-lab`);

      await page.getByRole('button', { name: 'View', exact: true }).click();
      await noProblems(page, 'View menu open');
      await page.keyboard.press('Escape');
      await page.getByRole('button', { name: 'Export', exact: true }).click();
      await noProblems(page, 'Export menu open');
      await page.keyboard.press('Escape');

      await lab.largeType(true);
      await noProblems(page, 'large type');
      await lab.shot(`stage-${tag}-large`);
      await lab.largeType(false);

      await setPresenting(page, true);
      await noProblems(page, 'presenting');
      expect(await wholeInView(page, HIGHLIGHTED.outputs!), 'outputs in view, presenting').toBe(true);
      // the race window's caption says where the window closes: read whole, not scrolled to
      expect(await visibleWithoutScrolling(page, '#timeline-desc'), 'race-window caption, presenting').toBe(
        true,
      );
      await expect(page.getByRole('region', { name: 'Experiment' })).toBeHidden();
      await lab.shot(`stage-${tag}-present`);
      await setPresenting(page, false);

      // the matrix: every verdict whole (it scrolls sideways rather than cut a word)
      await lab.button('Matrix').click();
      await expect(page.getByRole('table', { name: 'Mitigation matrix' })).toBeVisible({ timeout: 60_000 });
      await lab.idle();
      await noProblems(page, 'the matrix');
      await lab.shot(`stage-${tag}-matrix`);
    });

    test("every step's panel wholly in view, in the lab and presenting", async ({ lab, page }) => {
      await useTestScenario(page);
      await page.getByLabel('Guided scenario').selectOption({ label: UI_SCENARIO.title });
      await page.getByRole('button', { name: 'Start', exact: true }).click();
      const n = UI_SCENARIO.steps.length;
      for (let k = 1; k <= n; k++) {
        await atStep(page, k, n);
        const panel = HIGHLIGHTED[UI_SCENARIO.steps[k - 1]!.highlight!]!;
        await expect(page.locator(panel)).toHaveCSS('outline-style', 'solid');
        for (const presenting of [false, true]) {
          await setPresenting(page, presenting);
          const where = `step ${k}${presenting ? ', presenting' : ''}`;
          await expect.poll(() => wholeInView(page, panel), `${where}: the step's panel in view`).toBe(true);
          await noProblems(page, where);
          await lab.shot(`stage-${tag}-step${k}${presenting ? '-present' : ''}`);
        }
        await setPresenting(page, false);
        if (k < n) await page.keyboard.press('ArrowRight');
      }
    });

    test('an out-of-range value stays as typed, with its limit in words beside it, and nothing runs', async ({
      lab,
      page,
    }) => {
      const clones = page.getByLabel('Clones', { exact: true });
      await clones.fill('20000');
      await expect(clones).toHaveValue('20000');
      const limit = page.getByText('must be 1 to 10,000', { exact: true });
      await expect(limit).toBeVisible();
      // beside the field: in the same control, and on screen (the settings scroll to it)
      await limit.scrollIntoViewIfNeeded();
      await expect(limit).toBeInViewport();
      const gap = await limit.evaluate((el) => {
        const f = el.parentElement!.querySelector('input')!.getBoundingClientRect();
        const l = el.getBoundingClientRect();
        return l.top - f.bottom;
      });
      expect(gap).toBeLessThan(24);
      await expect(page.getByRole('alert').filter({ hasText: 'Nothing runs until' })).toContainText(
        'Clones must be a whole number from 1 to 10,000 (not 20000)',
      );
      await expect(lab.button('Boot')).toBeDisabled();
      await noProblems(page, 'a value out of its limit');
      await lab.shot(`stage-${tag}-limit`);
      await clones.fill('4');
      await expect(lab.button('Boot')).toBeEnabled();
    });
  });
}

test.describe('presenter mode', () => {
  test('its type grows with the screen: outputs, narration and the race window', async ({ lab, page }) => {
    await useTestScenario(page);
    await page.getByLabel('Guided scenario').selectOption({ label: UI_SCENARIO.title });
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await atStep(page, 1, UI_SCENARIO.steps.length);
    for (let k = 2; k <= 4; k++) {
      await page.keyboard.press('ArrowRight');
      await atStep(page, k, UI_SCENARIO.steps.length);
    }
    await setPresenting(page, true);
    const sizes: Record<string, number[]> = { cell: [], narration: [], timeline: [] };
    for (const vp of [SIZES[1], SIZES[2]]) {
      await page.setViewportSize(vp);
      await expect(page.locator('.narration')).toBeVisible();
      sizes.cell!.push(await drawnSize(page, '.outputs td.out-cell'));
      sizes.narration!.push(await drawnSize(page, '.narration'));
      sizes.timeline!.push(await drawnSize(page, 'section[aria-labelledby="timeline-h"] svg text'));
    }
    for (const [what, [small, big]] of Object.entries(sizes)) {
      expect(small, what).toBeGreaterThan(0);
      // 1920 / 1280 = 1.5: the type follows the screen, not a fixed pixel size
      expect(big! / small!, `${what}: ${small} px at 1280, ${big} px at 1920`).toBeGreaterThan(1.35);
    }
    expect(sizes.cell![1]).toBeGreaterThanOrEqual(24);
    // presenter mode survives a reload (the tab remembers it)
    await page.reload();
    await expect(page.getByRole('button', { name: 'Present', exact: true })).toHaveAttribute(
      'aria-pressed',
      'true',
    );
    await lab.idle();
  });
});

test.describe('menus and popovers', () => {
  test('Export, View and the link box close on Esc and on a click outside; one at a time', async ({
    lab,
    page,
  }) => {
    await lab.boot();
    const exportMenu = page.getByRole('group', { name: 'Export files' });
    const viewMenu = page.getByRole('group', { name: 'View options' });
    const linkBox = page.getByRole('dialog', { name: 'Link to this lab' });
    const open = {
      export: () => page.getByRole('button', { name: 'Export', exact: true }).click(),
      view: () => page.getByRole('button', { name: 'View', exact: true }).click(),
      link: () => lab.button('Copy link').click(),
    };
    for (const [name, menu] of [
      ['export', exportMenu],
      ['view', viewMenu],
      ['link', linkBox],
    ] as const) {
      await open[name]();
      await expect(menu, `${name} opens`).toBeVisible();
      await page.keyboard.press('Escape');
      await expect(menu, `${name} closes on Esc`).toBeHidden();
      await open[name]();
      await expect(menu).toBeVisible();
      await page.getByRole('region', { name: /^Lineage/ }).click({ position: { x: 5, y: 5 } });
      await expect(menu, `${name} closes on a click outside`).toBeHidden();
    }
    // the link box never blocks the Export menu: opening one closes the other
    await open.link();
    await expect(linkBox).toBeVisible();
    await open.export();
    await expect(exportMenu).toBeVisible();
    await expect(linkBox).toBeHidden();
    // Esc closes the menu, not the lab's scenario or presenter mode
    await setPresenting(page, true);
    await open.view();
    await page.keyboard.press('Escape');
    await expect(viewMenu).toBeHidden();
    await expect(page.getByRole('button', { name: 'Present', exact: true })).toHaveAttribute(
      'aria-pressed',
      'true',
    );
  });
});

test.describe('orientation and glossary', () => {
  test('a first visit says what the lab shows and where to start; "?" brings it back', async ({ page }) => {
    await page.setViewportSize(SIZES[1]);
    await page.goto('/');
    const intro = page.getByRole('dialog', { name: 'What this lab shows' });
    await expect(intro).toBeVisible();
    await expect(intro.getByRole('button', { name: 'Watch it step by step' })).toBeVisible();
    await expect(intro.getByRole('link', { name: 'arXiv:2102.12892' })).toHaveAttribute(
      'href',
      'https://arxiv.org/abs/2102.12892',
    );
    await expect(intro).toContainText('Restoring Uniqueness in MicroVM Snapshots');
    await page.screenshot({ path: 'e2e/screenshots/stage-orientation.png' });
    // the controls it points at stay in reach beside it
    await expect(page.getByRole('button', { name: 'Boot', exact: true })).toBeInViewport();
    // a term opens the glossary at its entry
    await intro.getByRole('link', { name: 'VMGenID' }).click();
    const glossary = page.getByRole('dialog', { name: 'Glossary' });
    await expect(glossary).toBeVisible();
    await expect(glossary.locator('#glossary-vmgenid')).toBeInViewport();
    await expect(glossary.locator('#glossary-vmgenid')).toContainText('Generation ID');
    await page.screenshot({ path: 'e2e/screenshots/stage-glossary.png' });
    await page.keyboard.press('Escape');
    await expect(glossary).toBeHidden();
    // dismissed, it stays dismissed
    await page.keyboard.press('?');
    await expect(intro).toBeVisible();
    await intro.getByRole('button', { name: 'Got it' }).click();
    await expect(intro).toBeHidden();
    await page.reload();
    await expect(page.getByRole('status').first()).toHaveText('Ready');
    await expect(intro).toBeHidden();
    await page.getByRole('button', { name: 'What this lab shows' }).click();
    await expect(intro).toBeVisible();
    // starting the scenario from it closes it
    await intro.getByRole('button', { name: 'Watch it step by step' }).click();
    await expect(intro).toBeHidden();
    await expect(page.getByText(/^step 1\//)).toBeVisible({ timeout: 60_000 });
  });

  test('the words the panels use link to the glossary: gen, pairs, first unique draw, leaf sharers', async ({
    lab,
    page,
  }) => {
    await lab.journey(4, 8);
    const glossary = page.getByRole('dialog', { name: 'Glossary' });
    for (const [word, key] of [
      ['gen', 'generation'],
      ['pairs sharing values', 'pairs'],
      ['first unique draw', 'first-unique'],
    ] as const) {
      await page.getByRole('link', { name: word, exact: true }).first().click();
      await expect(glossary.locator(`#glossary-${key}`)).toBeInViewport();
      await page.keyboard.press('Escape');
    }
    // a setting's help shows in words while it has focus, with its glossary link
    await page.getByLabel('VMGenID', { exact: true }).focus();
    await expect(page.getByText("the guest kernel's vmgenid driver", { exact: false })).toBeVisible();
    // the library select says what the chosen library is
    await page.getByLabel('Library').selectOption('boringssl');
    await expect(page.locator('#library-note')).toContainText('BoringSSL');
  });
});

test.describe('view preferences', () => {
  test('theme and Large type survive a reload; with no choice the system theme is followed', async ({
    lab,
    page,
  }) => {
    await page.emulateMedia({ colorScheme: 'light' });
    await page.reload();
    await expect(page.locator('html')).toHaveClass(/\blight\b/);
    await page.emulateMedia({ colorScheme: 'dark' });
    await expect(page.locator('html')).not.toHaveClass(/\blight\b/);
    await lab.theme('Light');
    await lab.largeType(true);
    await page.reload();
    await expect(page.getByRole('status').first()).toHaveText('Ready');
    await expect(page.locator('html')).toHaveClass(/\blight\b/);
    await expect(page.locator('html')).toHaveClass(/\blarge\b/);
  });
});

test.describe('slides and video', () => {
  test('a step exports as a 1920 x 1080 PNG, and the scenario records as WebM video', async ({
    lab: _lab,
    page,
  }) => {
    test.setTimeout(180_000);
    await page.setViewportSize(SIZES[1]);
    await useTestScenario(page);
    await page.getByLabel('Guided scenario').selectOption({ label: UI_SCENARIO.title });
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await atStep(page, 1, UI_SCENARIO.steps.length);
    const menu = page.getByRole('button', { name: 'Export', exact: true });
    const item = (name: string) =>
      page.getByRole('group', { name: 'Export files' }).getByRole('button', { name });

    await menu.click();
    const png = await downloaded(page, item('Slide · PNG 1920×1080'));
    expect(png.name).toMatch(new RegExp(`^slide-${UI_SCENARIO.id}-step1-default-seed\\d+\\.png$`));
    expect([...png.bytes.subarray(1, 4)].map((c) => String.fromCharCode(c)).join('')).toBe('PNG');
    // IHDR: width and height, big-endian, at bytes 16 and 20
    expect([png.bytes.readUInt32BE(16), png.bytes.readUInt32BE(20)]).toEqual([1920, 1080]);
    // presenter mode is back as it was
    await expect(page.getByRole('button', { name: 'Present', exact: true })).toHaveAttribute(
      'aria-pressed',
      'false',
    );

    await menu.click();
    await page.getByLabel('Seconds per step').fill('1');
    const video = await downloaded(page, item('Scenario · video (WebM)'));
    expect(video.name).toMatch(new RegExp(`^scenario-${UI_SCENARIO.id}-default-seed\\d+\\.webm$`));
    // EBML magic, a WebM document, and frames in it
    expect([...video.bytes.subarray(0, 4)]).toEqual([0x1a, 0x45, 0xdf, 0xa3]);
    expect(video.bytes.includes(Buffer.from('webm'))).toBe(true);
    expect(video.bytes.length).toBeGreaterThan(20_000);
    // the recording walked every step
    await atStep(page, UI_SCENARIO.steps.length, UI_SCENARIO.steps.length);
  });

  test('memory maps, the race window and the heat-map export at a slide resolution', async ({
    lab,
    page,
  }) => {
    await lab.journey(2, 4);
    for (const name of ['Memory map A · PNG', 'Timeline · PNG', 'Heat-map · PNG']) {
      await page.getByRole('button', { name: 'Export', exact: true }).click();
      const f = await downloaded(
        page,
        page.getByRole('group', { name: 'Export files' }).getByRole('button', { name }),
      );
      // IHDR width: 1,600 px across or more, whatever the panel's size on screen
      expect(f.bytes.readUInt32BE(16), name).toBeGreaterThanOrEqual(1600);
    }
  });
});

test.describe('embedded in a slide deck', () => {
  test('?embed shows the step’s panels only, and the arrow keys still step', async ({ lab, page }) => {
    await page.setViewportSize(SIZES[1]);
    await useTestScenario(page);
    await page.getByLabel('Guided scenario').selectOption({ label: UI_SCENARIO.title });
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await atStep(page, 1, UI_SCENARIO.steps.length);
    await lab.button('Copy link').click();
    const snippet = await page.getByLabel(/In a slide deck/).inputValue();
    const src = /src="([^"]+)"/.exec(snippet)![1]!;
    expect(new URL(src).searchParams.get('embed')).toBe('1');
    const p2 = await page.context().newPage();
    await p2.setViewportSize({ width: 960, height: 540 });
    await p2.goto(src);
    const outputs = p2.getByRole('region', { name: /^Outputs/ });
    await expect(outputs).toBeVisible({ timeout: 60_000 });
    await expect(p2.getByRole('tab', { name: /^naive / })).toHaveText(/: [1-9]\d* dup$/, { timeout: 60_000 });
    for (const chrome of [
      p2.locator('.topbar'),
      p2.getByRole('region', { name: /^Scenario/ }),
      p2.getByRole('region', { name: 'Experiment' }),
    ])
      await expect(chrome).toBeHidden();
    expect(await wholeInView(p2, HIGHLIGHTED.outputs!)).toBe(true);
    await noProblems(p2, 'embedded');
    await p2.screenshot({ path: 'e2e/screenshots/stage-embed.png' });
    await p2.keyboard.press('ArrowRight');
    await expect(p2.locator('.app')).toHaveAttribute('data-highlight', 'secrets', { timeout: 60_000 });
    await p2.close();
  });
});
