// Loads the built core in Node (CLI, tests, benchmarks).
import { readFile } from 'node:fs/promises';
import { totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MemoryBudget } from '../lab/fit';
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

/**
 * What a lab in this Node process may use: 3/4 of the machine's memory (or of the process's
 * cgroup limit where one is set), one copy of each draw's result.
 */
export function nodeBudget(): MemoryBudget {
  const machine = totalmem();
  const limit = process.constrainedMemory?.() ?? 0;
  const constrained = limit > 0 && limit < machine;
  const total = constrained ? limit : machine;
  const gib = (total / 2 ** 30).toFixed(1);
  return {
    hostBytes: Math.floor(total * 0.75),
    resultCopies: 1,
    hostSource: constrained
      ? `3/4 of this process's ${gib} GiB memory limit`
      : `3/4 of this machine's ${gib} GiB`,
  };
}
