// Fixtures for the app's e2e tests: a `lab` page object that opens the app, drives it by role
// and label (the UI contract), waits on the status line instead of sleeping, reads the core
// through the app's read-only test API (window.__lab), and checks that no request leaves the
// origin. The first-run orientation is marked seen (every page of the context), so it does not
// cover the panels; e2e/stage.spec.ts tests it on a fresh page.

import { test as base, expect, type BrowserContext, type Locator, type Page } from '@playwright/test';

/** Marks the orientation seen in a context's pages, unless a test stored view preferences itself. */
export async function orientationSeen(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const key = 'uniqueness-lab/view';
    try {
      if (!localStorage.getItem(key)) localStorage.setItem(key, JSON.stringify({ orientationSeen: true }));
    } catch {
      // no storage (an opaque origin): nothing to mark
    }
  });
}

export class LabPage {
  readonly requests: string[] = [];

  constructor(readonly page: Page) {}

  button(name: string): Locator {
    return this.page.getByRole('button', { name, exact: true });
  }

  get status(): Locator {
    return this.page.getByRole('status');
  }

  get duplicates(): Locator {
    return this.page.getByTestId('duplicates-count');
  }

  /** The memory-map canvas of side A or B. */
  map(side: 'A' | 'B'): Locator {
    return this.page.locator(`canvas[data-side="${side.toLowerCase()}"]`);
  }

  async open(): Promise<void> {
    await this.page.goto('/');
    await expect(this.status).toHaveText('Ready');
    await expect(this.button('Boot')).toBeEnabled();
  }

  /** Waits until the worker has answered and the app is idle again. */
  async idle(): Promise<void> {
    await expect(this.status).toHaveText('Ready', { timeout: 60_000 });
  }

  async boot(): Promise<void> {
    await this.button('Boot').click();
    await this.idle();
  }

  async snapshot(): Promise<void> {
    await this.button('Snapshot').click();
    await this.idle();
  }

  async restore(clones: number): Promise<void> {
    await this.page.getByLabel('Clones', { exact: true }).fill(String(clones));
    await this.button('Restore').click();
    await this.idle();
  }

  async draw(draws: number): Promise<void> {
    await this.page.getByLabel('Draws', { exact: true }).fill(String(draws));
    await this.button('Draw').click();
    await this.idle();
    await expect(this.duplicates).toHaveText(/^\d+$/);
  }

  /** Boot, Snapshot, Restore `clones`, Draw `draws`: the lab's first journey. */
  async journey(clones: number, draws: number): Promise<void> {
    await this.boot();
    await this.snapshot();
    await this.restore(clones);
    await this.draw(draws);
  }

  async duplicateCount(): Promise<number> {
    return Number(await this.duplicates.textContent());
  }

  /** Calls the read-only test API in the page. */
  api<T>(fn: (lab: NonNullable<Window['__lab']>) => Promise<T> | T): Promise<T> {
    return this.page.evaluate(`(${fn.toString()})(window.__lab)`) as Promise<T>;
  }

  async shot(name: string): Promise<void> {
    await this.page.screenshot({ path: `e2e/screenshots/${name}.png` });
  }

  /** Chooses a theme in the View menu ('System' follows the operating system). */
  async theme(name: 'System' | 'Dark' | 'Light'): Promise<void> {
    await this.page.getByRole('button', { name: 'View', exact: true }).click();
    await this.page.getByRole('radio', { name, exact: true }).check();
    await this.page.keyboard.press('Escape');
  }

  /** Sets Large type in the View menu. */
  async largeType(on: boolean): Promise<void> {
    await this.page.getByRole('button', { name: 'View', exact: true }).click();
    await this.page.getByRole('checkbox', { name: 'Large type' }).setChecked(on);
    await this.page.keyboard.press('Escape');
  }
}

export const test = base.extend<{ lab: LabPage }>({
  lab: async ({ page, baseURL }, use) => {
    const lab = new LabPage(page);
    await orientationSeen(page.context());
    page.on('request', (r) => {
      const url = r.url();
      if (!url.startsWith(baseURL!) && !url.startsWith('data:') && !url.startsWith('blob:'))
        lab.requests.push(url);
    });
    await lab.open();
    await use(lab);
    expect(lab.requests, 'requests beyond the origin').toEqual([]);
  },
});

export { expect };
