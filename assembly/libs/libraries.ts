// The userspace RNG libraries, each a guest process whose state is bytes in its state page,
// modelled on the upstream source (docs/FIDELITY.md cites file, function and version):
//
//   naive          java.util.Random: a 48-bit LCG seeded once at init, never reseeded.
//   openssl-1.1.1  OpenSSL 1.1.1w: master DRBG (reseeds from getrandom after 2^8 generates or
//                  3600 s of time(NULL)) above a public DRBG (2^16 generates or 420 s, or when the
//                  master's reseed_counter moved, or getpid() changed); every RAND_bytes passes
//                  {pid, tid, low 32 bits of RDTSC} as additional data (rand_unix.c).
//   openssl-3      OpenSSL 3.0.x: the same hierarchy and intervals, no per-call additional data.
//   boringssl      BoringSSL: per-thread CTR-DRBG; reseeds from getrandom every 4096 calls; 32
//                  bytes of RDRAND per call only where RDRAND is fast (Intel), else 32 zero bytes
//                  (fork detection by MADV_WIPEONFORK works).
//   aws-lc         AWS-LC v1.50.0: BoringSSL's logic plus SysGenId "snapsafe": reseed when
//                  /dev/sysgenid's counter moved; abort() when it moved during a call.
//   aws-lc-ube     AWS-LC main (crypto/ube): reseed on a uniqueness-breaking event (fork or
//                  SysGenID), else every 4096 calls; 32 bytes of RDRAND per call where the CPU has
//                  it (default jitter-tree configuration, no /dev/sysgenid); abort() on a change
//                  during a call. No VMClock.
//   wipeonsuspend  the paper's proposal: state in a MADV_WIPEONSUSPEND page, reseeded from
//                  getrandom when it reads all zeros (kernels without the advice: EINVAL).
//   vdso           glibc's getrandom() over the 6.11 vDSO (kernel/vdso.ts); the syscall elsewhere.
//   getrandom      the getrandom(2) syscall on every call.
//   rdrand         RDRAND on every call (the vCPU must have it: spawn refuses otherwise).
//
// The OpenSSL, BoringSSL and AWS-LC DRBG is AES-256 CTR_DRBG with df (crypto/ctr_drbg.ts); the
// paper's library keeps ChaCha20 fast key erasure. Every call charges its cost (vmm/costs.ts) to
// the VM's clock and to the process's CPU time, and keeps the entropy ledger (vmm/ledger.ts):
// the bits of each generator that someone holding the snapshot cannot know.

import { pageForRead, pageForWrite } from '../memory/guest_memory';
import { aesBlocksTaken, ctrDrbgGenerate, ctrDrbgInstantiate, ctrDrbgReseed } from '../crypto/ctr_drbg';
import { allZero, fastKeyErasure } from '../crypto/fast_key_erasure';
import { sysgenidCounterAt } from '../devices/sysgenid';
import {
  cost,
  COST_AES_BLOCK,
  COST_CHACHA_BLOCK,
  COST_GETPID,
  COST_LCG_STEP,
  COST_MMAP_CHECK,
  COST_RDRAND,
  COST_USER_CALL,
} from '../vmm/costs';
import { EV_LIBRARY_ABORT, EV_LIBRARY_RESEED, EV_SYSGENID_BUMP, logEvent } from '../vmm/events';
import { HE_RDRAND, vmHostEntropy } from '../vmm/host_entropy';
import {
  CAUSE_RDRAND,
  ledgerCallBits,
  ledgerCallClock,
  ledgerCrngBits,
  ledgerCrngCause,
  ledgerParentBits,
  ledgerProc,
  ledgerProcBits,
  ledgerSetParent,
  ledgerSetProc,
} from '../vmm/ledger';
import {
  advance,
  clockOf,
  FEAT_CPU_INTEL,
  FEAT_CPU_RDRAND,
  FEAT_JITTER,
  FEAT_SYSGENID_OVERSEER,
  FEAT_SYSGENID_VMGENID,
  FEAT_VDSO,
  hasFeature,
} from '../vmm/vmstate';
import { K_NEXT_PID, kdataW, sysGetrandom, wallClockNs } from '../kernel/crng';
import { runDueEvents } from '../kernel/events_due';
import {
  LIB_AWSLC,
  LIB_AWSLC_UBE,
  LIB_BORINGSSL,
  LIB_GETRANDOM,
  LIB_NAIVE,
  LIB_OPENSSL_111,
  LIB_OPENSSL_3,
  LIB_RDRAND,
  LIB_VDSO,
  LIB_WIPEONSUSPEND,
  P_ABORTS,
  P_CALLS,
  P_LAST_RESEED,
  P_LIBRARY,
  P_NS,
  P_PID,
  P_RESEEDS,
  P_RESTARTS,
  P_STATE_PAGE,
  procR,
  procW,
} from '../kernel/process';
import { randomGetEntropy, READ_JITTER_BITS, TSC_OFFSET_BITS } from '../kernel/timing';
import { vdsoGetrandom } from '../kernel/vdso';

const JAVA_MULT: u64 = 0x5deece66d;
const JAVA_MASK: u64 = (1 << 48) - 1;

// OpenSSL (crypto/rand/rand_local.h 1.1.1w; 3.0.22 the same values)
const OSSL_MASTER_INTERVAL: u32 = 1 << 8;
const OSSL_MASTER_TIME_S: f64 = 60 * 60;
const OSSL_CHILD_INTERVAL: u32 = 1 << 16;
const OSSL_CHILD_TIME_S: f64 = 7 * 60;
const OSSL_PERS = 'OpenSSL NIST SP 800-90A DRBG';
// OpenSSL state page: master/primary DRBG at 0, public DRBG at 128, each:
//   0 Key|V (48)  48 generate_counter u32  52 reseed_counter u32 (propagation)
//   56 reseed_time f64 (time(NULL) seconds)  64 fork_id u32  68 parent's reseed_counter seen u32
const O_MASTER: usize = 0;
export const O_PUBLIC: usize = 128;
const D_GEN: usize = 48;
const D_RESEEDS: usize = 52;
const D_TIME: usize = 56;
const D_FORK: usize = 64;
const D_PARENT_SEEN: usize = 68;

// BoringSSL / AWS-LC state page:
//   0 Key|V (48)  48 calls u32  52 seeded u32  56 VM generation seen u32  64 jitter-tree key[32]
const B_CALLS: usize = 48;
const B_SEEDED: usize = 52;
const B_VMGEN: usize = 56;
const B_TREE: usize = 64;
const BORING_RESEED_INTERVAL: u32 = 4096; // kReseedInterval (rand.cc.inc); AWS-LC kCtrDrbgReseedInterval
const BORING_SEED_LEN: u32 = 48; // CTR_DRBG_ENTROPY_LEN
/** How often a call may abort and be run again by the restarted process before the model gives up. */
const MAX_RESTARTS_PER_CALL: u32 = 4;

const RD = memory.data(64, 16);
const SEED = memory.data(192, 16);
const ENTROPY = memory.data(64, 16);
const ADIN = memory.data(32, 16);
const PTR = memory.data(8, 8);

function noteReseed(r: usize, vm: u32, i: u32, lib: u32): void {
  const e = procW(r, i);
  store<u32>(e + P_RESEEDS, load<u32>(e + P_RESEEDS) + 1);
  store<f64>(e + P_LAST_RESEED, clockOf(r));
  logEvent(vm, EV_LIBRARY_RESEED, clockOf(r), lib);
}

/** getrandom(2) into host memory; returns the kernel CRNG's ledger bits those bytes carry. */
function osEntropy(r: usize, vm: u32, out: usize, len: u32): u32 {
  sysGetrandom(r, vm, out, len);
  return ledgerCrngBits(vm);
}

/** RDRAND into host memory, 8 bytes per instruction; returns the bits (64 per word). */
function rdrand(r: usize, out: usize, len: u32): u32 {
  let done: u32 = 0;
  while (done < len) {
    vmHostEntropy(r, HE_RDRAND, RD, 8);
    const n = min<u32>(8, len - done);
    memory.copy(out + done, RD, n);
    done += n;
    advance(r, cost(COST_RDRAND));
  }
  return ((len + 7) >> 3) * 64;
}

/** The kernel CRNG's cause: what made getrandom's output fresh (the event that reseeded it). */
function kernelCause(vm: u32): u32 {
  return ledgerCrngCause(vm);
}

function capBits(b: u32): u32 {
  return min<u32>(b, 256);
}

// --- java.util.Random --------------------------------------------------------------------

function javaNext32(st: usize): u32 {
  const seed = (load<u64>(st) * JAVA_MULT + 0xb) & JAVA_MASK;
  store<u64>(st, seed);
  return <u32>(seed >> 16);
}

/** java.util.Random.nextBytes: little-endian nextInt() words. */
function naive(r: usize, st: usize, out: usize, len: u32): void {
  let i: u32 = 0;
  while (i < len) {
    let rnd = javaNext32(st);
    advance(r, cost(COST_LCG_STEP));
    for (let n = min<u32>(len - i, 4); n > 0; n--) {
      store<u8>(out + i++, <u8>rnd);
      rnd >>= 8;
    }
  }
}

// --- OpenSSL -----------------------------------------------------------------------------

/** time(NULL) in the guest: whole seconds of its wall clock. */
function osslTime(r: usize): f64 {
  return Math.floor(wallClockNs(r) / 1e9);
}

/** RAND_DRBG_generate's / ossl_prov_drbg_generate's reseed_required. */
function osslReseedRequired(r: usize, d: usize, pid: u32, interval: u32, timeS: f64, parent: usize): bool {
  if (load<u32>(d + D_FORK) != pid) return true;
  if (load<u32>(d + D_GEN) >= interval) return true;
  const now = osslTime(r);
  const t = load<f64>(d + D_TIME);
  if (now < t || now - t >= timeS) return true;
  return parent != 0 && load<u32>(d + D_PARENT_SEEN) != load<u32>(parent + D_RESEEDS);
}

/** Writes the personalisation string after `at`; returns its length. */
function putPers(at: usize): u32 {
  for (let k = 0; k < OSSL_PERS.length; k++) store<u8>(at + k, <u8>OSSL_PERS.charCodeAt(k));
  return OSSL_PERS.length;
}

/** The value of pthread_self() of the process's one thread (an address: known from the snapshot). */
export function threadId(pid: u32): u64 {
  return 0x7f0000000000 + (<u64>pid << 20);
}

/**
 * The master (primary) DRBG generates `len` bytes for a child: reseeding from getrandom first if
 * its own triggers fire; adin = the child DRBG's address (rand_drbg_get_entropy).
 */
function osslMasterGenerate(r: usize, vm: u32, i: u32, st: usize, pid: u32, child: usize, out: usize, len: u32): void {
  const m = st + O_MASTER;
  store<u64>(PTR, 0x5600000000 + <u64>child);
  if (osslReseedRequired(r, m, pid, OSSL_MASTER_INTERVAL, OSSL_MASTER_TIME_S, 0)) {
    const bits = osEntropy(r, vm, SEED, 32);
    memory.copy(SEED + 32, PTR, 8);
    ctrDrbgReseed(m, SEED, 40);
    store<u32>(m + D_GEN, 1);
    store<u32>(m + D_RESEEDS, load<u32>(m + D_RESEEDS) + 1);
    store<f64>(m + D_TIME, osslTime(r));
    store<u32>(m + D_FORK, pid);
    ledgerSetParent(vm, i, capBits(ledgerParentBits(vm, i) + bits));
  }
  ctrDrbgGenerate(m, out, len, PTR, 8);
  store<u32>(m + D_GEN, load<u32>(m + D_GEN) + 1);
}

/** Process start: the master from getrandom and a nonce {pid, tid, time}; the public DRBG from the master. */
function osslInit(r: usize, vm: u32, i: u32, st: usize, pid: u32): void {
  const m = st + O_MASTER;
  const bits = osEntropy(r, vm, SEED, 32);
  store<u32>(SEED + 32, pid);
  store<u32>(SEED + 36, <u32>threadId(pid));
  store<u64>(SEED + 40, <u64>(wallClockNs(r) / 1e3)); // get_time_stamp(): CLOCK_REALTIME, us
  const len = 48 + putPers(SEED + 48);
  ctrDrbgInstantiate(m, SEED, len);
  store<u32>(m + D_GEN, 1);
  store<u32>(m + D_RESEEDS, 1);
  store<f64>(m + D_TIME, osslTime(r));
  store<u32>(m + D_FORK, pid);
  ledgerSetParent(vm, i, bits);
  osslChildInstantiate(r, vm, i, st, pid);
}

/** drbg_setup(master): the public DRBG's entropy and nonce are the master's output. */
function osslChildInstantiate(r: usize, vm: u32, i: u32, st: usize, pid: u32): void {
  const p = st + O_PUBLIC;
  osslMasterGenerate(r, vm, i, st, pid, O_PUBLIC, ENTROPY, 48);
  memory.copy(SEED, ENTROPY, 48);
  const len = 48 + putPers(SEED + 48);
  ctrDrbgInstantiate(p, SEED, len);
  store<u32>(p + D_GEN, 1);
  store<f64>(p + D_TIME, osslTime(r));
  store<u32>(p + D_FORK, pid);
  store<u32>(p + D_PARENT_SEEN, load<u32>(st + O_MASTER + D_RESEEDS));
  ledgerSetProc(vm, i, ledgerParentBits(vm, i), EV_LIBRARY_RESEED);
}

/** RAND_bytes: the public DRBG's generate, with 1.1.1's per-call additional data. */
function openssl(r: usize, vm: u32, i: u32, lib: u32, st: usize, out: usize, len: u32): void {
  advance(r, cost(COST_GETPID)); // openssl_get_fork_id() = getpid()
  const pid = load<u32>(procR(r, i) + P_PID);
  const p = st + O_PUBLIC;
  let alen: u32 = 0;
  if (lib == LIB_OPENSSL_111) {
    // rand_pool_add_additional_data: { int fork_id; CRYPTO_THREAD_ID tid; uint64_t time } where
    // time = get_timer_bits() = OPENSSL_rdtsc(), a uint32_t: the low 32 bits of the TSC
    memory.fill(ADIN, 0, 24);
    store<u32>(ADIN, pid);
    store<u64>(ADIN + 8, threadId(pid));
    ledgerCallClock(vm, i, clockOf(r));
    store<u64>(ADIN + 16, randomGetEntropy(r) & 0xffffffff);
    alen = 24;
    ledgerCallBits(vm, i, hasFeature(r, FEAT_JITTER) ? TSC_OFFSET_BITS + READ_JITTER_BITS : 0);
  }
  if (osslReseedRequired(r, p, pid, OSSL_CHILD_INTERVAL, OSSL_CHILD_TIME_S, st + O_MASTER)) {
    // RAND_DRBG_reseed(drbg, adin): entropy from the master, the caller's adin as additional input
    osslMasterGenerate(r, vm, i, st, pid, O_PUBLIC, ENTROPY, 32);
    memory.copy(SEED, ENTROPY, 32);
    if (alen > 0) memory.copy(SEED + 32, ADIN, alen);
    ctrDrbgReseed(p, SEED, 32 + alen);
    store<u32>(p + D_GEN, 1);
    store<f64>(p + D_TIME, osslTime(r));
    store<u32>(p + D_FORK, pid);
    store<u32>(p + D_PARENT_SEEN, load<u32>(st + O_MASTER + D_RESEEDS));
    ledgerSetProc(vm, i, capBits(ledgerProcBits(vm, i) + ledgerParentBits(vm, i)), EV_LIBRARY_RESEED);
    noteReseed(r, vm, i, lib);
    alen = 0; // "adin = NULL; adinlen = 0;" after a reseed
  }
  ctrDrbgGenerate(p, out, len, ADIN, alen);
  store<u32>(p + D_GEN, load<u32>(p + D_GEN) + 1);
}

// --- BoringSSL and AWS-LC ----------------------------------------------------------------

/** True if /dev/sysgenid exists in the guest (AWS-LC stats it at first use). */
function hasSysgenid(r: usize): bool {
  return hasFeature(r, FEAT_SYSGENID_VMGENID | FEAT_SYSGENID_OVERSEER);
}

/** The VM generation AWS-LC reads from its /dev/sysgenid mapping (0 where there is none). */
function vmGeneration(r: usize): u32 {
  if (!hasSysgenid(r)) return 0;
  advance(r, cost(COST_MMAP_CHECK));
  return sysgenidCounterAt(r);
}

/**
 * The seed of a (re)seed (rand_get_ctr_drbg_seed_entropy: seed, then extra entropy): BoringSSL
 * and AWS-LC v1.50 take getrandom; AWS-LC main takes its jitter tree's output (cloned state)
 * and getrandom as extra entropy, or, where /dev/sysgenid exists (the opt-out configuration,
 * entropy_sources.c), getrandom and then RDRAND where the CPU has it, else getrandom again.
 */
function boringSeed(r: usize, vm: u32, lib: u32, st: usize): u32 {
  if (lib != LIB_AWSLC_UBE) return osEntropy(r, vm, SEED, BORING_SEED_LEN);
  if (!hasSysgenid(r)) {
    // tree_jitter_get_seed: output of the per-thread seed DRBG (its state is in the snapshot) ...
    if (allZero(st + B_TREE, 32)) osEntropy(r, vm, st + B_TREE, 32); // a fresh thread: seeded at start
    advance(r, <f64>fastKeyErasure(st + B_TREE, SEED, BORING_SEED_LEN) * cost(COST_CHACHA_BLOCK));
    // ... and entropy_os_get_extra_entropy: getrandom as additional input
    return osEntropy(r, vm, SEED + BORING_SEED_LEN, BORING_SEED_LEN);
  }
  // vm_ube_fallback_get_seed: getrandom; extra entropy: RDRAND/RNDR if present, else the OS
  const os = osEntropy(r, vm, SEED, BORING_SEED_LEN);
  if (hasFeature(r, FEAT_CPU_RDRAND)) return capBits(os + rdrand(r, SEED + BORING_SEED_LEN, BORING_SEED_LEN));
  return osEntropy(r, vm, SEED + BORING_SEED_LEN, BORING_SEED_LEN);
}

/** One RAND_bytes of BoringSSL, AWS-LC v1.50 or AWS-LC main; false if the call aborted. */
function boringOnce(r: usize, vm: u32, i: u32, lib: u32, st: usize, out: usize, len: u32): bool {
  const gen = lib == LIB_BORINGSSL ? 0 : vmGeneration(r);
  const seedLen: u32 = lib == LIB_AWSLC_UBE ? 2 * BORING_SEED_LEN : BORING_SEED_LEN;
  if (load<u32>(st + B_SEEDED) == 0) {
    // a fresh (or, after fork, wiped) thread state: seeded from the OS
    const bits = boringSeed(r, vm, lib, st);
    ctrDrbgInstantiate(st, SEED, seedLen);
    store<u32>(st + B_CALLS, 0);
    store<u32>(st + B_SEEDED, 1);
    store<u32>(st + B_VMGEN, gen);
    ledgerSetProc(vm, i, bits, kernelCause(vm));
    noteReseed(r, vm, i, lib);
  } else {
    const calls = load<u32>(st + B_CALLS);
    const due = lib == LIB_AWSLC_UBE ? calls + 1 > BORING_RESEED_INTERVAL : calls >= BORING_RESEED_INTERVAL;
    const moved = load<u32>(st + B_VMGEN) != gen;
    if (due || moved) {
      const bits = boringSeed(r, vm, lib, st);
      ctrDrbgReseed(st, SEED, seedLen);
      store<u32>(st + B_CALLS, 0);
      store<u32>(st + B_VMGEN, gen);
      ledgerSetProc(vm, i, capBits(ledgerProcBits(vm, i) + bits), moved ? EV_SYSGENID_BUMP : EV_LIBRARY_RESEED);
      noteReseed(r, vm, i, lib);
    }
  }
  // additional data for this call
  let alen: u32 = 0;
  let callBits: u32 = 0;
  if (lib == LIB_AWSLC_UBE) {
    // rand_maybe_get_ctr_drbg_pred_resistance: RDRAND where the CPU has it, in the default
    // (jitter tree) configuration only; none with /dev/sysgenid (opt-out configuration)
    if (!hasSysgenid(r) && hasFeature(r, FEAT_CPU_RDRAND)) {
      callBits = rdrand(r, ADIN, 32);
      alen = 32;
    }
  } else {
    // have_fast_rdrand() = RDRAND capable && Intel: 32 bytes of RDRAND; else 32 zero bytes
    alen = 32;
    if (hasFeature(r, FEAT_CPU_RDRAND) && hasFeature(r, FEAT_CPU_INTEL)) callBits = rdrand(r, ADIN, 32);
    else memory.fill(ADIN, 0, 32);
  }
  if (callBits > 0) ledgerProc(vm, i, callBits, CAUSE_RDRAND);
  ledgerCallBits(vm, i, callBits);
  ctrDrbgGenerate(st, out, len, ADIN, alen);
  store<u32>(st + B_CALLS, load<u32>(st + B_CALLS) + 1);
  if (lib == LIB_BORINGSSL) return true;
  // the call took time; a generation that moved meanwhile: "This is an invalid snapshot" -> abort()
  advance(r, <f64>aesBlocksTaken() * cost(COST_AES_BLOCK));
  runDueEvents(r, vm);
  return vmGeneration(r) == load<u32>(st + B_VMGEN);
}

/**
 * abort(): the process dies and its supervisor starts it again: a new pid and a fresh (zero)
 * state page, so the new process seeds from the OS at its first call.
 */
function restartProcess(r: usize, vm: u32, i: u32, lib: u32, page: u32): void {
  const e = procW(r, i);
  store<u32>(e + P_ABORTS, load<u32>(e + P_ABORTS) + 1);
  store<u32>(e + P_RESTARTS, load<u32>(e + P_RESTARTS) + 1);
  const k = kdataW(r);
  const pid = load<u32>(k + K_NEXT_PID);
  store<u32>(k + K_NEXT_PID, pid + 1);
  store<u32>(procW(r, i) + P_PID, pid);
  memory.fill(pageForWrite(r, page), 0, 4096);
  logEvent(vm, EV_LIBRARY_ABORT, clockOf(r), lib);
}

// --- the entry points --------------------------------------------------------------------

/** Seeds a library's state at process start (init-time state that a snapshot will capture). */
export function libInit(r: usize, vm: u32, i: u32): void {
  const lib = load<u32>(procR(r, i) + P_LIBRARY);
  const page = load<u32>(procR(r, i) + P_STATE_PAGE);
  const pid = load<u32>(procR(r, i) + P_PID);
  if (lib == LIB_NAIVE) {
    // new Random(): seedUniquifier ^ nanoTime, scrambled; the model seeds from getrandom
    sysGetrandom(r, vm, RD, 8);
    store<u64>(pageForWrite(r, page), (load<u64>(RD) ^ JAVA_MULT) & JAVA_MASK);
  } else if (lib == LIB_OPENSSL_111 || lib == LIB_OPENSSL_3) {
    osslInit(r, vm, i, pageForWrite(r, page), pid);
    advance(r, <f64>aesBlocksTaken() * cost(COST_AES_BLOCK));
  }
  // the others seed lazily on their first call (their state page starts zero)
}

/** One library call: len bytes at out (host memory) for process i of the VM. */
export function libGenerate(r: usize, vm: u32, i: u32, out: usize, len: u32): void {
  runDueEvents(r, vm);
  const t0 = clockOf(r);
  const lib = load<u32>(procR(r, i) + P_LIBRARY);
  const page = load<u32>(procR(r, i) + P_STATE_PAGE);
  // userspace DRBG libraries pay their own bookkeeping; the vDSO, syscall and RDRAND costs are
  // measured per whole call (MECHANISMS.md) and include it
  if (lib != LIB_VDSO && lib != LIB_GETRANDOM && lib != LIB_RDRAND) advance(r, cost(COST_USER_CALL));
  let blocks: u32 = 0;
  if (lib == LIB_NAIVE) {
    naive(r, pageForWrite(r, page), out, len);
    ledgerCallBits(vm, i, 0);
  } else if (lib == LIB_OPENSSL_111 || lib == LIB_OPENSSL_3) {
    openssl(r, vm, i, lib, pageForWrite(r, page), out, len);
  } else if (lib == LIB_BORINGSSL || lib == LIB_AWSLC || lib == LIB_AWSLC_UBE) {
    let tries: u32 = 0;
    while (!boringOnce(r, vm, i, lib, pageForWrite(r, page), out, len) && tries++ < MAX_RESTARTS_PER_CALL) {
      restartProcess(r, vm, i, lib, page);
    }
  } else if (lib == LIB_WIPEONSUSPEND) {
    if (allZero(pageForRead(r, page), 36)) {
      const bits = osEntropy(r, vm, pageForWrite(r, page), 32);
      store<u32>(pageForWrite(r, page) + 32, 1);
      ledgerSetProc(vm, i, bits, kernelCause(vm));
      noteReseed(r, vm, i, lib);
    }
    blocks = fastKeyErasure(pageForWrite(r, page), out, len);
    ledgerCallBits(vm, i, 0);
  } else if (lib == LIB_VDSO) {
    if (hasFeature(r, FEAT_VDSO)) {
      if (vdsoGetrandom(r, vm, page, out, len) > 0) {
        ledgerSetProc(vm, i, ledgerCrngBits(vm), kernelCause(vm));
        noteReseed(r, vm, i, lib);
      }
    } else {
      sysGetrandom(r, vm, out, len); // glibc falls back to the syscall without vDSO getrandom
      ledgerSetProc(vm, i, ledgerCrngBits(vm), kernelCause(vm));
    }
    ledgerCallBits(vm, i, 0);
  } else if (lib == LIB_GETRANDOM) {
    sysGetrandom(r, vm, out, len);
    ledgerSetProc(vm, i, ledgerCrngBits(vm), kernelCause(vm));
    ledgerCallBits(vm, i, 0);
  } else if (lib == LIB_RDRAND) {
    const bits = rdrand(r, out, len);
    ledgerSetProc(vm, i, capBits(bits), CAUSE_RDRAND);
    ledgerCallBits(vm, i, capBits(bits));
  }
  advance(r, <f64>blocks * cost(COST_CHACHA_BLOCK) + <f64>aesBlocksTaken() * cost(COST_AES_BLOCK));
  const e = procW(r, i);
  store<u64>(e + P_CALLS, load<u64>(e + P_CALLS) + 1);
  store<f64>(e + P_NS, load<f64>(e + P_NS) + (clockOf(r) - t0));
}
