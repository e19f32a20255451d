// Fixtures for the app's e2e tests: a `lab` page object that opens the app, drives it by role
// and label (the UI contract), waits on the status line instead of sleeping, reads the core
// through the app's read-only test API (window.__lab), and checks that no request leaves the
// origin.

import { test as base, expect, type Locator, type Page } from '@playwright/test';

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
}

export const test = base.extend<{ lab: LabPage }>({
  lab: async ({ page, baseURL }, use) => {
    const lab = new LabPage(page);
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
