// The app's security promises: every request of a whole journey (boot, snapshot, restore, draw,
// download, upload, reload and reopen) stays on the page's own origin (blob: and data: URLs of
// the page are the only others allowed), no Content-Security-Policy violation happens on the way,
// and the policy itself still forbids other origins, inline script and eval.

import { expect, test as base } from '@playwright/test';
import { LabPage } from './fixtures';
import { downloadSnap, openFile } from './snapfiles';

declare global {
  interface Window {
    __cspViolations?: string[];
  }
}

const test = base.extend<{ lab: LabPage; requests: string[] }>({
  requests: async ({ context }, use) => {
    const seen: string[] = [];
    // the context sees the page's requests and its workers' (the lab worker fetches the wasm)
    context.on('request', (r) => seen.push(r.url()));
    await use(seen);
  },
  lab: async ({ page, requests: _requests }, use) => {
    await page.addInitScript(() => {
      window.__cspViolations = [];
      document.addEventListener('securitypolicyviolation', (e) =>
        window.__cspViolations!.push(`${e.violatedDirective} ${e.blockedURI}`),
      );
    });
    const lab = new LabPage(page);
    await lab.open();
    await use(lab);
  },
});

test('no request leaves the origin from boot to download, upload and a reopened session', async ({
  lab,
  page,
  requests,
  baseURL,
}) => {
  await lab.journey(4, 16);
  const file = await downloadSnap(page);
  await openFile(page, file.name, file.bytes);
  await expect(page.getByText(/^Opened uniqueness-lab-snap-0\.ulsnap: snap #1,/)).toBeVisible();
  await page.getByRole('button', { name: 'Secrets in file' }).click();
  await expect(page.getByRole('region', { name: 'Secrets in the file' })).toContainText('in the file?');
  await expect(page.getByTestId('autosave-status')).toHaveText(/ · 5 steps$/);
  await page.reload(); // the address bar's link rebuilds the lab, the file from this browser
  await expect(page.getByRole('region', { name: /^Lineage/ })).toContainText('5 VMs (4 running), 2 snaps', {
    timeout: 60_000,
  });
  await lab.idle();
  await page.goto('/'); // and a fresh visit reopens the saved session
  await lab.idle();
  await page.getByRole('button', { name: 'Reopen saved session' }).click();
  await expect(page.getByText(/^Reopened the saved session/)).toBeVisible();
  await lab.idle();
  await lab.draw(4);

  const origin = new URL(baseURL!).origin;
  const own = (u: string) =>
    u.startsWith(`${origin}/`) || u.startsWith(`blob:${origin}/`) || u.startsWith('data:');
  expect(requests.length).toBeGreaterThan(0);
  expect(requests.some((u) => u.endsWith('.wasm'))).toBe(true); // the worker's requests are seen
  expect(
    requests.filter((u) => !own(u)),
    'requests beyond the origin',
  ).toEqual([]);
  expect(await page.evaluate(() => window.__cspViolations)).toEqual([]);
});

test('the Content-Security-Policy allows only the origin, and no inline script or eval', async ({
  lab,
  page,
}) => {
  const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  const directives = new Map(
    csp!.split(';').map((d) => {
      const [name, ...values] = d.trim().split(/\s+/);
      return [name!, values] as const;
    }),
  );
  expect(directives.get('default-src')).toEqual(["'self'"]);
  expect(directives.get('script-src')).not.toContain("'unsafe-inline'");
  expect(directives.get('script-src')).not.toContain("'unsafe-eval'");
  expect(directives.has('connect-src')).toBe(false); // fetch and workers fall back to 'self'
  // the built page has no inline script for the policy to have to allow
  expect(await page.locator('script:not([src])').count()).toBe(0);
  // and the policy is in force: an injected inline script and string-eval do not run
  const ran = await page.evaluate(async () => {
    const w = window as unknown as Record<string, unknown>;
    const inline = document.createElement('script');
    inline.textContent = 'window.__inlineRan = true';
    document.head.append(inline);
    (setTimeout as unknown as (code: string, ms: number) => void)('window.__evalRan = true', 0);
    await new Promise((r) => setTimeout(r, 50));
    return { inline: w.__inlineRan === true, evaluated: w.__evalRan === true };
  });
  expect(ran).toEqual({ inline: false, evaluated: false });
  const blocked = await page.evaluate(async () => {
    try {
      await fetch('http://example.invalid/');
      return 'fetched';
    } catch {
      return 'refused';
    }
  });
  expect(blocked).toBe('refused');
  await expect.poll(() => page.evaluate(() => window.__cspViolations!.length)).toBeGreaterThan(0);
  void lab;
});
