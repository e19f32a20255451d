// Compare and present: a guided scenario stepped by keyboard with each step's claim on screen, a
// permalink that rebuilds the same outputs in a new page, a broken link named in an alert over a
// usable default lab, the mitigation matrix against DESIGN.md's truth table, every export a valid
// file, and the presenter view (e2e/screenshots/) and the matrix (docs/, for the README) at 1280x720.

import type { Locator, Page } from '@playwright/test';
import { csvField } from '../src/core/export/csv';
import { VERDICT_WORDS, type Verdict } from '../src/core/settings/words';
import { UI_SCENARIO } from '../tests/ui-scenario';
import { expect, LabPage, test } from './fixtures';
import { atStep, downloaded, useTestScenario } from './scenario';

/** True if the text parses as an SVG document in the page (no parsererror). */
function parsesAsSvg(page: Page, text: string): Promise<boolean> {
  return page.evaluate((t) => {
    const doc = new DOMParser().parseFromString(t, 'image/svg+xml');
    return doc.getElementsByTagName('parsererror').length === 0 && doc.documentElement.nodeName === 'svg';
  }, text);
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** The claims list of the shown step. */
const claims = (page: Page) => page.getByRole('list', { name: 'Claims of this step' });

async function startScenario(page: Page, title: string): Promise<void> {
  await page.getByLabel('Guided scenario').selectOption({ label: title });
  await page.getByRole('button', { name: 'Start', exact: true }).click();
}

test.describe('guided scenarios', () => {
  test("a scenario stepped by keyboard shows each claim at its step, and the step's panel outlined", async ({
    lab,
    page,
  }) => {
    await useTestScenario(page);
    await startScenario(page, UI_SCENARIO.title);
    await atStep(page, 1, 4);
    const naive = page.getByRole('tab', { name: /^naive / });
    const getrandom = page.getByRole('tab', { name: /^getrandom / });
    // 1: every clone resumed the same state: duplicated
    await expect(claims(page)).toContainText('naive: duplicates >0: holds');
    await expect(claims(page)).toContainText('naive: duplicated: holds');
    await expect(naive).toHaveText(/: [1-9]\d* dup$/);
    expect(await lab.duplicateCount()).toBeGreaterThan(0);
    await expect(page.getByRole('region', { name: /^Outputs/ })).toHaveCSS('outline-style', 'solid');

    await page.keyboard.press('ArrowRight');
    await atStep(page, 2, 4);
    await expect(claims(page)).toContainText('secret db-password is in the snapshot file: holds');

    await page.keyboard.press('PageDown');
    await atStep(page, 3, 4);
    await expect(claims(page)).toContainText('getrandom: duplicates 0: holds');
    await expect(getrandom).toHaveText(/: 0 dup$/);
    await expect(page.getByLabel('VMGenID', { exact: true })).toBeChecked();

    await page.keyboard.press(' ');
    await atStep(page, 4, 4);
    await expect(claims(page)).toContainText('naive: duplicates >0: holds');
    await expect(page.getByRole('region', { name: /^Race window/ })).toHaveCSS('outline-style', 'solid');
    await expect(claims(page)).not.toContainText('FAILS');

    // back: the lab is rebuilt at step 3
    await page.keyboard.press('ArrowLeft');
    await atStep(page, 3, 4);
    await expect(getrandom).toHaveText(/: 0 dup$/);
    await expect(page.getByText('Rebuilt from step 1')).toBeVisible();
    await page.keyboard.press('PageUp');
    await atStep(page, 2, 4);

    // the lab stays live: a draw with the buttons, then Next continues from the scenario's own state
    await lab.draw(4);
    await page.keyboard.press('ArrowRight');
    await atStep(page, 3, 4);
    await expect(claims(page)).toContainText('getrandom: duplicates 0: holds');

    await page.keyboard.press('Escape');
    await expect(page.getByLabel('Guided scenario')).toBeVisible();
  });

  test('a step of a scenario has a link that reopens it, claims checked again', async ({ lab, page }) => {
    await useTestScenario(page);
    await startScenario(page, UI_SCENARIO.title);
    await atStep(page, 1, 4);
    await page.keyboard.press('ArrowRight');
    await atStep(page, 2, 4);
    await page.keyboard.press('ArrowRight');
    await atStep(page, 3, 4);
    const shown = await claims(page).textContent();
    await lab.button('Copy link').click();
    const url = await page.getByRole('textbox', { name: 'Link to this lab' }).inputValue();
    const p2 = await page.context().newPage();
    await p2.goto(url);
    await atStep(p2, 3, 4);
    await expect(claims(p2)).toHaveText(shown!);
    await p2.close();
  });
});

test.describe('permalinks', () => {
  test('Copy link, open it in a new page: the same duplicates and the same first outputs', async ({
    lab,
    page,
  }) => {
    await page.getByLabel('Seed', { exact: true }).fill('4242');
    await lab.journey(4, 16);
    const dups = await lab.duplicateCount();
    const cells = page.getByRole('tabpanel').getByRole('cell', { name: /^vm \d+ output \d+:/ });
    const first = await cells.evaluateAll((els) => els.slice(0, 12).map((e) => e.getAttribute('aria-label')));
    expect(first).toHaveLength(12);

    await lab.button('Copy link').click();
    const field = page.getByRole('textbox', { name: 'Link to this lab' });
    await expect(field).toBeVisible();
    const url = await field.inputValue();
    expect(url).toMatch(/#s=[A-Za-z0-9_-]+$/);
    // the address bar holds the same link
    expect(page.url()).toBe(url);

    const p2 = await page.context().newPage();
    await p2.goto(url);
    await expect(p2.getByTestId('duplicates-count')).toHaveText(String(dups), { timeout: 60_000 });
    await expect(p2.getByRole('status').first()).toHaveText('Ready');
    const again = p2.getByRole('tabpanel').getByRole('cell', { name: /^vm \d+ output \d+:/ });
    expect(
      await again.evaluateAll((els) => els.slice(0, 12).map((e) => e.getAttribute('aria-label'))),
    ).toEqual(first);
    // the seed stays visible and editable
    await expect(p2.getByLabel('Seed', { exact: true })).toHaveValue('4242');
    await expect(p2.getByLabel('Seed', { exact: true })).toBeEditable();
    await p2.close();
  });

  for (const [what, hash, message] of [
    ['a character base64url does not use', '#s=AAAA!AAA', /which base64url does not use/],
    ['a cut-short link', '#s=A', /cut short/],
    ['a tampered link', null, /checksum does not match|compressed data is damaged/],
  ] as const) {
    test(`a link with ${what} says why in an alert and opens the default lab`, async ({ lab, page }) => {
      let h: string = hash ?? '';
      if (!hash) {
        // a real link with one character changed in the middle
        await lab.boot();
        await lab.button('Copy link').click();
        const url = await page.getByRole('textbox', { name: 'Link to this lab' }).inputValue();
        const s = url.slice(url.indexOf('#s=') + 3);
        const i = Math.floor(s.length / 2);
        h = `#s=${s.slice(0, i)}${s[i] === 'A' ? 'B' : 'A'}${s.slice(i + 1)}`;
      }
      // pasted into this tab (only the hash changes)...
      await page.goto(`/${h}`);
      const alertIn = (p: Page) => p.getByRole('alert').filter({ hasText: 'This link could not be opened' });
      await expect(alertIn(page)).toContainText(message);
      // ...and opened in a new one, before anything else ran
      const p2 = await page.context().newPage();
      const lab2 = new LabPage(p2);
      await p2.goto(`/${h}`);
      const alert = alertIn(p2);
      await expect(alert).toBeVisible();
      await expect(lab2.status).toHaveText('Ready');
      await expect(alert).toContainText(message);
      await expect(alert).toContainText('The default lab is open instead');
      // and the refused link is gone from the address bar
      expect(new URL(p2.url()).hash).toBe('');
      // the default lab works
      await expect(p2.getByLabel('Guest')).toHaveValue('default');
      await lab2.boot();
      await lab2.snapshot();
      await lab2.restore(2);
      await lab2.draw(4);
      expect(await lab2.duplicateCount()).toBeGreaterThan(0);
      await p2.close();
    });
  }
});

// DESIGN.md's truth table v2, as the matrix shows it: per library, the verdicts of the first three
// columns (Intel: no mitigation, vmgenid δ = 0, vmgenid δ > 0), and the cells it names on a CPU
// without RDRAND.
const TRUTH: Record<string, [string, string, string]> = {
  naive: ['dup', 'dup', 'dup'],
  'openssl-1.1.1': ['predictable', 'predictable', 'predictable'],
  boringssl: ['unique', 'unique', 'unique'],
  vdso: ['dup', 'unique', 'dup-until'],
  getrandom: ['dup', 'unique', 'dup-until'],
  rdrand: ['unique', 'unique', 'unique'],
};
const TRUTH_NO_RDRAND: Array<[string, RegExp, string]> = [
  ['boringssl', /^no mitigation · none/, 'dup'],
  ['aws-lc', /^vmgenid \+ SysGenId \(v8 overseer\), δ = 0 · none/, 'unique'],
  ['rdrand', /^no mitigation · none/, 'refused'],
];

test.describe('the mitigation matrix', () => {
  test('equals the truth table, opens a cell in the lab, and exports CSV and SVG', async ({ lab, page }) => {
    await page.setViewportSize({ width: 1280, height: 720 });
    await lab.button('Matrix').click();
    const table = page.getByRole('table', { name: 'Mitigation matrix' });
    await expect(table).toBeVisible({ timeout: 60_000 });
    await lab.idle();
    const heads = await table.getByRole('columnheader').allTextContents();
    expect(heads[1]).toMatch(/^no mitigation · intel/);
    expect(heads[2]).toMatch(/^vmgenid driver, δ = 0 · intel/);
    expect(heads[3]).toMatch(/^vmgenid driver, δ = \d+ µs · intel/);
    const verdictsOf = (lib: string) =>
      table
        .getByRole('row', { name: new RegExp(`^${lib.replace(/\./g, '\\.')} `) })
        .getByRole('button', { name: /Open in the lab$/ })
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-verdict')));
    for (const [lib, want] of Object.entries(TRUTH)) {
      expect((await verdictsOf(lib)).slice(0, 3), lib).toEqual(want);
      // and in words on the cell, not by colour alone
      const row = table.getByRole('row', { name: new RegExp(`^${lib.replace(/\./g, '\\.')} `) });
      await expect(row.getByRole('button', { name: /Open in the lab$/ }).first()).toContainText(
        VERDICT_WORDS[want[0] as Verdict].word,
      );
    }
    for (const [lib, column, want] of TRUTH_NO_RDRAND) {
      const col = heads.findIndex((h) => column.test(h)) - 1;
      expect(col, String(column)).toBeGreaterThanOrEqual(0);
      expect((await verdictsOf(lib))[col], `${lib} ${column}`).toBe(want);
    }
    await page.screenshot({ path: 'docs/matrix.png' });

    const csv = await downloaded(page, lab.button('Export CSV'));
    expect(csv.name).toMatch(/^matrix-default-seed\d+\.csv$/);
    const lines = csv.bytes.toString('utf8').trimEnd().split('\r\n');
    expect(lines[0]).toMatch(/^library,column,columnTitle,cpu,verdict,duplicates,/);
    const cols = heads.length - 1;
    const rows = await table.locator('tbody').getByRole('row').count();
    expect(lines).toHaveLength(1 + rows * cols);
    const svg = await downloaded(page, lab.button('Export SVG'));
    expect(svg.name).toMatch(/\.svg$/);
    expect(await parsesAsSvg(page, svg.bytes.toString('utf8'))).toBe(true);

    // Enter on a cell opens that configuration in the lab, showing that library
    const cell = table.getByRole('button', { name: /^vdso, vmgenid driver, δ = 0 · intel:/ });
    await cell.focus();
    await page.keyboard.press('Enter');
    await expect(page.getByRole('tab', { name: /^vdso / })).toHaveAttribute('aria-selected', 'true', {
      timeout: 60_000,
    });
    await lab.idle();
    await expect(page.getByRole('tab', { name: /^vdso / })).toHaveText(/: 0 dup$/);
    await expect(page.getByRole('tab', { name: /^naive / })).toHaveText(/: [1-9]\d* dup$/);
    await expect(page.getByLabel('VMGenID', { exact: true })).toBeChecked();
  });
});

test.describe('export', () => {
  test('maps, timeline, heat-map, outputs and metrics download as valid files', async ({ lab, page }) => {
    await lab.journey(4, 16);
    const menu = page.getByText('Export', { exact: true });
    const item = (name: string) =>
      page.getByRole('group', { name: 'Export files' }).getByRole('button', { name });

    for (const name of ['Memory map A · PNG', 'Memory map B · PNG', 'Timeline · PNG', 'Heat-map · PNG']) {
      await menu.click();
      const f = await downloaded(page, item(name));
      expect([...f.bytes.subarray(0, 8)], name).toEqual(PNG_SIGNATURE);
      expect(f.name).toMatch(/\.png$/);
    }
    for (const name of ['Memory map A · SVG', 'Timeline · SVG', 'Heat-map · SVG']) {
      await menu.click();
      const f = await downloaded(page, item(name));
      expect(f.name).toMatch(/\.svg$/);
      expect(await parsesAsSvg(page, f.bytes.toString('utf8')), name).toBe(true);
    }
    // the last draw: 3 processes x 4 VMs x 16 draws, with the history the CLI runs again
    const history = await lab.api((l) => l.history()!);
    await menu.click();
    const json = JSON.parse((await downloaded(page, item('Outputs · JSON'))).bytes.toString('utf8')) as {
      duplicates: number;
      settings: unknown;
      actions: unknown;
      libraries: { verdict: string; outputs: string[][] }[];
    };
    expect(json.duplicates).toBe(await lab.duplicateCount());
    expect(json.settings).toEqual(history.settings);
    expect(json.actions).toEqual(history.actions);
    expect(json.libraries).toHaveLength(3);
    expect(json.libraries[0]!.outputs).toHaveLength(4);
    expect(json.libraries[0]!.verdict).toBe('dup');
    // the CSVs open with the same history, one JSON field each
    const preamble = [
      `settings,${csvField(JSON.stringify(history.settings))}`,
      `actions,${csvField(JSON.stringify(history.actions))}`,
    ];
    await menu.click();
    const out = (await downloaded(page, item('Outputs · CSV'))).bytes
      .toString('utf8')
      .trimEnd()
      .split('\r\n');
    expect(out.slice(0, 2)).toEqual(preamble);
    expect(out[2]).toBe('library,consumer,vm,draw,value,duplicate,group');
    expect(out).toHaveLength(3 + 3 * 4 * 16);
    expect(out.filter((l) => l.includes(',true,'))).toHaveLength(await lab.duplicateCount());
    await menu.click();
    const met = (await downloaded(page, item('Metrics · CSV'))).bytes
      .toString('utf8')
      .trimEnd()
      .split('\r\n');
    expect(met.slice(0, 2)).toEqual(preamble);
    expect(met[2]).toBe(
      'library,consumer,verdict,duplicates,collidingPairs,firstUniqueDraw,nsPerCall,reseeds,aborts',
    );
    expect(met).toHaveLength(3 + 3);
  });
});

test.describe('presenter mode', () => {
  for (const theme of ['dark', 'light'] as const) {
    test(`at 1280x720 (${theme}) the step's essentials are on screen without scrolling`, async ({
      lab,
      page,
    }) => {
      await page.setViewportSize({ width: 1280, height: 720 });
      await useTestScenario(page);
      if (theme === 'light') await lab.theme('Light');
      await startScenario(page, UI_SCENARIO.title);
      await atStep(page, 1, 4);
      await page.keyboard.press('p');
      await expect(page.getByRole('button', { name: 'Present' })).toHaveAttribute('aria-pressed', 'true');
      const fits = await page.evaluate(() => document.documentElement.scrollHeight <= window.innerHeight);
      expect(fits).toBe(true);
      const inView = async (l: Locator) => {
        const b = (await l.boundingBox())!;
        expect(b.y).toBeGreaterThanOrEqual(0);
        expect(b.y + b.height).toBeLessThanOrEqual(720);
      };
      await inView(page.getByText(/^Every clone prints the same UUIDs/));
      await inView(claims(page));
      await inView(page.getByRole('region', { name: /^Outputs/ }));
      await inView(page.getByRole('region', { name: /^Metrics/ }));
      await inView(page.getByTestId('duplicates-count'));
      await expect(page.getByRole('region', { name: /^Outputs/ })).toHaveCSS('outline-style', 'solid');
      // the chrome a talk does not need is gone
      await expect(page.getByRole('region', { name: 'Experiment' })).toBeHidden();
      await page.screenshot({ path: `e2e/screenshots/presenter-${theme}.png` });
      await page.keyboard.press('p');
      await expect(page.getByRole('button', { name: 'Present' })).toHaveAttribute('aria-pressed', 'false');
    });
  }
});
