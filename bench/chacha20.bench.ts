// ChaCha20 keystream throughput: the wasm core (4-way SIMD and scalar) against Node's OpenSSL and
// against the plain TypeScript reference. Each comparison interleaves its two contenders in one run
// (pairedMedians), and every contender is first checked to produce the same bytes, so the ratios
// compare equal work.
//
// OpenSSL is driven through Node's cipher API in 64 KiB update() calls. That API always allocates
// its output, and on this machine its time per MiB is bimodal: ~1 GB/s while Node faults in fresh
// pages for those buffers, ~3 GB/s while it reuses warm ones (one 1 MiB update() is worse still).
// The wasm writes into memory that is already warm, so the median ratio flatters the wasm. The
// suite therefore also reports best run against best run from the same interleaved repetitions,
// which credits OpenSSL with warm buffers; that is the figure to quote for "how close to native",
// and the target must hold for both rows.
import { createCipheriv } from 'node:crypto';
import { chacha20KeystreamInto } from '../src/core/crypto/chacha20-ref';
import { loadCoreNode } from '../src/core/load/node';
import { pairedMedians, type BenchRow, type BenchSuite } from './harness';

const OPENSSL_CHUNK = 64 * 1024;
const REPS = 21;

function mbPerSecond(bytes: number, ms: number): number {
  return bytes / 1e6 / (ms / 1e3);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  );
}

export const suite: BenchSuite = {
  name: 'chacha20',
  async run(): Promise<BenchRow[]> {
    const core = await loadCoreNode('release');
    // Key and nonce sit in the first 256 bytes of the scratch area; the keystream fills the rest.
    const scratch = core.chachaScratch();
    const keyPtr = scratch;
    const noncePtr = scratch + 32;
    const outPtr = scratch + 256;
    const length = core.CHACHA_SCRATCH_BYTES.value - 256; // 1 MiB - 256 B, a whole number of 4-block groups
    const counter = 1;

    const key = Uint8Array.from({ length: 32 }, (_, i) => (i * 29 + 5) & 0xff);
    const nonce = Uint8Array.from({ length: 12 }, (_, i) => (i * 53 + 17) & 0xff);
    new Uint8Array(core.memory.buffer).set(key, keyPtr);
    new Uint8Array(core.memory.buffer).set(nonce, noncePtr);
    const wasmOutput = () => new Uint8Array(core.memory.buffer, outPtr, length);

    const iv = Buffer.alloc(16); // OpenSSL's IV: 32-bit little-endian block counter, then the nonce
    iv.writeUInt32LE(counter, 0);
    iv.set(nonce, 4);
    const zeros = Buffer.alloc(OPENSSL_CHUNK);
    const tsOutput = new Uint8Array(length);

    const wasmSimd = () => core.chacha20KeystreamSimd(keyPtr, noncePtr, counter, outPtr, length);
    const wasmScalar = () => core.chacha20Keystream(keyPtr, noncePtr, counter, outPtr, length);
    const plainTs = () => chacha20KeystreamInto(tsOutput, key, nonce, counter);
    // Writes the keystream in 64 KiB chunks to `sink` (the check keeps them; timed runs drop them,
    // so Node can reuse the memory, as a caller streaming the keystream would).
    const openssl = (sink?: Buffer[]): void => {
      const cipher = createCipheriv('chacha20', key, iv);
      for (let at = 0; at < length; at += OPENSSL_CHUNK) {
        const chunk = cipher.update(at + OPENSSL_CHUNK <= length ? zeros : zeros.subarray(0, length - at));
        sink?.push(chunk);
      }
    };

    // Same bytes first: encrypting zeros yields the keystream, so all four must agree.
    wasmSimd();
    const simdBytes = wasmOutput().slice();
    wasmScalar();
    if (!sameBytes(wasmOutput(), simdBytes)) throw new Error('wasm scalar and SIMD keystreams differ');
    const opensslChunks: Buffer[] = [];
    openssl(opensslChunks);
    if (!sameBytes(Buffer.concat(opensslChunks), simdBytes)) {
      throw new Error("OpenSSL's keystream differs from the wasm one");
    }
    plainTs();
    if (!sameBytes(tsOutput, simdBytes)) {
      throw new Error('the TypeScript reference differs from the wasm keystream');
    }

    // Let the JIT settle on every contender before the timed, interleaved repetitions.
    for (let i = 0; i < 10; i++) {
      wasmSimd();
      wasmScalar();
      plainTs();
      openssl();
    }

    // The OpenSSL pair also records each run's time, for the best-against-best row.
    const simdTimes: number[] = [];
    const opensslTimes: number[] = [];
    const recorded = (fn: () => void, times: number[]) => () => {
      const t0 = performance.now();
      fn();
      times.push(performance.now() - t0);
    };
    const simdVsOpenssl = pairedMedians(recorded(wasmSimd, simdTimes), recorded(openssl, opensslTimes), REPS);
    const simdVsOpensslBest = { a: Math.min(...simdTimes), b: Math.min(...opensslTimes) };
    const simdVsTs = pairedMedians(wasmSimd, plainTs, REPS);
    const scalarVsTs = pairedMedians(wasmScalar, plainTs, REPS);
    const simdVsScalar = pairedMedians(wasmSimd, wasmScalar, REPS);

    const mb = (ms: number) => `${mbPerSecond(length, ms).toFixed(0)} MB/s`;
    const row = (
      name: string,
      pair: { a: number; b: number },
      names: [string, string],
      target?: number,
    ): BenchRow => {
      const value = pair.b / pair.a; // throughput of a / throughput of b
      return {
        name,
        value,
        unit: 'x',
        target: target === undefined ? '' : `>= ${target}x`,
        met: target === undefined ? undefined : value >= target,
        detail: `${names[0]} ${mb(pair.a)}, ${names[1]} ${mb(pair.b)} (${length} B)`,
      };
    };

    return [
      row(
        'wasm SIMD keystream vs OpenSSL (node:crypto), medians',
        simdVsOpenssl,
        ['wasm SIMD', 'OpenSSL'],
        0.25,
      ),
      row('wasm SIMD keystream vs OpenSSL, best runs', simdVsOpensslBest, ['wasm SIMD', 'OpenSSL'], 0.25),
      row('wasm SIMD keystream vs plain TS', simdVsTs, ['wasm SIMD', 'plain TS'], 1.4),
      row('wasm scalar keystream vs plain TS', scalarVsTs, ['wasm scalar', 'plain TS']),
      row('wasm SIMD vs wasm scalar keystream', simdVsScalar, ['wasm SIMD', 'wasm scalar']),
    ];
  },
};
