// The guest kernel's CRNG, modelled on Linux's drivers/char/random.c by generation (the kernel
// setting; docs/FIDELITY.md cites each function):
//
//   6.1   (5.18 .. 6.1.y)  BLAKE2s input pool; base ChaCha20 key + generation; per-CPU key; fast
//                          key erasure. Reseed ON DEMAND in crng_make_state(): the first request
//                          that finds the key older than crng_reseed_interval() (max(1 s,
//                          uptime/2) while uptime < 120 s, then 60 s) reseeds. No timer: a guest
//                          that asks for nothing keeps its key (the real 6.1 kernel in v86 showed
//                          it: clones stayed identical until about twice the uptime of their last
//                          request before the snapshot). Requests in the model are the processes'
//                          calls into the kernel and the kernel's own request when the init ends
//                          at the snapshot's uptime (guest/processes.ts callEveryProcess).
//   6.11  (6.2 ..)         the same CRNG, reseeded in delayed work that re-arms itself every
//                          crng_reseed_interval() (commit 9148de3196ed); an out-of-band reseed
//                          (VMGenID, agent, PM) does not move the pending timer; + vDSO data.
//   5.10  (before 5.17)    kernel/crng510.ts: a ChaCha20 state with RDRAND XORed into every
//                          output block, reseeded every 300 s.
//
// extract_entropy() fills a 32-byte block with RDSEED, else RDRAND, else the cycle counter, word
// by word, and derives the new key with BLAKE2s from the pool and that block. Everything the
// guest can see is bytes in the kernel-rng page ("kdata"): a snapshot captures it and every clone
// starts with the same keys, pool and timers.
//
// kdata page (role kernel-rng):
//     0 base_crng.key[32]              32 base_crng.generation u64    40 base_crng.birth f64 (ns)
//    48 crng(cpu0).key[32]             80 crng(cpu0).generation u64
//    88 input_pool: BLAKE2s state (112 bytes, crypto/blake2s.ts)
//   200 crng_ready u32                204 reseeds u32
//   208 vdso_rng_data.generation u64  216 vdso_rng_data.is_ready u32
//   220 next pid u32                  224 vmgenid driver: this_id[16]
//   240 getrandom calls u64           248 next periodic reseed f64 (6.11 delayed work / 6.1 due)
//   256 wall clock at clock 0 f64 (ns since the epoch)   264 next interrupt flush f64
//   320 .. 5.10 primary_crng (kernel/crng510.ts)
// The model has one vCPU, so one per-CPU crng.

import { blake2s, blake2sFinal, blake2sInit, blake2sUpdate } from '../crypto/blake2s';
import { chacha20Block } from '../crypto/chacha20';
import { fastKeyErasure } from '../crypto/fast_key_erasure';
import { pageForRead, pageForWrite } from '../memory/guest_memory';
import { cost, COST_CHACHA_BLOCK, COST_SYSCALL } from '../vmm/costs';
import { EV_CRNG_RESEED, EV_INTERRUPT_FLUSH, EV_PERIODIC_RESEED, logEvent } from '../vmm/events';
import { HE_JITTER, vmHostEntropy } from '../vmm/host_entropy';
import { ledgerPool, ledgerReseed } from '../vmm/ledger';
import {
  advance,
  clockOf,
  FEAT_GEN_510,
  FEAT_GEN_611,
  FEAT_JITTER,
  hasFeature,
  vs,
  VS_KDATA_PAGE,
} from '../vmm/vmstate';
import { archLong, archSeedLong, FLUSH_CREDIT_BITS, FLUSH_INTERVAL_NS, randomGetEntropy } from './timing';
import { crng510Reseed, getRandomBytes510 } from './crng510';

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
export const K_NEXT_RESEED: usize = 248;
export const K_WALL_BASE: usize = 256;
export const K_NEXT_FLUSH: usize = 264;

/** CRNG_RESEED_INTERVAL: 60 s once the CRNG is ready (6.1+). */
export const CRNG_RESEED_INTERVAL_NS: f64 = 60e9;
/** CRNG_RESEED_START_INTERVAL: 1 s (HZ). */
export const CRNG_RESEED_START_INTERVAL_NS: f64 = 1e9;
/** The guest's wall clock at boot: 2023-11-14 22:13:20 UTC, in ns. */
export const WALL_AT_BOOT_NS: f64 = 1.7e18;

const SEED = memory.data(32, 16);
const NONCE0 = memory.data(16, 16); // all-zero nonce
const USER_KEY = memory.data(32, 16); // chacha_state's key in get_random_bytes_user
const USER_BLOCK = memory.data(64, 16);
const NEXT = memory.data(32, 16);
const RDSEED_BLOCK = memory.data(40, 16); // rdseed[32] || counter u64
const BLAKE_SCRATCH = memory.data(128, 16);
const FAST_POOL = memory.data(16, 16);

/** Host address of the VM's kdata page, for writing (copy-on-write, dirty). */
// @ts-ignore: decorator
@inline export function kdataW(r: usize): usize {
  return pageForWrite(r, load<u32>(vs(r, VS_KDATA_PAGE)));
}

/** Host address of the VM's kdata page, for reading. */
// @ts-ignore: decorator
@inline export function kdataR(r: usize): usize {
  return pageForRead(r, load<u32>(vs(r, VS_KDATA_PAGE)));
}

/** mix_pool_bytes: hashes len bytes at p into the input pool. */
export function mixPoolBytes(r: usize, p: usize, len: u32): void {
  blake2sUpdate(kdataW(r) + K_POOL, p, len);
}

/** Initialises the pool (unkeyed BLAKE2s-256) and the timers, as at boot. */
export function initPool(r: usize): void {
  const k = kdataW(r);
  blake2sInit(k + K_POOL, 32, 0, 0);
  store<f64>(k + K_WALL_BASE, WALL_AT_BOOT_NS);
  store<f64>(k + K_NEXT_FLUSH, FLUSH_INTERVAL_NS);
  store<f64>(k + K_NEXT_RESEED, Infinity);
}

/**
 * crng_reseed_interval() (6.1+): max(HZ, (uptime/2)*HZ) in whole seconds while the uptime is
 * under 120 s, then CRNG_RESEED_INTERVAL.
 */
export function crngReseedInterval(uptimeNs: f64): f64 {
  const s = Math.floor(uptimeNs / 1e9);
  if (s >= 120) return CRNG_RESEED_INTERVAL_NS;
  return Math.max(CRNG_RESEED_START_INTERVAL_NS, Math.floor(s / 2) * 1e9);
}

/**
 * extract_entropy: the 32-byte block is filled word by word with RDSEED, else RDRAND, else the
 * cycle counter; seed = HASH(pool); the pool is re-keyed with HASHPRF(seed, block || 0); the
 * output is HASHPRF(seed, block || 1). Returns the bits the block's hardware words carry.
 */
function extractEntropy(r: usize, out: usize): u32 {
  let archBits: u32 = 0;
  for (let i: u32 = 0; i < 4; i++) {
    const w = RDSEED_BLOCK + (<usize>i << 3);
    if (archSeedLong(r, w) || archLong(r, w)) archBits += 64;
    else store<u64>(w, randomGetEntropy(r));
  }
  const k = kdataW(r);
  blake2sFinal(k + K_POOL, SEED);
  store<u64>(RDSEED_BLOCK + 32, 0);
  blake2s(NEXT, 32, RDSEED_BLOCK, 40, SEED, 32, BLAKE_SCRATCH);
  blake2sInit(k + K_POOL, 32, NEXT, 32);
  store<u64>(RDSEED_BLOCK + 32, 1);
  blake2s(out, 32, RDSEED_BLOCK, 40, SEED, 32, BLAKE_SCRATCH);
  memory.fill(NEXT, 0, 32);
  memory.fill(SEED, 0, 32);
  return archBits;
}

/**
 * crng_reseed (6.1+): a new base key from extract_entropy, the next generation (skipping the
 * reserved max value), published to the vDSO as generation + 1 so a zeroed vDSO state never
 * matches; birth = now (6.1 measures the interval from it).
 */
export function crngReseed(r: usize, vm: u32, why: u32, t: f64, cause: u32 = 0): void {
  if (hasFeature(r, FEAT_GEN_510)) {
    crng510Reseed(r, vm, why, t, cause == 0 ? why : cause);
    return;
  }
  const k = kdataW(r);
  const archBits = extractEntropy(r, k + K_BASE_KEY);
  ledgerReseed(vm, archBits, cause == 0 ? why : cause);
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

/** Reseeds at virtual time t with a crng_reseed event (VMGenID, RNDRESEEDCRNG, boot); `cause` for the ledger. */
export function crngReseedAt(r: usize, vm: u32, t: f64, cause: u32): void {
  crngReseed(r, vm, EV_CRNG_RESEED, t, cause);
}

/**
 * When the next timer-driven reseed falls due: only 6.11's delayed work has one (K_NEXT_RESEED,
 * re-armed by each periodic reseed). 6.1 and 5.10 reseed on demand, inside a request
 * (getRandomBytes, crng510.ts extractCrng).
 */
export function nextScheduledReseed(r: usize): f64 {
  if (hasFeature(r, FEAT_GEN_611)) return load<f64>(kdataR(r) + K_NEXT_RESEED);
  return Infinity;
}

/** The scheduled reseed due at t: 6.11 re-arms its timer from the time it ran. */
export function scheduledReseed(r: usize, vm: u32, t: f64): void {
  if (hasFeature(r, FEAT_GEN_611)) store<f64>(kdataW(r) + K_NEXT_RESEED, t + crngReseedInterval(t));
  crngReseed(r, vm, EV_PERIODIC_RESEED, t);
}

/** 6.11: the delayed work is first queued when the CRNG becomes ready (at boot here). */
export function armDelayedReseed(r: usize, t: f64): void {
  if (hasFeature(r, FEAT_GEN_611)) store<f64>(kdataW(r) + K_NEXT_RESEED, t + crngReseedInterval(t));
}

/** When the interrupt fast pool is next flushed into the input pool. */
export function nextInterruptFlush(r: usize): f64 {
  return load<f64>(kdataR(r) + K_NEXT_FLUSH);
}

/**
 * mix_interrupt_randomness(): the fast pool's 16 bytes (SipHash of the cycle counts and
 * instruction pointers of the interrupts since the last flush) go into the input pool; random.c
 * estimates a flush of ~64 interrupts at FLUSH_CREDIT_BITS. `n` flushes due before anything else
 * happens are folded into one (the model's shortcut for long idle stretches: one mix carrying the
 * cycle counter and n, n x FLUSH_CREDIT_BITS in the ledger); the next flush is n seconds on.
 */
export function interruptFlush(r: usize, vm: u32, t: f64, n: u32): void {
  const c = randomGetEntropy(r);
  store<u64>(FAST_POOL, c);
  store<u64>(FAST_POOL + 8, (<u64>n << 32) ^ 0x9e3779b97f4a7c15);
  if (hasFeature(r, FEAT_JITTER)) {
    vmHostEntropy(r, HE_JITTER, FAST_POOL + 12, 4); // the interrupts' arrival times: this clone's own
  }
  mixPoolBytes(r, FAST_POOL, 16);
  if (hasFeature(r, FEAT_JITTER)) ledgerPool(vm, n * FLUSH_CREDIT_BITS, EV_INTERRUPT_FLUSH);
  store<f64>(kdataW(r) + K_NEXT_FLUSH, t + <f64>n * FLUSH_INTERVAL_NS);
  logEvent(vm, EV_INTERRUPT_FLUSH, t, n);
}

/**
 * get_random_bytes (crng_make_state + the block loop): 6.1 reseeds on demand when the base key
 * is older than the interval; the per-CPU key is refreshed when the base generation moved; then
 * fast key erasure. Writes len bytes at out; charges the ChaCha blocks to the VM's clock.
 */
export function getRandomBytes(r: usize, vm: u32, out: usize, len: u32): void {
  if (hasFeature(r, FEAT_GEN_510)) {
    getRandomBytes510(r, vm, out, len);
    return;
  }
  let k = kdataR(r);
  if (!hasFeature(r, FEAT_GEN_611) && load<u32>(k + K_READY) != 0) {
    const now = clockOf(r);
    if (now > load<f64>(k + K_BASE_BIRTH) + crngReseedInterval(now)) crngReseed(r, vm, EV_PERIODIC_RESEED, now);
  }
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
 * The getrandom(2) syscall (get_random_bytes_user): one syscall's cost; up to 32 bytes come
 * straight from crng_make_state; a longer read makes those 32 bytes a fresh ChaCha20 key and
 * returns its blocks from counter 1 on. (5.10: extract_crng_user, crng510.ts.)
 */
export function sysGetrandom(r: usize, vm: u32, out: usize, len: u32): void {
  advance(r, cost(COST_SYSCALL));
  const k = kdataW(r);
  store<u64>(k + K_GETRANDOM_CALLS, load<u64>(k + K_GETRANDOM_CALLS) + 1);
  if (len <= 32 || hasFeature(r, FEAT_GEN_510)) {
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

/** The guest's wall clock (CLOCK_REALTIME), ns since the epoch. */
export function wallClockNs(r: usize): f64 {
  return load<f64>(kdataR(r) + K_WALL_BASE) + clockOf(r);
}

/** Moves the wall clock forward by ns (clock sync after restore). */
export function advanceWallClock(r: usize, ns: f64): void {
  const k = kdataW(r);
  store<f64>(k + K_WALL_BASE, load<f64>(k + K_WALL_BASE) + ns);
}
