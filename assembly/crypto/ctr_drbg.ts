// CTR_DRBG with AES-256 and the derivation function (NIST SP 800-90A Rev. 1, §10.2.1 and
// §10.3.2): the DRBG of OpenSSL 1.1.1 and 3.0 (RAND_DRBG_TYPE NID_aes_256_ctr, flags 0 = df on),
// of BoringSSL's per-thread state (CTR_DRBG_init(..., df = true, ...)) and, in the model, of
// AWS-LC. Checked against the NIST CAVP "CTR_DRBG AES-256 use df" vectors
// (tests/ctr-drbg.test.ts).
//
// State (48 bytes, in a guest page): Key[32] | V[16]. The reseed counter and the libraries'
// other bookkeeping live beside it (libs/). seedlen = 48, blocklen = 16, keylen = 32.
//
// Inputs are passed as one contiguous buffer (callers concatenate entropy || nonce || pers or
// entropy || adin); at most DF_MAX_INPUT bytes.

import { aes256Encrypt, aes256SetDfKey, aes256SetKey } from './aes';

export const DRBG_KEY: usize = 0;
export const DRBG_V: usize = 32;
export const DRBG_STATE_BYTES: u32 = 48;
const SEEDLEN: u32 = 48;
/** The longest df input the model passes (entropy 48 + nonce 16 + personalisation or adin). */
export const DF_MAX_INPUT: u32 = 192;

const S = memory.data(16 + 8 + 192 + 16, 16); // IV || L || N || input || 0x80 || pad
const TEMP = memory.data(64, 16);
const CHAIN = memory.data(16, 16);
const SEED = memory.data(48, 16);
const BLOCK = memory.data(16, 16);
let blocks: u32 = 0;

/** AES blocks encrypted since the last call of aesBlocksTaken (the libraries charge them). */
export function aesBlocksTaken(): u32 {
  const n = blocks;
  blocks = 0;
  return n;
}

function enc(input: usize, out: usize): void {
  aes256Encrypt(input, out);
  blocks++;
}

/** V = (V + 1) mod 2^128, big-endian. */
function incV(v: usize): void {
  for (let i: i32 = 15; i >= 0; i--) {
    const b = <u32>load<u8>(v + i) + 1;
    store<u8>(v + i, <u8>b);
    if (b < 256) return;
  }
}

/** CTR_DRBG_Update (§10.2.1.2): provided is seedlen bytes (or 0 for all zeros). */
function update(st: usize, provided: usize): void {
  aes256SetKey(st + DRBG_KEY);
  for (let i: usize = 0; i < 3; i++) {
    incV(st + DRBG_V);
    enc(st + DRBG_V, TEMP + (i << 4));
  }
  if (provided != 0) for (let i: usize = 0; i < 48; i += 8) store<u64>(TEMP + i, load<u64>(TEMP + i) ^ load<u64>(provided + i));
  memory.copy(st + DRBG_KEY, TEMP, 32);
  memory.copy(st + DRBG_V, TEMP + 32, 16);
  memory.fill(TEMP, 0, 48);
}

/** BCC (§10.3.3) under the key last set, over n 16-byte blocks at data; result in CHAIN. */
function bcc(data: usize, n: u32): void {
  memory.fill(CHAIN, 0, 16);
  for (let b: u32 = 0; b < n; b++) {
    const p = data + (<usize>b << 4);
    store<u64>(CHAIN, load<u64>(CHAIN) ^ load<u64>(p));
    store<u64>(CHAIN + 8, load<u64>(CHAIN + 8) ^ load<u64>(p + 8));
    enc(CHAIN, CHAIN);
  }
}

/** Block_Cipher_df (§10.3.2): 48 bytes at out from len (<= DF_MAX_INPUT) bytes at input. */
function df(input: usize, len: u32, out: usize): void {
  // S = L || N || input || 0x80, zero-padded to a multiple of 16; IV (16 bytes) in front
  const body = 8 + len + 1;
  const padded = (body + 15) & ~15;
  memory.fill(S, 0, 16 + padded);
  store<u32>(S + 16, bswap<u32>(len));
  store<u32>(S + 20, bswap<u32>(SEEDLEN));
  memory.copy(S + 24, input, len);
  store<u8>(S + 24 + len, 0x80);
  aes256SetDfKey();
  for (let i: u32 = 0; i < 3; i++) {
    store<u32>(S, bswap<u32>(i)); // IV = i || 0^96
    bcc(S, (16 + padded) >> 4);
    memory.copy(TEMP + (<usize>i << 4), CHAIN, 16);
  }
  // K = leftmost 32 bytes, X = next 16; then X = E(K, X) three times
  aes256SetKey(TEMP);
  memory.copy(BLOCK, TEMP + 32, 16);
  for (let i: usize = 0; i < 3; i++) {
    enc(BLOCK, BLOCK);
    memory.copy(out + (i << 4), BLOCK, 16);
  }
  memory.fill(TEMP, 0, 48);
}

/** Instantiate (§10.2.1.3.2): seed material = the len bytes at input (entropy || nonce || pers). */
export function ctrDrbgInstantiate(st: usize, input: usize, len: u32): void {
  df(input, len, SEED);
  memory.fill(st, 0, DRBG_STATE_BYTES);
  update(st, SEED);
  memory.fill(SEED, 0, 48);
}

/** Reseed (§10.2.1.4.2): seed material = the len bytes at input (entropy || adin). */
export function ctrDrbgReseed(st: usize, input: usize, len: u32): void {
  df(input, len, SEED);
  update(st, SEED);
  memory.fill(SEED, 0, 48);
}

/**
 * Generate (§10.2.1.5.2): len bytes at out; adin (alen bytes, 0 = none) is passed through the
 * df, used before and after the output blocks.
 */
export function ctrDrbgGenerate(st: usize, out: usize, len: u32, adin: usize, alen: u32): void {
  let provided: usize = 0;
  if (alen > 0) {
    df(adin, alen, SEED);
    update(st, SEED);
    provided = SEED;
  }
  aes256SetKey(st + DRBG_KEY);
  let done: u32 = 0;
  while (done < len) {
    incV(st + DRBG_V);
    enc(st + DRBG_V, BLOCK);
    const n = min<u32>(16, len - done);
    memory.copy(out + done, BLOCK, n);
    done += n;
  }
  update(st, provided);
  memory.fill(SEED, 0, 48);
  memory.fill(BLOCK, 0, 16);
}
