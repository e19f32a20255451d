#!/usr/bin/env node
// The headless CLI over the same core as the app. Runs the bundle `npm run asbuild` builds
// (src/core/wasm/cli.mjs, scripts/build-cli.mjs) when it is newer than every source it was made
// from, and the TypeScript sources through tsx otherwise: starting Node and compiling the
// sources on every run cost about a second before the CLI did anything.
import { readFileSync, statSync } from 'node:fs';

const root = new URL('../', import.meta.url);

/** The bundle's URL if it is there and no source it was built from changed since; else null. */
function freshBundle() {
  try {
    const bundle = new URL('src/core/wasm/cli.mjs', root);
    const built = statSync(bundle).mtimeMs;
    const inputs = JSON.parse(readFileSync(new URL('src/core/wasm/cli-inputs.json', root), 'utf8'));
    for (const file of inputs) if (statSync(new URL(file, root)).mtimeMs > built) return null;
    return bundle;
  } catch {
    return null; // no bundle, or a source is gone: run the sources
  }
}

const bundle = freshBundle();
let main;
if (bundle) ({ main } = await import(bundle.href));
else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/core/cli/main.ts'));
}
process.exitCode = await main(process.argv.slice(2));
