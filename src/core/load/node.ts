// Loads the built core in Node (CLI, tests, benchmarks).
import { readFile } from 'node:fs/promises';
import { instantiateCore, type CoreExports } from './instantiate.js';

/** Reads and instantiates the release (or debug) wasm core from src/core/wasm/. */
export async function loadCoreNode(flavour: 'release' | 'debug' = 'release'): Promise<CoreExports> {
  const file = flavour === 'release' ? 'core.wasm' : 'core.debug.wasm';
  const url = new URL(`../wasm/${file}`, import.meta.url);
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = new Uint8Array(await readFile(url));
  } catch {
    throw new Error(`core not built: ${url.pathname} is missing; run \`npm run asbuild\``);
  }
  return instantiateCore(await WebAssembly.compile(bytes));
}
