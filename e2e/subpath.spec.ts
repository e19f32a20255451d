// The built app works from any path: served under /some/sub/path/ by a plain static server (no
// rewrite to the root), it loads its scripts, worker, wasm and guest files relative to the page,
// and runs the journey.

import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { expect, test } from '@playwright/test';
import { LabPage } from './fixtures';

const PREFIX = '/some/sub/path/';
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
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
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

test('served under a sub-path, the app loads its guests and worker beside the page and runs', async ({
  page,
}) => {
  const missing: string[] = [];
  page.on('response', (r) => r.status() >= 400 && missing.push(r.url()));
  await page.goto(base);
  const lab = new LabPage(page);
  await expect(lab.status).toHaveText('Ready');
  await expect(page.getByLabel('Guest')).toHaveValue('default');
  await lab.boot();
  await lab.snapshot();
  await lab.restore(2);
  await lab.draw(4);
  expect(await lab.duplicateCount()).toBeGreaterThan(0);
  // the scenario list comes from the same folder
  await expect(page.getByLabel('Guided scenario').locator('option').first()).toBeAttached();
  expect(missing).toEqual([]);
});
