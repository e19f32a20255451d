// The eight userspace RNG libraries, each a guest process whose state is bytes in its state
// page (DESIGN.md "Libraries"; MECHANISMS.md for the real behaviour):
//
//   naive          java.util.Random: a 48-bit LCG seeded once at init, never reseeded
//                  state: seed u64
//   openssl-pid    OpenSSL 1.1.1 DRBG: reseeds when getpid() changes (CVE-2019-1549 fix), every
//                  2^16 generate calls or every 7 min; state: key[32] | calls u64 | pid u32 | - | last reseed f64
//   wipeonfork     BoringSSL: state in a MADV_WIPEONFORK page, reseeds when it reads all zeros
//                  state: key[32] | seeded u32
//   wipeonsuspend  the paper's proposal: state in a MADV_WIPEONSUSPEND page, reseeds from
//                  getrandom when it reads all zeros; state: key[32] | seeded u32
//   sysgenid       AWS-LC snapsafe: maps the SysGenId counter page, compares it before each call,
//                  reseeds on change, aborts (and retries) a call during which it changed
//                  state: key[32] | generation u32 | seeded u32
//   vdso           Linux 6.11 vDSO getrandom (kernel/vdso.ts); falls back to the syscall on older kernels
//   getrandom      the getrandom(2) syscall on every call
//   rdrand         RDRAND on every call: entropy from the host CPU, 8 bytes per instruction
//
// Every call charges its cost (vmm/costs.ts) to the VM's clock and to the process's CPU time.

import { pageForRead, pageForWrite } from '../memory/guest_memory';
import { cost, COST_CHACHA_BLOCK, COST_GETPID, COST_LCG_STEP, COST_MMAP_CHECK, COST_RDRAND, COST_RDRAND_EXIT, COST_USER_CALL } from '../vmm/costs';
import { EV_LIBRARY_ABORT, EV_LIBRARY_RESEED, logEvent } from '../vmm/events';
import { HE_RDRAND, vmHostEntropy } from '../vmm/host_entropy';
import { advance, clockOf, FEAT_RDRAND_EXITS, FEAT_VDSO, hasFeature, vs, VS_SYSGENID_PAGE } from '../vmm/vmstate';
import { sysGetrandom } from '../kernel/crng';
import { runDueEvents } from '../kernel/events_due';
import {
  LIB_GETRANDOM,
  LIB_NAIVE,
  LIB_OPENSSL_PID,
  LIB_RDRAND,
  LIB_SYSGENID,
  LIB_VDSO,
  LIB_WIPEONFORK,
  LIB_WIPEONSUSPEND,
  P_ABORTS,
  P_CALLS,
  P_LAST_RESEED,
  P_LIBRARY,
  P_NS,
  P_PID,
  P_RESEEDS,
  P_STATE_PAGE,
  procR,
  procW,
} from '../kernel/process';
import { vdsoGetrandom } from '../kernel/vdso';
import { allZero, fastKeyErasure } from '../crypto/fast_key_erasure';

const OPENSSL_RESEED_CALLS: u64 = 1 << 16; // SLAVE_RESEED_INTERVAL
const OPENSSL_RESEED_NS: f64 = 7 * 60 * 1e9; // SLAVE_RESEED_TIME_INTERVAL
const JAVA_MULT: u64 = 0x5deece66d;
const JAVA_MASK: u64 = (1 << 48) - 1;
const RD = memory.data(64, 16);

function noteReseed(r: usize, vm: u32, i: u32, lib: u32): void {
  const e = procW(r, i);
  store<u32>(e + P_RESEEDS, load<u32>(e + P_RESEEDS) + 1);
  store<f64>(e + P_LAST_RESEED, clockOf(r));
  logEvent(vm, EV_LIBRARY_RESEED, clockOf(r), lib);
}

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

/** Seeds a library's state at process start (init-time state that a snapshot will capture). */
export function libInit(r: usize, vm: u32, i: u32): void {
  const lib = load<u32>(procR(r, i) + P_LIBRARY);
  const page = load<u32>(procR(r, i) + P_STATE_PAGE);
  if (lib == LIB_NAIVE) {
    // new Random(): seedUniquifier ^ nanoTime, scrambled; the model seeds from getrandom
    sysGetrandom(r, vm, RD, 8);
    store<u64>(pageForWrite(r, page), (load<u64>(RD) ^ JAVA_MULT) & JAVA_MASK);
  } else if (lib == LIB_OPENSSL_PID) {
    sysGetrandom(r, vm, pageForWrite(r, page), 32);
    const st = pageForWrite(r, page);
    store<u64>(st + 32, 0);
    store<u32>(st + 40, load<u32>(procR(r, i) + P_PID));
    store<f64>(st + 48, clockOf(r));
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
  if (lib <= LIB_SYSGENID) advance(r, cost(COST_USER_CALL));
  let blocks: u32 = 0;
  if (lib == LIB_NAIVE) {
    naive(r, pageForWrite(r, page), out, len);
  } else if (lib == LIB_OPENSSL_PID) {
    advance(r, cost(COST_GETPID));
    const pid = load<u32>(procR(r, i) + P_PID);
    let st = pageForRead(r, page);
    if (load<u32>(st + 40) != pid || load<u64>(st + 32) >= OPENSSL_RESEED_CALLS || clockOf(r) - load<f64>(st + 48) >= OPENSSL_RESEED_NS) {
      sysGetrandom(r, vm, pageForWrite(r, page), 32);
      st = pageForWrite(r, page);
      store<u64>(st + 32, 0);
      store<u32>(st + 40, pid);
      store<f64>(st + 48, clockOf(r));
      noteReseed(r, vm, i, lib);
    }
    st = pageForWrite(r, page);
    store<u64>(st + 32, load<u64>(st + 32) + 1);
    blocks = fastKeyErasure(st, out, len);
  } else if (lib == LIB_WIPEONFORK || lib == LIB_WIPEONSUSPEND) {
    if (allZero(pageForRead(r, page), 36)) {
      sysGetrandom(r, vm, pageForWrite(r, page), 32);
      store<u32>(pageForWrite(r, page) + 32, 1);
      noteReseed(r, vm, i, lib);
    }
    blocks = fastKeyErasure(pageForWrite(r, page), out, len);
  } else if (lib == LIB_SYSGENID) {
    const counterPage = load<u32>(vs(r, VS_SYSGENID_PAGE));
    while (true) {
      advance(r, cost(COST_MMAP_CHECK));
      const gen = load<u32>(pageForRead(r, counterPage));
      const st = pageForRead(r, page);
      if (load<u32>(st + 36) == 0 || load<u32>(st + 32) != gen) {
        sysGetrandom(r, vm, pageForWrite(r, page), 32);
        const w = pageForWrite(r, page);
        store<u32>(w + 32, gen);
        store<u32>(w + 36, 1);
        noteReseed(r, vm, i, lib);
      }
      blocks = fastKeyErasure(pageForWrite(r, page), out, len);
      advance(r, <f64>blocks * cost(COST_CHACHA_BLOCK));
      blocks = 0;
      // the call took time: a bump that landed meanwhile aborts it (and the caller retries)
      runDueEvents(r, vm);
      advance(r, cost(COST_MMAP_CHECK));
      if (load<u32>(pageForRead(r, counterPage)) == gen) break;
      const e = procW(r, i);
      store<u32>(e + P_ABORTS, load<u32>(e + P_ABORTS) + 1);
      logEvent(vm, EV_LIBRARY_ABORT, clockOf(r), lib);
    }
  } else if (lib == LIB_VDSO) {
    if (hasFeature(r, FEAT_VDSO)) {
      if (vdsoGetrandom(r, vm, page, out, len) > 0) noteReseed(r, vm, i, lib);
    } else {
      sysGetrandom(r, vm, out, len); // glibc falls back to the syscall without vDSO getrandom
    }
  } else if (lib == LIB_GETRANDOM) {
    sysGetrandom(r, vm, out, len);
  } else if (lib == LIB_RDRAND) {
    const each = hasFeature(r, FEAT_RDRAND_EXITS) ? cost(COST_RDRAND_EXIT) : cost(COST_RDRAND);
    let done: u32 = 0;
    while (done < len) {
      vmHostEntropy(r, HE_RDRAND, RD, 8);
      const n = min<u32>(8, len - done);
      memory.copy(out + done, RD, n);
      done += n;
      advance(r, each);
    }
  }
  advance(r, <f64>blocks * cost(COST_CHACHA_BLOCK));
  const e = procW(r, i);
  store<u64>(e + P_CALLS, load<u64>(e + P_CALLS) + 1);
  store<f64>(e + P_NS, load<f64>(e + P_NS) + (clockOf(r) - t0));
}
