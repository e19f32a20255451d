// Loads the built core in Node (CLI, tests, benchmarks).
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { instantiateCore, type CoreExports } from './instantiate.js';

/** Reads and instantiates the release (or debug) wasm core from src/core/wasm/. */
export async function loadCoreNode(flavour: 'release' | 'debug' = 'release'): Promise<CoreExports> {
  const file = flavour === 'release' ? 'core.wasm' : 'core.debug.wasm';
  // a path, not new URL(`...`, import.meta.url): bundlers turn that pattern into an asset glob
  // and would ship every file of src/core/wasm with the app
  const path = join(dirname(fileURLToPath(import.meta.url)), '..', 'wasm', file);
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch {
    throw new Error(`core not built: ${path} is missing; run \`npm run asbuild\``);
  }
  return instantiateCore(await WebAssembly.compile(bytes));
}
