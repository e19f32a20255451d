// Loads the built core in the browser (main thread or worker); Vite serves the wasm from our origin.
import wasmUrl from '../wasm/core.wasm?url';
import { instantiateCore, type CoreExports } from './instantiate.js';

/** Fetches, compiles and instantiates the release core. */
export async function loadCoreBrowser(): Promise<CoreExports> {
  const module = await WebAssembly.compileStreaming(fetch(wasmUrl));
  return instantiateCore(module);
}
