// The app and the CLI run the same lab: a permalink made in the app, run by
// `uniqueness-lab run --link URL --json`, prints the outputs and duplicate counts the app shows;
// the JSON export of a draw, run by `uniqueness-lab run --settings FILE --json`, gives the same run.

import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Download, Page } from '@playwright/test';
import { expect, test } from './fixtures';

const run = promisify(execFile);

interface CliReport {
  seed: number;
  clones: number;
  draws: number;
  settings: Record<string, unknown>;
  actions: unknown[];
  libraries: Array<{
    library: string;
    duplicates: number;
    verdict: string;
    firstUniqueDraw: number | null;
    outputs: string[][];
  }>;
}

/** Runs the CLI as a person would, from the repository. */
async function cli(...args: string[]): Promise<CliReport> {
  const { stdout } = await run(process.execPath, ['bin/uniqueness-lab.js', 'run', ...args, '--json'], {
    maxBuffer: 64 << 20,
    timeout: 120_000,
  });
  return JSON.parse(stdout) as CliReport;
}

/** The outputs each cell of the shown Outputs table names: [vm row][draw column], as text. */
async function shownOutputs(page: Page): Promise<string[][]> {
  const rows = page.getByRole('tabpanel').getByRole('row');
  return rows.evaluateAll((trs) =>
    trs
      .map((tr) =>
        [...tr.querySelectorAll('td')].map(
          (td) => /: ([0-9a-f-]+), (?:unique|duplicate)/.exec(td.getAttribute('aria-label') ?? '')?.[1] ?? '',
        ),
      )
      .filter((r) => r.length > 0),
  );
}

test('a permalink made in the app runs in the CLI to the same outputs and duplicate counts', async ({
  lab,
  page,
}) => {
  await page.getByLabel('Seed', { exact: true }).fill('2024');
  await page.getByLabel('Notify delay (µs)', { exact: true }).fill('12.5');
  await lab.journey(4, 16);
  await lab.button('Copy link').click();
  const url = await page.getByRole('textbox', { name: 'Link to this lab' }).inputValue();
  expect(url).toMatch(/#s=[A-Za-z0-9_-]+$/);
  const app = (await lab.api((l) => l.lastDraw(16)))!;
  const shown = await shownOutputs(page);

  const report = await cli('--link', url);
  expect(report.seed).toBe(2024);
  expect(report.settings).toMatchObject({ seed: 2024, notifyDelayUs: 12.5, clones: 4, draws: 16 });
  expect(report.libraries.map((l) => l.library)).toEqual(app.map((l) => l.library));
  expect(report.libraries.map((l) => l.duplicates)).toEqual(app.map((l) => l.duplicates));
  expect(report.libraries.map((l) => l.outputs)).toEqual(app.map((l) => l.outputs));
  // what a person reads on screen: the total, and the values of the shown library's table
  const total = report.libraries.reduce((n, l) => n + l.duplicates, 0);
  await expect(lab.duplicates).toHaveText(String(total));
  expect(shown).toEqual(report.libraries[0]!.outputs);
});

test('the JSON export of a draw runs again in the CLI with --settings, to the same run', async ({
  lab,
  page,
}) => {
  await page.getByLabel('VMGenID', { exact: true }).check();
  await page.getByLabel('Library', { exact: true }).selectOption('all');
  await page.getByLabel('Notify delay (µs)', { exact: true }).fill('30');
  await lab.journey(3, 20);
  await page.getByText('Export', { exact: true }).click();
  const [d] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('group', { name: 'Export files' }).getByRole('button', { name: 'Outputs · JSON' }).click(),
  ]);
  const exported = JSON.parse(await readFile((await (d as Download).path())!, 'utf8')) as CliReport;
  expect(exported.settings).toMatchObject({ vmgenid: true, notifyDelayUs: 30, libraries: expect.any(Array) });
  expect(exported.actions).toEqual(await lab.api((l) => l.history()!.actions));

  const dir = await mkdtemp(join(tmpdir(), 'uniqueness-lab-e2e-'));
  try {
    const file = join(dir, 'outputs.json');
    await writeFile(file, JSON.stringify(exported));
    const again = await cli('--settings', file);
    expect(again.settings).toEqual(exported.settings);
    expect(again.actions).toEqual(exported.actions);
    expect(again.clones).toBe(3);
    expect(again.draws).toBe(20);
    for (const [i, lib] of again.libraries.entries()) {
      const was = exported.libraries[i]!;
      expect(lib.library).toBe(was.library);
      expect(lib.verdict, lib.library).toBe(was.verdict);
      expect(lib.duplicates, lib.library).toBe(was.duplicates);
      expect(lib.firstUniqueDraw, lib.library).toBe(was.firstUniqueDraw);
      expect(lib.outputs, lib.library).toEqual(was.outputs);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
