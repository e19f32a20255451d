// The built app works from any path: served under /some/sub/path/ by a plain static server (no
// rewrite to the root; a directory without its slash is redirected to it, as static servers do),
// it loads its scripts, worker, wasm and guest files relative to the page, and runs the journey,
// from the folder, from its index.html and from the folder named without its slash. A talk deck
// on another origin embeds it in an iframe (?embed): the step's panels, from a link.

import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { expect, test } from '@playwright/test';
import { LabPage, orientationSeen } from './fixtures';

const PREFIX = '/some/sub/path/';
/** A slide deck's page that embeds the lab (the URL is given in ?src=). */
const DECK = '/deck/';
const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.png': 'image/png',
};

let server: Server;
let base = '';

test.beforeAll(async () => {
  const root = join(process.cwd(), 'dist');
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = decodeURIComponent(url.pathname);
    if (path === DECK) {
      const src = url.searchParams.get('src') ?? '';
      const attr = src.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(
        `<!doctype html><title>Deck</title><h1>A slide</h1><iframe title="lab" src="${attr}" width="1280" height="720" style="border:0"></iframe>`,
      );
      return;
    }
    if (`${path}/` === PREFIX) {
      res.writeHead(301, { location: PREFIX }).end();
      return;
    }
    if (!path.startsWith(PREFIX)) {
      res.writeHead(404).end();
      return;
    }
    const file = normalize(join(root, path.slice(PREFIX.length) || 'index.html'));
    if (!file.startsWith(root)) {
      res.writeHead(403).end();
      return;
    }
    stat(file).then(
      (s) => {
        const f = s.isDirectory() ? join(file, 'index.html') : file;
        res.writeHead(200, { 'content-type': TYPES[extname(f)] ?? 'application/octet-stream' });
        createReadStream(f).pipe(res);
      },
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}${PREFIX}`;
});

test.afterAll(() => new Promise<void>((r) => server.close(() => r())));

for (const [entry, from] of [
  ['the folder', ''],
  ['its index.html', 'index.html'],
  ['the folder without its slash', '..'],
] as const)
  test(`served under a sub-path and opened at ${entry}, the app loads its guests and worker beside the page and runs`, async ({
    page,
  }) => {
    const missing: string[] = [];
    page.on('response', (r) => r.status() >= 400 && missing.push(r.url()));
    await orientationSeen(page.context());
    await page.goto(from === '..' ? base.slice(0, -1) : `${base}${from}`);
    const lab = new LabPage(page);
    await expect(lab.status).toHaveText('Ready');
    expect(new URL(page.url()).pathname.startsWith(PREFIX)).toBe(true);
    await expect(page.getByLabel('Guest')).toHaveValue('default');
    await lab.journey(2, 4);
    expect(await lab.duplicateCount()).toBeGreaterThan(0);
    // the scenario list comes from the same folder
    await expect(page.getByLabel('Guided scenario').locator('option').first()).toBeAttached();
    expect(missing).toEqual([]);
  });

test('a deck on another origin embeds it in an iframe: the panels of a link, no controls', async ({
  page,
}) => {
  const missing: string[] = [];
  page.on('response', (r) => r.status() >= 400 && missing.push(r.url()));
  await orientationSeen(page.context());
  await page.goto(base);
  const lab = new LabPage(page);
  await expect(lab.status).toHaveText('Ready');
  await lab.journey(2, 4);
  const dups = await lab.duplicateCount();
  await lab.button('Copy link').click();
  const snippet = await page.getByLabel(/In a slide deck/).inputValue();
  const src = /src="([^"]+)"/.exec(snippet)![1]!;
  expect(src.startsWith(`${base}?embed=1#s=`)).toBe(true);
  // the deck is served from "localhost", the lab from "127.0.0.1": two origins
  const deck = new URL(`${DECK}?src=${encodeURIComponent(src)}`, base.replace('127.0.0.1', 'localhost'));
  await page.goto(deck.href);
  const frame = page.frameLocator('iframe[title="lab"]');
  const outputs = frame.getByRole('region', { name: /^Outputs/ });
  await expect(outputs).toContainText(`${dups} duplicates`, { timeout: 60_000 });
  await expect(frame.getByRole('button', { name: 'Boot', exact: true })).toBeHidden();
  await expect(frame.locator('.topbar')).toBeHidden();
  await page.screenshot({ path: 'e2e/screenshots/subpath-embedded.png' });
  expect(missing).toEqual([]);
});
