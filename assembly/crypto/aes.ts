// AES-256 encryption (FIPS-197), the block cipher of the CTR_DRBG that OpenSSL, BoringSSL and
// AWS-LC run in user space. Only the forward direction: CTR_DRBG never decrypts.
//
// Table form: the S-box is computed at first use from its definition (multiplicative inverse in
// GF(2^8), then the affine map), and four 256-entry u32 tables fold SubBytes, ShiftRows and
// MixColumns into one lookup per byte per round. Words are big-endian as in FIPS-197 §3.
//
// Static memory: SBOX 256 B | TE 4 x 1 KiB | ROUND_KEYS 240 B (15 round keys) | LAST_KEY 32 B
// (the key ROUND_KEYS was expanded from) | DF_ROUND_KEYS 240 B (CTR_DRBG's fixed df key).
// Nothing allocates; pointers may be unaligned.
//
// Key schedules are the cipher's own work, not the model's: encryption uses the schedule last
// selected, a key set again right after itself is not expanded again (CTR_DRBG's update sets
// the key its generate just used), and the df's fixed key is expanded once. The blocks
// encrypted, which the model charges, are the same.

const SBOX = memory.data(256, 16);
const TE = memory.data(4 * 1024, 16);
/** Expanded key: 60 big-endian words (Nk = 8, Nr = 14). */
export const AES_ROUND_KEYS = memory.data(240, 16);
const LAST_KEY = memory.data(32, 16);
const DF_KEY = memory.data(32, 16); // 0x00 01 .. 1F (SP 800-90A §10.3.2 step 8)
const DF_ROUND_KEYS = memory.data(240, 16);
let tablesReady = false;
let lastKeyValid = false;
let dfReady = false;
let current: usize = AES_ROUND_KEYS;

function xtime(a: u32): u32 {
  return ((a << 1) ^ (a & 0x80 ? 0x1b : 0)) & 0xff;
}

function gmul(a: u32, b: u32): u32 {
  let p: u32 = 0;
  for (let i = 0; i < 8; i++) {
    if (b & 1) p ^= a;
    a = xtime(a);
    b >>= 1;
  }
  return p;
}

function initTables(): void {
  // S-box: inverse in GF(2^8) (a^254), then the affine transformation with 0x63
  for (let x: u32 = 0; x < 256; x++) {
    let inv: u32 = 0;
    if (x != 0) {
      let r: u32 = 1;
      let base = x;
      let e: u32 = 254;
      while (e > 0) {
        if (e & 1) r = gmul(r, base);
        base = gmul(base, base);
        e >>= 1;
      }
      inv = r;
    }
    let s = inv;
    for (let i = 1; i < 5; i++) s ^= ((inv << i) | (inv >> (8 - i))) & 0xff;
    store<u8>(SBOX + x, <u8>(s ^ 0x63));
  }
  for (let x: u32 = 0; x < 256; x++) {
    const s = <u32>load<u8>(SBOX + x);
    const s2 = xtime(s);
    const s3 = s2 ^ s;
    const t0 = (s2 << 24) | (s << 16) | (s << 8) | s3;
    store<u32>(TE + (x << 2), t0);
    store<u32>(TE + 1024 + (x << 2), rotr<u32>(t0, 8));
    store<u32>(TE + 2048 + (x << 2), rotr<u32>(t0, 16));
    store<u32>(TE + 3072 + (x << 2), rotr<u32>(t0, 24));
  }
  tablesReady = true;
}

// @ts-ignore: decorator
@inline function be32(p: usize): u32 {
  return bswap<u32>(load<u32>(p));
}

// @ts-ignore: decorator
@inline function sb(x: u32): u32 {
  return <u32>load<u8>(SBOX + (x & 0xff));
}

/** Key expansion (FIPS-197 §5.2) of the 32-byte key at key into w (240 bytes). */
function expandKey(key: usize, w: usize): void {
  if (!tablesReady) initTables();
  for (let i: usize = 0; i < 8; i++) store<u32>(w + (i << 2), be32(key + (i << 2)));
  let rcon: u32 = 1;
  for (let i: usize = 8; i < 60; i++) {
    let t = load<u32>(w + ((i - 1) << 2));
    if (i % 8 == 0) {
      t = (sb(t >> 16) << 24) | (sb(t >> 8) << 16) | (sb(t) << 8) | sb(t >> 24); // SubWord(RotWord)
      t ^= rcon << 24;
      rcon = xtime(rcon);
    } else if (i % 8 == 4) {
      t = (sb(t >> 24) << 24) | (sb(t >> 16) << 16) | (sb(t >> 8) << 8) | sb(t);
    }
    store<u32>(w + (i << 2), load<u32>(w + ((i - 8) << 2)) ^ t);
  }
}

/** Selects the 32-byte key at key for aes256Encrypt (expanding it unless it is the last one set). */
export function aes256SetKey(key: usize): void {
  current = AES_ROUND_KEYS;
  if (
    lastKeyValid &&
    load<u64>(key) == load<u64>(LAST_KEY) &&
    load<u64>(key, 8) == load<u64>(LAST_KEY, 8) &&
    load<u64>(key, 16) == load<u64>(LAST_KEY, 16) &&
    load<u64>(key, 24) == load<u64>(LAST_KEY, 24)
  )
    return;
  memory.copy(LAST_KEY, key, 32);
  expandKey(LAST_KEY, AES_ROUND_KEYS);
  lastKeyValid = true;
}

/** Selects CTR_DRBG's df key (0x00 01 .. 1F) for aes256Encrypt; expanded once. */
export function aes256SetDfKey(): void {
  if (!dfReady) {
    for (let i: u32 = 0; i < 32; i++) store<u8>(DF_KEY + i, <u8>i);
    expandKey(DF_KEY, DF_ROUND_KEYS);
    dfReady = true;
  }
  current = DF_ROUND_KEYS;
}

// @ts-ignore: decorator
@inline function te(n: usize, x: u32): u32 {
  return load<u32>(TE + (n << 10) + ((<usize>(x & 0xff)) << 2));
}

/** Encrypts the 16 bytes at input into out (they may be the same) under the key last set. */
export function aes256Encrypt(input: usize, out: usize): void {
  const w = current;
  let s0 = be32(input) ^ load<u32>(w);
  let s1 = be32(input + 4) ^ load<u32>(w + 4);
  let s2 = be32(input + 8) ^ load<u32>(w + 8);
  let s3 = be32(input + 12) ^ load<u32>(w + 12);
  for (let round: usize = 1; round < 14; round++) {
    const k = w + (round << 4);
    const t0 = te(0, s0 >> 24) ^ te(1, s1 >> 16) ^ te(2, s2 >> 8) ^ te(3, s3) ^ load<u32>(k);
    const t1 = te(0, s1 >> 24) ^ te(1, s2 >> 16) ^ te(2, s3 >> 8) ^ te(3, s0) ^ load<u32>(k + 4);
    const t2 = te(0, s2 >> 24) ^ te(1, s3 >> 16) ^ te(2, s0 >> 8) ^ te(3, s1) ^ load<u32>(k + 8);
    const t3 = te(0, s3 >> 24) ^ te(1, s0 >> 16) ^ te(2, s1 >> 8) ^ te(3, s2) ^ load<u32>(k + 12);
    s0 = t0;
    s1 = t1;
    s2 = t2;
    s3 = t3;
  }
  const k = w + 224;
  const o0 = ((sb(s0 >> 24) << 24) | (sb(s1 >> 16) << 16) | (sb(s2 >> 8) << 8) | sb(s3)) ^ load<u32>(k);
  const o1 = ((sb(s1 >> 24) << 24) | (sb(s2 >> 16) << 16) | (sb(s3 >> 8) << 8) | sb(s0)) ^ load<u32>(k + 4);
  const o2 = ((sb(s2 >> 24) << 24) | (sb(s3 >> 16) << 16) | (sb(s0 >> 8) << 8) | sb(s1)) ^ load<u32>(k + 8);
  const o3 = ((sb(s3 >> 24) << 24) | (sb(s0 >> 16) << 16) | (sb(s1 >> 8) << 8) | sb(s2)) ^ load<u32>(k + 12);
  store<u32>(out, bswap<u32>(o0));
  store<u32>(out + 4, bswap<u32>(o1));
  store<u32>(out + 8, bswap<u32>(o2));
  store<u32>(out + 12, bswap<u32>(o3));
}
