// Instantiates the core's wasm module through the static bindings that `asc --bindings raw`
// generates. The same function serves Node (CLI, tests, benches) and the browser worker.
import { instantiate } from '../wasm/core.js';

export type CoreExports = Awaited<ReturnType<typeof instantiate>>;

/** Instantiates a compiled core module; aborts inside the core become JS errors (bugs, never input errors). */
export async function instantiateCore(module: WebAssembly.Module): Promise<CoreExports> {
  return instantiate(module, {
    env: {
      abort(_msg: number, _file: number, line: number, col: number): never {
        throw new Error(`core abort at ${line}:${col}`);
      },
      seed(): number {
        return 0; // the core never uses Math.random; every run is reproducible from its seed
      },
    },
  });
}
