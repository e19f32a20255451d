import { Engine } from '../src/core/engine';
import { loadCoreNode } from '../src/core/load/node';
import type { EngineError } from '../src/core/errors';
import type { Result } from '../src/core/types';

/** A fresh engine over the debug build (assertions on), one wasm instance per call. */
export async function freshEngine(flavour: 'debug' | 'release' = 'debug'): Promise<Engine> {
  return new Engine(await loadCoreNode(flavour));
}

/** The value of a successful result; fails the test with the error's message otherwise. */
export function must<T>(r: Result<T, EngineError>): T {
  if (!r.ok) throw new Error(`unexpected ${r.error.kind}: ${r.error.message}`);
  return r.value;
}

/** The error of a failed result; fails the test if it succeeded. */
export function mustFail<T>(r: Result<T, EngineError>): EngineError {
  if (r.ok) throw new Error('expected an error, got success');
  return r.error;
}

/** Deterministic bytes for tests (xorshift32). */
export function testBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}
