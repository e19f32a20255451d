// The CRNG of Linux before 5.17 (read at 5.10.7, drivers/char/random.c): one primary_crng, a
// 16-word ChaCha20 state, reseeded from the input pool at most every CRNG_RESEED_INTERVAL =
// 300 s and only if 16 bytes of entropy are credited; and in _extract_crng() RDRAND, where the
// CPU has it, XORed into state[14] before EVERY 64-byte block: on such a CPU clones differ from
// their first output, whatever else happens. After each request _crng_backtrack_protect() XORs a
// fresh block into the key words. (5.10 has no vmgenid driver.) The model keeps the state in the
// kdata page from byte 320; the pool extraction uses the pool's BLAKE2s (5.10 hashed with SHA-1):
// the hash does not decide uniqueness.
//
//   320 state u32[16]   384 init_time f64 (ns)   392 credited entropy bits u32

import { blake2sFinal, blake2sInit } from '../crypto/blake2s';
import { chacha20Block } from '../crypto/chacha20';
import { cost, COST_CHACHA_BLOCK } from '../vmm/costs';
import { EV_PERIODIC_RESEED, logEvent } from '../vmm/events';
import { CAUSE_RDRAND, ledgerCrng, ledgerReseed } from '../vmm/ledger';
import { advance, clockOf, vs, VS_KDATA_PAGE } from '../vmm/vmstate';
import { pageForRead, pageForWrite } from '../memory/guest_memory';
import { archLong, archSeedLong, randomGetEntropy } from './timing';

const K5_STATE: usize = 320;
export const K5_INIT_TIME: usize = 384;
const K5_CREDIT: usize = 392;
const K_POOL: usize = 88; // crng.ts K_POOL
/** CRNG_RESEED_INTERVAL in 5.10: 300 s. */
export const CRNG_RESEED_INTERVAL_510_NS: f64 = 300e9;
/** extract_entropy(r, buf, 32, 16, 0): a reseed needs 16 credited bytes. */
const RESEED_MIN_BITS: u32 = 128;
/** Bits the pool holds credited when the snapshot is taken (a booted guest's pool is full: 4096). */
const POOL_BITS: u32 = 4096;

const BLOCK = memory.data(64, 16);
const BUF = memory.data(32, 16);
const WORD = memory.data(8, 8);
const ZERO_NONCE = memory.data(16, 16);

function kW(r: usize): usize {
  return pageForWrite(r, load<u32>(vs(r, VS_KDATA_PAGE)));
}

function kR(r: usize): usize {
  return pageForRead(r, load<u32>(vs(r, VS_KDATA_PAGE)));
}

/** One word of RDSEED, else RDRAND, else the cycle counter; returns its hardware bits. */
function seedWord(r: usize): u32 {
  if (archSeedLong(r, WORD) || archLong(r, WORD)) return 64;
  store<u64>(WORD, randomGetEntropy(r));
  return 0;
}

/** crng_initialize_primary at boot: constants, a key from the pool, the rest XORed with arch words. */
export function initCrng510(r: usize): void {
  const k = kW(r);
  const s = k + K5_STATE;
  store<u32>(s, 0x61707865);
  store<u32>(s + 4, 0x3320646e);
  store<u32>(s + 8, 0x79622d32);
  store<u32>(s + 12, 0x6b206574);
  blake2sFinal(k + K_POOL, BUF);
  blake2sInit(k + K_POOL, 32, BUF, 32);
  memory.copy(s + 16, BUF, 32);
  for (let i: usize = 4; i < 16; i++) {
    seedWord(r);
    store<u32>(s + (i << 2), load<u32>(s + (i << 2)) ^ load<u32>(WORD));
  }
  store<f64>(k + K5_INIT_TIME, clockOf(r));
  store<u32>(k + K5_CREDIT, POOL_BITS);
  memory.fill(BUF, 0, 32);
}

/**
 * crng_reseed(&primary_crng, &input_pool): skipped (init_time unchanged) unless 16 bytes are
 * credited; else 32 bytes of pool output and one RDSEED / RDRAND / cycle word are XORed into
 * each key word, and init_time = now.
 */
export function crng510Reseed(r: usize, vm: u32, why: u32, t: f64, cause: u32): void {
  const k = kW(r);
  const credit = load<u32>(k + K5_CREDIT);
  if (credit < RESEED_MIN_BITS) return;
  store<u32>(k + K5_CREDIT, credit - min<u32>(credit, 256));
  blake2sFinal(k + K_POOL, BUF);
  blake2sInit(k + K_POOL, 32, BUF, 32);
  let archBits: u32 = 0;
  const s = k + K5_STATE;
  for (let i: usize = 0; i < 8; i++) {
    archBits += seedWord(r) >> 1; // the key word takes the low 32 bits of the long
    const at = s + ((4 + i) << 2);
    store<u32>(at, load<u32>(at) ^ load<u32>(BUF + (i << 2)) ^ load<u32>(WORD));
  }
  ledgerReseed(vm, archBits, cause);
  store<f64>(k + K5_INIT_TIME, t);
  memory.fill(BUF, 0, 32);
  logEvent(vm, why, t, 0);
}

/** Credits entropy to the pool (RNDADDENTROPY, interrupt flushes). */
export function credit510(r: usize, bits: u32): void {
  const k = kW(r);
  store<u32>(k + K5_CREDIT, min<u32>(POOL_BITS, load<u32>(k + K5_CREDIT) + bits));
}

/** _extract_crng: the 300 s reseed check, RDRAND into state[14], one ChaCha20 block. */
function extractCrng(r: usize, vm: u32, out: usize): void {
  const now = clockOf(r);
  if (now > load<f64>(kR(r) + K5_INIT_TIME) + CRNG_RESEED_INTERVAL_510_NS)
    crng510Reseed(r, vm, EV_PERIODIC_RESEED, now, EV_PERIODIC_RESEED);
  const s = kW(r) + K5_STATE;
  if (archLong(r, WORD)) {
    // crng->state[14] ^= v: an unsigned long into a u32 word keeps its low 32 bits
    store<u32>(s + 56, load<u32>(s + 56) ^ load<u32>(WORD));
    ledgerCrng(vm, 32, CAUSE_RDRAND);
  }
  // chacha20_block(&crng->state[0], out): key words 4..11, counter word 12, nonce 13..15
  const counter = load<u32>(s + 48);
  store<u32>(ZERO_NONCE, load<u32>(s + 52));
  store<u32>(ZERO_NONCE + 4, load<u32>(s + 56));
  store<u32>(ZERO_NONCE + 8, load<u32>(s + 60));
  chacha20Block(s + 16, counter, ZERO_NONCE, out);
  store<u32>(s + 48, counter + 1);
  if (counter + 1 == 0) store<u32>(s + 52, load<u32>(s + 52) + 1);
}

/** _crng_backtrack_protect: XORs 32 unused output bytes (from a fresh block if needed) into the key. */
function backtrackProtect(r: usize, vm: u32, used: u32): void {
  if (used + 32 > 64) {
    extractCrng(r, vm, BLOCK);
    used = 0;
  }
  const s = kW(r) + K5_STATE;
  for (let i: usize = 0; i < 8; i++) {
    const at = s + ((4 + i) << 2);
    store<u32>(at, load<u32>(at) ^ load<u32>(BLOCK + used + (i << 2)));
  }
}

/** get_random_bytes / extract_crng_user: blocks until len bytes, then backtrack protection. */
export function getRandomBytes510(r: usize, vm: u32, out: usize, len: u32): void {
  let done: u32 = 0;
  let blocks: u32 = 0;
  let used: u32 = 64;
  while (done < len) {
    extractCrng(r, vm, BLOCK);
    blocks++;
    const n = min<u32>(64, len - done);
    memory.copy(out + done, BLOCK, n);
    done += n;
    used = n;
  }
  backtrackProtect(r, vm, used);
  advance(r, <f64>(blocks - 1) * cost(COST_CHACHA_BLOCK));
  memory.fill(BLOCK, 0, 64);
}
