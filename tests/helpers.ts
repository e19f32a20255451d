import { Engine } from '../src/core/engine';
import { loadCoreNode } from '../src/core/load/node';
import type { EngineError } from '../src/core/errors';
import type { Result } from '../src/core/types';
import type { Consumer, GuestManifest, KernelFeatures, LibraryId } from '../src/core/lab/types';

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

/** mulberry32: a small seeded generator for random walks and fuzzing. */
export function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!,
  };
}

/** A kernel with every feature off. */
export const KERNEL_NONE: KernelFeatures = {
  version: 'test',
  vmgenid: false,
  sysgenid: 'off',
  wipeOnSuspend: false,
  vdsoGetrandom: false,
  jitterEntropy: false,
  agentReseed: false,
  agentDelayUs: 0,
};

/** A small 16 MiB guest: the given kernel features, one process per library, no secrets. */
export function smallGuest(
  name: string,
  kernel: Partial<KernelFeatures>,
  libraries: LibraryId[],
  consumer: Consumer = 'key',
): GuestManifest {
  return {
    name,
    description: `a small guest for ${name}`,
    memoryMiB: 16,
    kernel: { ...KERNEL_NONE, ...kernel },
    processes: libraries.map((library, i) => ({ name: `${library}-${i}`, library, consumer })),
    secrets: [],
    layout: { kernelPages: 8, heapPages: 8 },
  };
}
