// The guest kernel's CRNG, modelled on Linux >= 5.18 (drivers/char/random.c): an input pool
// hashed with BLAKE2s, a base ChaCha20 key with a generation counter, a per-CPU key that follows
// the base generation, fast key erasure on every use, reseeding on demand and every 60 s.
// All of it is bytes in the kernel-rng page ("kdata"), so a snapshot captures it and every clone
// starts with the same keys.
//
// kdata page (role kernel-rng):
//     0 base_crng.key[32]              32 base_crng.generation u64    40 base_crng.birth f64 (ns)
//    48 crng(cpu0).key[32]             80 crng(cpu0).generation u64
//    88 input_pool: BLAKE2s state (112 bytes, crypto/blake2s.ts)
//   200 crng_ready u32                204 reseeds u32
//   208 vdso_rng_data.generation u64  216 vdso_rng_data.is_ready u32
//   220 next pid u32                  224 vmgenid driver: this_id[16]
//   240 getrandom calls u64
// The model has one vCPU, so one per-CPU crng. The modelled vCPU offers no RDSEED, so
// extract_entropy's RDSEED block is zeros and a reseed draws only on what the pool holds.

import { blake2s, blake2sFinal, blake2sInit, blake2sUpdate } from '../crypto/blake2s';
import { chacha20Block } from '../crypto/chacha20';
import { fastKeyErasure } from '../crypto/fast_key_erasure';
import { pageForRead, pageForWrite } from '../memory/guest_memory';
import { cost, COST_CHACHA_BLOCK, COST_SYSCALL } from '../vmm/costs';
import { EV_CRNG_RESEED, EV_PERIODIC_RESEED, logEvent } from '../vmm/events';
import { HE_JITTER, vmHostEntropy } from '../vmm/host_entropy';
import { advance, clockOf, FEAT_JITTER, hasFeature, vs, VS_KDATA_PAGE } from '../vmm/vmstate';

export const K_BASE_KEY: usize = 0;
export const K_BASE_GEN: usize = 32;
export const K_BASE_BIRTH: usize = 40;
export const K_CPU_KEY: usize = 48;
export const K_CPU_GEN: usize = 80;
export const K_POOL: usize = 88;
export const K_READY: usize = 200;
export const K_RESEEDS: usize = 204;
export const K_VDSO_GEN: usize = 208;
export const K_VDSO_READY: usize = 216;
export const K_NEXT_PID: usize = 220;
export const K_VMGENID_ID: usize = 224;
export const K_GETRANDOM_CALLS: usize = 240;

/** CRNG_RESEED_INTERVAL: 60 s once the CRNG is ready. */
export const CRNG_RESEED_INTERVAL_NS: f64 = 60e9;

const SEED = memory.data(32, 16);
const NONCE0 = memory.data(16, 16); // all-zero nonce
const USER_KEY = memory.data(32, 16); // chacha_state's key in get_random_bytes_user
const USER_BLOCK = memory.data(64, 16);
const NEXT = memory.data(32, 16);
const RDSEED_BLOCK = memory.data(40, 16); // rdseed[32] || counter u64
const BLAKE_SCRATCH = memory.data(128, 16);
const JITTER = memory.data(8, 16);

/** Host address of the VM's kdata page, for writing (copy-on-write, dirty). */
export function kdataW(r: usize): usize {
  return pageForWrite(r, load<u32>(vs(r, VS_KDATA_PAGE)));
}

/** Host address of the VM's kdata page, for reading. */
export function kdataR(r: usize): usize {
  return pageForRead(r, load<u32>(vs(r, VS_KDATA_PAGE)));
}

/** mix_pool_bytes: hashes len bytes at p into the input pool. */
export function mixPoolBytes(r: usize, p: usize, len: u32): void {
  blake2sUpdate(kdataW(r) + K_POOL, p, len);
}

/** Initialises the pool (unkeyed BLAKE2s-256), as at boot. */
export function initPool(r: usize): void {
  blake2sInit(kdataW(r) + K_POOL, 32, 0, 0);
}

/**
 * extract_entropy: seed = HASH(pool); the pool is re-keyed with HASHPRF(seed, RDSEED || 0);
 * output = HASHPRF(seed, RDSEED || 1) (32 bytes: all a reseed needs).
 */
function extractEntropy(r: usize, out: usize): void {
  const k = kdataW(r);
  blake2sFinal(k + K_POOL, SEED);
  memory.fill(RDSEED_BLOCK, 0, 40);
  blake2s(NEXT, 32, RDSEED_BLOCK, 40, SEED, 32, BLAKE_SCRATCH);
  blake2sInit(k + K_POOL, 32, NEXT, 32);
  store<u64>(RDSEED_BLOCK + 32, 1);
  blake2s(out, 32, RDSEED_BLOCK, 40, SEED, 32, BLAKE_SCRATCH);
  memory.fill(NEXT, 0, 32);
  memory.fill(SEED, 0, 32);
}

/**
 * crng_reseed: a new base key from the pool, the next generation (skipping the reserved max
 * value), published to the vDSO as generation + 1 so a zeroed vDSO state never matches.
 */
export function crngReseed(r: usize, vm: u32, why: u32, t: f64): void {
  const k = kdataW(r);
  extractEntropy(r, k + K_BASE_KEY);
  let next = load<u64>(k + K_BASE_GEN) + 1;
  if (next == 0xffffffffffffffff) next++;
  store<u64>(k + K_BASE_GEN, next);
  store<u64>(k + K_VDSO_GEN, next + 1);
  store<u32>(k + K_VDSO_READY, 1);
  store<f64>(k + K_BASE_BIRTH, t);
  store<u32>(k + K_READY, 1);
  store<u32>(k + K_RESEEDS, load<u32>(k + K_RESEEDS) + 1);
  logEvent(vm, why, t, <u32>next);
}

/** Mixes one timing-jitter sample into the pool when the kernel collects jitter entropy. */
function jitter(r: usize, vm: u32): void {
  if (!hasFeature(r, FEAT_JITTER)) return;
  vmHostEntropy(r, HE_JITTER, JITTER, 8);
  mixPoolBytes(r, JITTER, 8);
}

/**
 * get_random_bytes (crng_make_state + the block loop): reseeds if the base key is older than
 * 60 s, refreshes the per-CPU key when the base generation moved, then fast key erasure.
 * Writes len bytes at out (host memory); charges the ChaCha blocks to the VM's clock.
 */
export function getRandomBytes(r: usize, vm: u32, out: usize, len: u32): void {
  jitter(r, vm);
  let k = kdataR(r);
  if (clockOf(r) - load<f64>(k + K_BASE_BIRTH) >= CRNG_RESEED_INTERVAL_NS) crngReseed(r, vm, EV_PERIODIC_RESEED, clockOf(r));
  k = kdataW(r);
  let blocks: u32 = 0;
  if (load<u64>(k + K_CPU_GEN) != load<u64>(k + K_BASE_GEN)) {
    blocks += fastKeyErasure(k + K_BASE_KEY, k + K_CPU_KEY, 32);
    store<u64>(k + K_CPU_GEN, load<u64>(k + K_BASE_GEN));
  }
  blocks += fastKeyErasure(k + K_CPU_KEY, out, len);
  advance(r, <f64>(blocks - 1) * cost(COST_CHACHA_BLOCK)); // the syscall's cost covers one block
}

/**
 * The getrandom(2) syscall (get_random_bytes_user, Linux >= 5.18): one syscall's cost; up to 32
 * bytes come straight from crng_make_state; a longer read makes those 32 bytes a fresh ChaCha20
 * key and returns its blocks from counter 1 on.
 */
export function sysGetrandom(r: usize, vm: u32, out: usize, len: u32): void {
  advance(r, cost(COST_SYSCALL));
  const k = kdataW(r);
  store<u64>(k + K_GETRANDOM_CALLS, load<u64>(k + K_GETRANDOM_CALLS) + 1);
  if (len <= 32) {
    getRandomBytes(r, vm, out, len);
    return;
  }
  getRandomBytes(r, vm, USER_KEY, 32);
  let done: u32 = 0;
  let counter: u32 = 1;
  while (done < len) {
    chacha20Block(USER_KEY, counter++, NONCE0, USER_BLOCK);
    const n = min<u32>(64, len - done);
    memory.copy(out + done, USER_BLOCK, n);
    done += n;
  }
  memory.fill(USER_KEY, 0, 32);
  memory.fill(USER_BLOCK, 0, 64);
  advance(r, <f64>(counter - 1) * cost(COST_CHACHA_BLOCK));
}

/** Reseeds at virtual time t with a crng_reseed event (vmgenid, RNDRESEEDCRNG, boot). */
export function crngReseedAt(r: usize, vm: u32, t: f64): void {
  crngReseed(r, vm, EV_CRNG_RESEED, t);
}
