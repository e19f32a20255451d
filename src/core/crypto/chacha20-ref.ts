// ChaCha20 (RFC 8439) in plain TypeScript: the test oracle for the wasm core and the "plain TS"
// baseline in bench/chacha20.bench.ts. It is written to be fast as ordinary JavaScript goes (the
// sixteen working words live in locals, quarter rounds are unrolled, whole blocks are written
// through a Uint32Array view when the output is 4-byte aligned), so the benchmark compares the
// wasm against a fair opponent rather than a strawman.
//
// Invariants: keys are 32 bytes and nonces 12 bytes (RangeError otherwise: a caller bug); the
// block counter is a u32 that wraps modulo 2^32 without touching the nonce, as in the wasm core.

const SIGMA0 = 0x61707865; // "expa"
const SIGMA1 = 0x3320646e; // "nd 3"
const SIGMA2 = 0x79622d32; // "2-by"
const SIGMA3 = 0x6b206574; // "te k"

/** True on little-endian hosts, where a Uint32Array view writes words in RFC 8439 byte order. */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function readLe32(bytes: Uint8Array, offset: number): number {
  return (
    (bytes[offset]! | (bytes[offset + 1]! << 8) | (bytes[offset + 2]! << 16) | (bytes[offset + 3]! << 24)) >>>
    0
  );
}

function checkInputs(key: Uint8Array, nonce: Uint8Array): void {
  if (key.length !== 32) throw new RangeError(`ChaCha20 key must be 32 bytes, got ${key.length}`);
  if (nonce.length !== 12) throw new RangeError(`ChaCha20 nonce must be 12 bytes, got ${nonce.length}`);
}

/** The 16-word initial state (constants, key, counter, nonce) of RFC 8439 §2.3. */
function initialState(key: Uint8Array, counter: number, nonce: Uint8Array): Uint32Array {
  checkInputs(key, nonce);
  const s = new Uint32Array(16);
  s[0] = SIGMA0;
  s[1] = SIGMA1;
  s[2] = SIGMA2;
  s[3] = SIGMA3;
  for (let i = 0; i < 8; i++) s[4 + i] = readLe32(key, 4 * i);
  s[12] = counter >>> 0;
  s[13] = readLe32(nonce, 0);
  s[14] = readLe32(nonce, 4);
  s[15] = readLe32(nonce, 8);
  return s;
}

/** Rotates the 32-bit word v left by n bits (V8 inlines this). */
function rotl(v: number, n: number): number {
  return (v << n) | (v >>> (32 - n));
}

/** Runs 20 rounds on state s and writes s + rounds(s) into out[0..16) (the block before serialising). */
function blockWords(s: Uint32Array, out: Uint32Array, outIndex: number): void {
  let x0 = s[0]! | 0;
  let x1 = s[1]! | 0;
  let x2 = s[2]! | 0;
  let x3 = s[3]! | 0;
  let x4 = s[4]! | 0;
  let x5 = s[5]! | 0;
  let x6 = s[6]! | 0;
  let x7 = s[7]! | 0;
  let x8 = s[8]! | 0;
  let x9 = s[9]! | 0;
  let x10 = s[10]! | 0;
  let x11 = s[11]! | 0;
  let x12 = s[12]! | 0;
  let x13 = s[13]! | 0;
  let x14 = s[14]! | 0;
  let x15 = s[15]! | 0;

  for (let i = 0; i < 10; i++) {
    // Column round: QR(0,4,8,12) QR(1,5,9,13) QR(2,6,10,14) QR(3,7,11,15)
    x0 = (x0 + x4) | 0;
    x12 = rotl(x12 ^ x0, 16);
    x8 = (x8 + x12) | 0;
    x4 = rotl(x4 ^ x8, 12);
    x0 = (x0 + x4) | 0;
    x12 = rotl(x12 ^ x0, 8);
    x8 = (x8 + x12) | 0;
    x4 = rotl(x4 ^ x8, 7);

    x1 = (x1 + x5) | 0;
    x13 = rotl(x13 ^ x1, 16);
    x9 = (x9 + x13) | 0;
    x5 = rotl(x5 ^ x9, 12);
    x1 = (x1 + x5) | 0;
    x13 = rotl(x13 ^ x1, 8);
    x9 = (x9 + x13) | 0;
    x5 = rotl(x5 ^ x9, 7);

    x2 = (x2 + x6) | 0;
    x14 = rotl(x14 ^ x2, 16);
    x10 = (x10 + x14) | 0;
    x6 = rotl(x6 ^ x10, 12);
    x2 = (x2 + x6) | 0;
    x14 = rotl(x14 ^ x2, 8);
    x10 = (x10 + x14) | 0;
    x6 = rotl(x6 ^ x10, 7);

    x3 = (x3 + x7) | 0;
    x15 = rotl(x15 ^ x3, 16);
    x11 = (x11 + x15) | 0;
    x7 = rotl(x7 ^ x11, 12);
    x3 = (x3 + x7) | 0;
    x15 = rotl(x15 ^ x3, 8);
    x11 = (x11 + x15) | 0;
    x7 = rotl(x7 ^ x11, 7);

    // Diagonal round: QR(0,5,10,15) QR(1,6,11,12) QR(2,7,8,13) QR(3,4,9,14)
    x0 = (x0 + x5) | 0;
    x15 = rotl(x15 ^ x0, 16);
    x10 = (x10 + x15) | 0;
    x5 = rotl(x5 ^ x10, 12);
    x0 = (x0 + x5) | 0;
    x15 = rotl(x15 ^ x0, 8);
    x10 = (x10 + x15) | 0;
    x5 = rotl(x5 ^ x10, 7);

    x1 = (x1 + x6) | 0;
    x12 = rotl(x12 ^ x1, 16);
    x11 = (x11 + x12) | 0;
    x6 = rotl(x6 ^ x11, 12);
    x1 = (x1 + x6) | 0;
    x12 = rotl(x12 ^ x1, 8);
    x11 = (x11 + x12) | 0;
    x6 = rotl(x6 ^ x11, 7);

    x2 = (x2 + x7) | 0;
    x13 = rotl(x13 ^ x2, 16);
    x8 = (x8 + x13) | 0;
    x7 = rotl(x7 ^ x8, 12);
    x2 = (x2 + x7) | 0;
    x13 = rotl(x13 ^ x2, 8);
    x8 = (x8 + x13) | 0;
    x7 = rotl(x7 ^ x8, 7);

    x3 = (x3 + x4) | 0;
    x14 = rotl(x14 ^ x3, 16);
    x9 = (x9 + x14) | 0;
    x4 = rotl(x4 ^ x9, 12);
    x3 = (x3 + x4) | 0;
    x14 = rotl(x14 ^ x3, 8);
    x9 = (x9 + x14) | 0;
    x4 = rotl(x4 ^ x9, 7);
  }

  out[outIndex] = x0 + s[0]!;
  out[outIndex + 1] = x1 + s[1]!;
  out[outIndex + 2] = x2 + s[2]!;
  out[outIndex + 3] = x3 + s[3]!;
  out[outIndex + 4] = x4 + s[4]!;
  out[outIndex + 5] = x5 + s[5]!;
  out[outIndex + 6] = x6 + s[6]!;
  out[outIndex + 7] = x7 + s[7]!;
  out[outIndex + 8] = x8 + s[8]!;
  out[outIndex + 9] = x9 + s[9]!;
  out[outIndex + 10] = x10 + s[10]!;
  out[outIndex + 11] = x11 + s[11]!;
  out[outIndex + 12] = x12 + s[12]!;
  out[outIndex + 13] = x13 + s[13]!;
  out[outIndex + 14] = x14 + s[14]!;
  out[outIndex + 15] = x15 + s[15]!;
}

/** Returns the 64-byte ChaCha20 block for (key, counter, nonce) (RFC 8439 §2.3). */
export function chacha20Block(key: Uint8Array, counter: number, nonce: Uint8Array): Uint8Array {
  const out = new Uint8Array(64);
  chacha20KeystreamInto(out, key, nonce, counter);
  return out;
}

/** Fills out with keystream starting at block `counter` (RFC 8439 §2.4 with a zero plaintext). */
export function chacha20KeystreamInto(
  out: Uint8Array,
  key: Uint8Array,
  nonce: Uint8Array,
  counter: number,
): void {
  const s = initialState(key, counter, nonce);
  const len = out.length;
  const fullBlocks = len >>> 6;
  let pos = 0;
  if (LITTLE_ENDIAN && out.byteOffset % 4 === 0 && fullBlocks > 0) {
    // Whole blocks straight into the caller's buffer, one word per store.
    const words = new Uint32Array(out.buffer, out.byteOffset, fullBlocks * 16);
    for (let b = 0; b < fullBlocks; b++) {
      blockWords(s, words, b * 16);
      s[12] = s[12]! + 1; // Uint32Array storage wraps the counter modulo 2^32
    }
    pos = fullBlocks * 64;
  }
  if (pos < len) {
    const block = new Uint32Array(16);
    const blockBytes = new Uint8Array(block.buffer);
    while (pos < len) {
      blockWords(s, block, 0);
      s[12] = s[12]! + 1;
      const n = Math.min(64, len - pos);
      if (LITTLE_ENDIAN) {
        out.set(n === 64 ? blockBytes : blockBytes.subarray(0, n), pos);
      } else {
        for (let i = 0; i < n; i++) out[pos + i] = (block[i >>> 2]! >>> (8 * (i & 3))) & 0xff;
      }
      pos += n;
    }
  }
}

/** Returns `length` bytes of keystream starting at block `counter`. */
export function chacha20Keystream(
  key: Uint8Array,
  nonce: Uint8Array,
  counter: number,
  length: number,
): Uint8Array {
  const out = new Uint8Array(length);
  chacha20KeystreamInto(out, key, nonce, counter);
  return out;
}

/** Encrypts (or decrypts) input with the keystream from block `counter` and returns a new array. */
export function chacha20Xor(
  key: Uint8Array,
  nonce: Uint8Array,
  counter: number,
  input: Uint8Array,
): Uint8Array {
  const out = chacha20Keystream(key, nonce, counter, input.length);
  for (let i = 0; i < out.length; i++) out[i] = out[i]! ^ input[i]!;
  return out;
}
