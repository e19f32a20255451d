// BLAKE2s-256 (RFC 7693), the hash of Linux's input pool since 5.17. Streaming over a state the
// caller places anywhere (in the model: a guest kernel page), so the pool is bytes in the guest.
//
// State (BLAKE2S_STATE_BYTES = 112):
//    0  h[8]     u32 x 8   chaining value
//   32  t        u64       bytes compressed so far
//   40  buflen   u32       bytes waiting in buf
//   44  outlen   u32       digest length (1..32)
//   48  buf[64]            the last, not yet compressed block
// Nothing allocates; the message schedule and working vector live in static memory.

export const BLAKE2S_STATE_BYTES: u32 = 112;
const IV: StaticArray<u32> = [
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];
const SIGMA: StaticArray<u8> = [
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3, 11, 8,
  12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4, 7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8, 9, 0, 5, 7, 2,
  4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13, 2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9, 12, 5, 1, 15, 14, 13,
  4, 10, 0, 7, 6, 3, 9, 2, 8, 11, 13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10, 6, 15, 14, 9, 11, 3, 0, 8,
  12, 2, 13, 7, 1, 4, 10, 5, 10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0,
];
const V: usize = memory.data(64, 16);
const M: usize = memory.data(64, 16);
const KEYBLOCK: usize = memory.data(64, 16);

// @ts-ignore: decorator
@inline function rv(i: u32): u32 {
  return load<u32>(V + (<usize>i << 2));
}
// @ts-ignore: decorator
@inline function sv(i: u32, x: u32): void {
  store<u32>(V + (<usize>i << 2), x);
}
// @ts-ignore: decorator
@inline function mw(i: u32): u32 {
  return load<u32>(M + (<usize>i << 2));
}

function g(a: u32, b: u32, c: u32, d: u32, x: u32, y: u32): void {
  sv(a, rv(a) + rv(b) + x);
  sv(d, rotr<u32>(rv(d) ^ rv(a), 16));
  sv(c, rv(c) + rv(d));
  sv(b, rotr<u32>(rv(b) ^ rv(c), 12));
  sv(a, rv(a) + rv(b) + y);
  sv(d, rotr<u32>(rv(d) ^ rv(a), 8));
  sv(c, rv(c) + rv(d));
  sv(b, rotr<u32>(rv(b) ^ rv(c), 7));
}

function compress(s: usize, block: usize, last: bool): void {
  memory.copy(M, block, 64);
  for (let i: u32 = 0; i < 8; i++) {
    sv(i, load<u32>(s + (<usize>i << 2)));
    sv(i + 8, unchecked(IV[i]));
  }
  const t = load<u64>(s + 32);
  sv(12, rv(12) ^ <u32>t);
  sv(13, rv(13) ^ <u32>(t >> 32));
  if (last) sv(14, ~rv(14));
  for (let r: u32 = 0; r < 10; r++) {
    const o = r * 16;
    g(0, 4, 8, 12, mw(unchecked(SIGMA[o + 0])), mw(unchecked(SIGMA[o + 1])));
    g(1, 5, 9, 13, mw(unchecked(SIGMA[o + 2])), mw(unchecked(SIGMA[o + 3])));
    g(2, 6, 10, 14, mw(unchecked(SIGMA[o + 4])), mw(unchecked(SIGMA[o + 5])));
    g(3, 7, 11, 15, mw(unchecked(SIGMA[o + 6])), mw(unchecked(SIGMA[o + 7])));
    g(0, 5, 10, 15, mw(unchecked(SIGMA[o + 8])), mw(unchecked(SIGMA[o + 9])));
    g(1, 6, 11, 12, mw(unchecked(SIGMA[o + 10])), mw(unchecked(SIGMA[o + 11])));
    g(2, 7, 8, 13, mw(unchecked(SIGMA[o + 12])), mw(unchecked(SIGMA[o + 13])));
    g(3, 4, 9, 14, mw(unchecked(SIGMA[o + 14])), mw(unchecked(SIGMA[o + 15])));
  }
  for (let i: u32 = 0; i < 8; i++) {
    const a = s + (<usize>i << 2);
    store<u32>(a, load<u32>(a) ^ rv(i) ^ rv(i + 8));
  }
}

/** Initialises a state at s for an outlen-byte digest, keyed with keylen bytes at key (0: unkeyed). */
export function blake2sInit(s: usize, outlen: u32, key: usize, keylen: u32): void {
  for (let i: u32 = 0; i < 8; i++) store<u32>(s + (<usize>i << 2), unchecked(IV[i]));
  store<u32>(s, load<u32>(s) ^ (0x01010000 | (keylen << 8) | outlen));
  store<u64>(s + 32, 0);
  store<u32>(s + 40, 0);
  store<u32>(s + 44, outlen);
  memory.fill(s + 48, 0, 64);
  if (keylen > 0) {
    memory.fill(KEYBLOCK, 0, 64);
    memory.copy(KEYBLOCK, key, keylen);
    blake2sUpdate(s, KEYBLOCK, 64);
  }
}

/** Absorbs len bytes at p. */
export function blake2sUpdate(s: usize, p: usize, len: u32): void {
  let off: u32 = 0;
  while (off < len) {
    // the state lives in guest memory: never trust its length field past one block
    let buflen = min<u32>(load<u32>(s + 40), 64);
    if (buflen == 64) {
      // only compress a full buffer once more input arrives: the last block is compressed by final
      store<u64>(s + 32, load<u64>(s + 32) + 64);
      compress(s, s + 48, false);
      buflen = 0;
    }
    const n = min<u32>(64 - buflen, len - off);
    memory.copy(s + 48 + buflen, p + off, n);
    store<u32>(s + 40, buflen + n);
    off += n;
  }
}

/** Finishes the hash and writes the digest (outlen bytes) at out; the state is spent. */
export function blake2sFinal(s: usize, out: usize): void {
  const buflen = min<u32>(load<u32>(s + 40), 64);
  store<u64>(s + 32, load<u64>(s + 32) + buflen);
  memory.fill(s + 48 + buflen, 0, 64 - buflen);
  compress(s, s + 48, true);
  memory.copy(out, s, min<u32>(load<u32>(s + 44), 32));
}

/** One-shot keyed BLAKE2s: out = BLAKE2s-outlen(key, in[inlen]). `scratch` holds a state. */
export function blake2s(out: usize, outlen: u32, inp: usize, inlen: u32, key: usize, keylen: u32, scratch: usize): void {
  blake2sInit(scratch, outlen, key, keylen);
  blake2sUpdate(scratch, inp, inlen);
  blake2sFinal(scratch, out);
}
