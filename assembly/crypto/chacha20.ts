// ChaCha20 (RFC 8439): the block function, the keystream and encryption, in a scalar and a
// 4-way SIMD form that produce the same bytes. The guest kernel CRNG and guest libraries call
// these with pointers into guest frames, so nothing here allocates (the runtime is `stub`) and
// nothing assumes alignment: every access is a byte-addressed (possibly unaligned) load/store.
//
// State of one block, 16 little-endian u32 words (RFC 8439 §2.3):
//
//      word:   0        1        2        3
//           +--------+--------+--------+--------+
//           | "expa" | "nd 3" | "2-by" | "te k" |   constants
//           +--------+--------+--------+--------+
//           | key[0] | key[1] | key[2] | key[3] |   words 4..11: key bytes 0..31
//           | key[4] | key[5] | key[6] | key[7] |
//           +--------+--------+--------+--------+
//           | count  | non[0] | non[1] | non[2] |   word 12: block counter, 13..15: nonce 0..11
//           +--------+--------+--------+--------+
//
// SIMD form: one v128 per state word, lane j holding that word of block (counter + j), so
// the quarter rounds run on four blocks at once with no cross-lane work. Afterwards each group
// of four words (w0..w3, w4..w7, ...) is a 4x4 matrix of u32 that is transposed so each row is
// 16 contiguous output bytes of one block:
//
//      v[4g+0] = [b0.w  b1.w  b2.w  b3.w ]         out + 0*64 + 16g = [b0.w b0.w' b0.w'' b0.w''']
//      v[4g+1] = [b0.w' b1.w' b2.w' b3.w']   -->   out + 1*64 + 16g = [b1.w ...             ]
//      v[4g+2] = ...                               out + 2*64 + 16g = [b2.w ...             ]
//      v[4g+3] = ...                               out + 3*64 + 16g = [b3.w ...             ]
//
// Invariants:
// - The block counter is 32 bits and wraps modulo 2^32 without touching the nonce (RFC 8439
//   §2.4: "a 32-bit initial counter"); the scalar and SIMD paths wrap identically.
// - Scalar and SIMD output are byte-identical for every length and counter; the SIMD path only
//   changes how many blocks are computed at a time (full groups of four, then scalar blocks).
// - Key and nonce are copied into PARAMS on entry, so the output may overwrite them (a CRNG
//   doing fast key erasure can write the next key over the current one).
// - chacha20Xor reads each chunk of input before writing the same chunk of output, so in == out
//   is safe; other overlaps of in and out are not supported.
// - Static memory (all `memory.data`, so it never moves when other modules grow memory):
//
//      PARAMS         48 B   key (32) | nonce (12) | unused (4)
//      PARTIAL_BLOCK  64 B   last, partial block of keystream before it is copied out
//      SCRATCH         1 MiB tests and benchmarks stage inputs and outputs here
//
//   PARAMS and PARTIAL_BLOCK make the functions non-reentrant, which wasm's one thread allows.

/** Size of the static scratch area that tests and benchmarks stage inputs and outputs in. */
export const CHACHA_SCRATCH_BYTES: u32 = 1 << 20;

const PARAMS: usize = memory.data(48, 16);
const PARAMS_NONCE: usize = PARAMS + 32;
const PARTIAL_BLOCK: usize = memory.data(64, 16);
const SCRATCH: usize = memory.data(CHACHA_SCRATCH_BYTES, 16);

const SIGMA0: u32 = 0x61707865; // "expa"
const SIGMA1: u32 = 0x3320646e; // "nd 3"
const SIGMA2: u32 = 0x79622d32; // "2-by"
const SIGMA3: u32 = 0x6b206574; // "te k"

/** Address of the 1 MiB static scratch area (tests and benchmarks only; the engine uses guest frames). */
export function chachaScratch(): usize {
  return SCRATCH;
}

/** Copies key and nonce into PARAMS so the output may alias them. */
@inline
function copyParams(keyPtr: usize, noncePtr: usize): void {
  memory.copy(PARAMS, keyPtr, 32);
  memory.copy(PARAMS_NONCE, noncePtr, 12);
}

// ---------------------------------------------------------------------------------------------
// Scalar

/** Writes the 64-byte block (key, counter, nonce) to out (RFC 8439 §2.3); reads all inputs before writing. */
@inline
function scalarBlock(keyPtr: usize, counter: u32, noncePtr: usize, outPtr: usize): void {
  const k0 = load<u32>(keyPtr, 0);
  const k1 = load<u32>(keyPtr, 4);
  const k2 = load<u32>(keyPtr, 8);
  const k3 = load<u32>(keyPtr, 12);
  const k4 = load<u32>(keyPtr, 16);
  const k5 = load<u32>(keyPtr, 20);
  const k6 = load<u32>(keyPtr, 24);
  const k7 = load<u32>(keyPtr, 28);
  const n0 = load<u32>(noncePtr, 0);
  const n1 = load<u32>(noncePtr, 4);
  const n2 = load<u32>(noncePtr, 8);

  let x0 = SIGMA0, x1 = SIGMA1, x2 = SIGMA2, x3 = SIGMA3;
  let x4 = k0, x5 = k1, x6 = k2, x7 = k3;
  let x8 = k4, x9 = k5, x10 = k6, x11 = k7;
  let x12 = counter, x13 = n0, x14 = n1, x15 = n2;

  for (let i = 0; i < 10; i++) {
    // Column round: QR(0,4,8,12) QR(1,5,9,13) QR(2,6,10,14) QR(3,7,11,15)
    x0 += x4; x12 = rotl<u32>(x12 ^ x0, 16); x8 += x12; x4 = rotl<u32>(x4 ^ x8, 12);
    x0 += x4; x12 = rotl<u32>(x12 ^ x0, 8); x8 += x12; x4 = rotl<u32>(x4 ^ x8, 7);
    x1 += x5; x13 = rotl<u32>(x13 ^ x1, 16); x9 += x13; x5 = rotl<u32>(x5 ^ x9, 12);
    x1 += x5; x13 = rotl<u32>(x13 ^ x1, 8); x9 += x13; x5 = rotl<u32>(x5 ^ x9, 7);
    x2 += x6; x14 = rotl<u32>(x14 ^ x2, 16); x10 += x14; x6 = rotl<u32>(x6 ^ x10, 12);
    x2 += x6; x14 = rotl<u32>(x14 ^ x2, 8); x10 += x14; x6 = rotl<u32>(x6 ^ x10, 7);
    x3 += x7; x15 = rotl<u32>(x15 ^ x3, 16); x11 += x15; x7 = rotl<u32>(x7 ^ x11, 12);
    x3 += x7; x15 = rotl<u32>(x15 ^ x3, 8); x11 += x15; x7 = rotl<u32>(x7 ^ x11, 7);
    // Diagonal round: QR(0,5,10,15) QR(1,6,11,12) QR(2,7,8,13) QR(3,4,9,14)
    x0 += x5; x15 = rotl<u32>(x15 ^ x0, 16); x10 += x15; x5 = rotl<u32>(x5 ^ x10, 12);
    x0 += x5; x15 = rotl<u32>(x15 ^ x0, 8); x10 += x15; x5 = rotl<u32>(x5 ^ x10, 7);
    x1 += x6; x12 = rotl<u32>(x12 ^ x1, 16); x11 += x12; x6 = rotl<u32>(x6 ^ x11, 12);
    x1 += x6; x12 = rotl<u32>(x12 ^ x1, 8); x11 += x12; x6 = rotl<u32>(x6 ^ x11, 7);
    x2 += x7; x13 = rotl<u32>(x13 ^ x2, 16); x8 += x13; x7 = rotl<u32>(x7 ^ x8, 12);
    x2 += x7; x13 = rotl<u32>(x13 ^ x2, 8); x8 += x13; x7 = rotl<u32>(x7 ^ x8, 7);
    x3 += x4; x14 = rotl<u32>(x14 ^ x3, 16); x9 += x14; x4 = rotl<u32>(x4 ^ x9, 12);
    x3 += x4; x14 = rotl<u32>(x14 ^ x3, 8); x9 += x14; x4 = rotl<u32>(x4 ^ x9, 7);
  }

  store<u32>(outPtr, x0 + SIGMA0, 0);
  store<u32>(outPtr, x1 + SIGMA1, 4);
  store<u32>(outPtr, x2 + SIGMA2, 8);
  store<u32>(outPtr, x3 + SIGMA3, 12);
  store<u32>(outPtr, x4 + k0, 16);
  store<u32>(outPtr, x5 + k1, 20);
  store<u32>(outPtr, x6 + k2, 24);
  store<u32>(outPtr, x7 + k3, 28);
  store<u32>(outPtr, x8 + k4, 32);
  store<u32>(outPtr, x9 + k5, 36);
  store<u32>(outPtr, x10 + k6, 40);
  store<u32>(outPtr, x11 + k7, 44);
  store<u32>(outPtr, x12 + counter, 48);
  store<u32>(outPtr, x13 + n0, 52);
  store<u32>(outPtr, x14 + n1, 56);
  store<u32>(outPtr, x15 + n2, 60);
}

/** Scalar keystream of len bytes from block `counter` on, with key and nonce already in PARAMS. */
@inline
function scalarKeystream(counter: u32, outPtr: usize, len: u32): void {
  let blocks = len >>> 6;
  while (blocks > 0) {
    scalarBlock(PARAMS, counter, PARAMS_NONCE, outPtr);
    counter++;
    outPtr += 64;
    blocks--;
  }
  const rest = len & 63;
  if (rest != 0) {
    scalarBlock(PARAMS, counter, PARAMS_NONCE, PARTIAL_BLOCK);
    memory.copy(outPtr, PARTIAL_BLOCK, rest);
  }
}

/** XORs len bytes of in with the scalar keystream from block `counter` into out (tail of chacha20Xor). */
@inline
function scalarXor(counter: u32, inPtr: usize, outPtr: usize, len: u32): void {
  while (len > 0) {
    scalarBlock(PARAMS, counter, PARAMS_NONCE, PARTIAL_BLOCK);
    counter++;
    const n = len < 64 ? len : 64;
    let i: u32 = 0;
    for (; i + 8 <= n; i += 8) {
      store<u64>(outPtr + i, load<u64>(inPtr + i) ^ load<u64>(PARTIAL_BLOCK + i));
    }
    for (; i < n; i++) {
      store<u8>(outPtr + i, load<u8>(inPtr + i) ^ load<u8>(PARTIAL_BLOCK + i));
    }
    inPtr += n;
    outPtr += n;
    len -= n;
  }
}

/** Writes one 64-byte ChaCha20 block for (key, counter, nonce) to out (RFC 8439 §2.3). */
export function chacha20Block(keyPtr: usize, counter: u32, noncePtr: usize, outPtr: usize): void {
  scalarBlock(keyPtr, counter, noncePtr, outPtr);
}

/** Writes len bytes of keystream, starting at block `counter`, one block at a time. */
export function chacha20Keystream(keyPtr: usize, noncePtr: usize, counter: u32, outPtr: usize, len: u32): void {
  copyParams(keyPtr, noncePtr);
  scalarKeystream(counter, outPtr, len);
}

// ---------------------------------------------------------------------------------------------
// SIMD: four blocks per pass, lane j = block (counter + j)

// Rotation by 16 swaps the 16-bit halves of each lane: a shuffle that V8 lowers to two cheap
// word shuffles. Rotation by 8 as a byte shuffle needs a pshufb with a mask from memory, which
// measured ~15% slower overall than two shifts and an or, so it uses shifts like 12 and 7.
@inline
function rotl16(x: v128): v128 {
  return i8x16.shuffle(x, x, 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13);
}

@inline
function rotl8(x: v128): v128 {
  return v128.or(i32x4.shl(x, 8), i32x4.shr_u(x, 24));
}

@inline
function rotl12(x: v128): v128 {
  return v128.or(i32x4.shl(x, 12), i32x4.shr_u(x, 20));
}

@inline
function rotl7(x: v128): v128 {
  return v128.or(i32x4.shl(x, 7), i32x4.shr_u(x, 25));
}

/**
 * Transposes the 4x4 u32 matrix (a, b, c, d) so row j is lane j of every input, then stores row j
 * (XORed with the input when `xor`) at out + 64*j. `xor` is a compile-time constant at every call.
 */
@inline
function storeRows(a: v128, b: v128, c: v128, d: v128, inPtr: usize, outPtr: usize, xor: bool): void {
  const ab01 = i32x4.shuffle(a, b, 0, 4, 1, 5); // a0 b0 a1 b1
  const cd01 = i32x4.shuffle(c, d, 0, 4, 1, 5); // c0 d0 c1 d1
  const ab23 = i32x4.shuffle(a, b, 2, 6, 3, 7); // a2 b2 a3 b3
  const cd23 = i32x4.shuffle(c, d, 2, 6, 3, 7); // c2 d2 c3 d3
  let r0 = i64x2.shuffle(ab01, cd01, 0, 2); // a0 b0 c0 d0
  let r1 = i64x2.shuffle(ab01, cd01, 1, 3); // a1 b1 c1 d1
  let r2 = i64x2.shuffle(ab23, cd23, 0, 2); // a2 b2 c2 d2
  let r3 = i64x2.shuffle(ab23, cd23, 1, 3); // a3 b3 c3 d3
  if (xor) {
    r0 = v128.xor(r0, v128.load(inPtr, 0));
    r1 = v128.xor(r1, v128.load(inPtr, 64));
    r2 = v128.xor(r2, v128.load(inPtr, 128));
    r3 = v128.xor(r3, v128.load(inPtr, 192));
  }
  v128.store(outPtr, r0, 0);
  v128.store(outPtr, r1, 64);
  v128.store(outPtr, r2, 128);
  v128.store(outPtr, r3, 192);
}

/**
 * Runs the four-block SIMD loop over the first (len & ~255) bytes, with key and nonce in PARAMS,
 * and returns how many bytes it covered; when `xor` it XORs in with the keystream, otherwise it
 * writes the keystream alone.
 */
@inline
function simdGroups(counter: u32, inPtr: usize, outPtr: usize, len: u32, xor: bool): u32 {
  const groups = len >>> 8;
  if (groups == 0) return 0;

  const s4 = v128.load32_splat(PARAMS, 0);
  const s5 = v128.load32_splat(PARAMS, 4);
  const s6 = v128.load32_splat(PARAMS, 8);
  const s7 = v128.load32_splat(PARAMS, 12);
  const s8 = v128.load32_splat(PARAMS, 16);
  const s9 = v128.load32_splat(PARAMS, 20);
  const s10 = v128.load32_splat(PARAMS, 24);
  const s11 = v128.load32_splat(PARAMS, 28);
  let s12 = i32x4.add(i32x4.splat(counter), i32x4(0, 1, 2, 3));
  const s13 = v128.load32_splat(PARAMS_NONCE, 0);
  const s14 = v128.load32_splat(PARAMS_NONCE, 4);
  const s15 = v128.load32_splat(PARAMS_NONCE, 8);
  const four = i32x4.splat(4);

  for (let g: u32 = 0; g < groups; g++) {
    let x0 = i32x4.splat(SIGMA0), x1 = i32x4.splat(SIGMA1), x2 = i32x4.splat(SIGMA2), x3 = i32x4.splat(SIGMA3);
    let x4 = s4, x5 = s5, x6 = s6, x7 = s7;
    let x8 = s8, x9 = s9, x10 = s10, x11 = s11;
    let x12 = s12, x13 = s13, x14 = s14, x15 = s15;

    for (let i = 0; i < 10; i++) {
      // Column round: QR(0,4,8,12) QR(1,5,9,13) QR(2,6,10,14) QR(3,7,11,15), interleaved.
      x0 = i32x4.add(x0, x4); x1 = i32x4.add(x1, x5); x2 = i32x4.add(x2, x6); x3 = i32x4.add(x3, x7);
      x12 = rotl16(v128.xor(x12, x0)); x13 = rotl16(v128.xor(x13, x1));
      x14 = rotl16(v128.xor(x14, x2)); x15 = rotl16(v128.xor(x15, x3));
      x8 = i32x4.add(x8, x12); x9 = i32x4.add(x9, x13); x10 = i32x4.add(x10, x14); x11 = i32x4.add(x11, x15);
      x4 = rotl12(v128.xor(x4, x8)); x5 = rotl12(v128.xor(x5, x9));
      x6 = rotl12(v128.xor(x6, x10)); x7 = rotl12(v128.xor(x7, x11));
      x0 = i32x4.add(x0, x4); x1 = i32x4.add(x1, x5); x2 = i32x4.add(x2, x6); x3 = i32x4.add(x3, x7);
      x12 = rotl8(v128.xor(x12, x0)); x13 = rotl8(v128.xor(x13, x1));
      x14 = rotl8(v128.xor(x14, x2)); x15 = rotl8(v128.xor(x15, x3));
      x8 = i32x4.add(x8, x12); x9 = i32x4.add(x9, x13); x10 = i32x4.add(x10, x14); x11 = i32x4.add(x11, x15);
      x4 = rotl7(v128.xor(x4, x8)); x5 = rotl7(v128.xor(x5, x9));
      x6 = rotl7(v128.xor(x6, x10)); x7 = rotl7(v128.xor(x7, x11));
      // Diagonal round: QR(0,5,10,15) QR(1,6,11,12) QR(2,7,8,13) QR(3,4,9,14), interleaved.
      x0 = i32x4.add(x0, x5); x1 = i32x4.add(x1, x6); x2 = i32x4.add(x2, x7); x3 = i32x4.add(x3, x4);
      x15 = rotl16(v128.xor(x15, x0)); x12 = rotl16(v128.xor(x12, x1));
      x13 = rotl16(v128.xor(x13, x2)); x14 = rotl16(v128.xor(x14, x3));
      x10 = i32x4.add(x10, x15); x11 = i32x4.add(x11, x12); x8 = i32x4.add(x8, x13); x9 = i32x4.add(x9, x14);
      x5 = rotl12(v128.xor(x5, x10)); x6 = rotl12(v128.xor(x6, x11));
      x7 = rotl12(v128.xor(x7, x8)); x4 = rotl12(v128.xor(x4, x9));
      x0 = i32x4.add(x0, x5); x1 = i32x4.add(x1, x6); x2 = i32x4.add(x2, x7); x3 = i32x4.add(x3, x4);
      x15 = rotl8(v128.xor(x15, x0)); x12 = rotl8(v128.xor(x12, x1));
      x13 = rotl8(v128.xor(x13, x2)); x14 = rotl8(v128.xor(x14, x3));
      x10 = i32x4.add(x10, x15); x11 = i32x4.add(x11, x12); x8 = i32x4.add(x8, x13); x9 = i32x4.add(x9, x14);
      x5 = rotl7(v128.xor(x5, x10)); x6 = rotl7(v128.xor(x6, x11));
      x7 = rotl7(v128.xor(x7, x8)); x4 = rotl7(v128.xor(x4, x9));
    }

    x0 = i32x4.add(x0, i32x4.splat(SIGMA0));
    x1 = i32x4.add(x1, i32x4.splat(SIGMA1));
    x2 = i32x4.add(x2, i32x4.splat(SIGMA2));
    x3 = i32x4.add(x3, i32x4.splat(SIGMA3));
    storeRows(x0, x1, x2, x3, inPtr, outPtr, xor);
    storeRows(i32x4.add(x4, s4), i32x4.add(x5, s5), i32x4.add(x6, s6), i32x4.add(x7, s7), inPtr + 16, outPtr + 16, xor);
    storeRows(i32x4.add(x8, s8), i32x4.add(x9, s9), i32x4.add(x10, s10), i32x4.add(x11, s11), inPtr + 32, outPtr + 32, xor);
    storeRows(i32x4.add(x12, s12), i32x4.add(x13, s13), i32x4.add(x14, s14), i32x4.add(x15, s15), inPtr + 48, outPtr + 48, xor);

    s12 = i32x4.add(s12, four);
    inPtr += 256;
    outPtr += 256;
  }
  return groups << 8;
}

/** Writes len bytes of keystream, starting at block `counter`, four blocks per SIMD pass. */
export function chacha20KeystreamSimd(keyPtr: usize, noncePtr: usize, counter: u32, outPtr: usize, len: u32): void {
  copyParams(keyPtr, noncePtr);
  const done = simdGroups(counter, 0, outPtr, len, false);
  scalarKeystream(counter + (done >>> 6), outPtr + done, len - done);
}

/** Encrypts (or decrypts) len bytes from in to out with the keystream from block `counter`; in == out is allowed. */
export function chacha20Xor(keyPtr: usize, noncePtr: usize, counter: u32, inPtr: usize, outPtr: usize, len: u32): void {
  copyParams(keyPtr, noncePtr);
  const done = simdGroups(counter, inPtr, outPtr, len, true);
  scalarXor(counter + (done >>> 6), inPtr + done, outPtr + done, len - done);
}
