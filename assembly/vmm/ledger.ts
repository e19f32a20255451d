// The entropy ledger: per VM, how many bits of fresh input an attacker who holds the snapshot
// cannot predict have gone into each generator since the VM was restored (or resumed). Host-side
// bookkeeping of the lab, never read by the guest: it explains a verdict, it decides no output.
//
// Ledger record (LEDGER_RECORD_SIZE = 1024, one per VM id, memory/guest_memory.ts):
//    0 pool u16    bits pooled in the kernel's input pool since its last extraction
//    2 crng u16    bits in the kernel CRNG key (what getrandom output carries)
//    4 crng cause u8   5 pool cause u8 (what put the bits there: an EV_* kind or CAUSE_*)
//   64 proc u16 x 64      bits in process i's generator state
//  192 per-call u16 x 64  unknown bits the last call of process i mixed in on its own (timer,
//                         pid: guessable when under TRACKABLE_BITS, but it makes outputs differ)
//  256 safe u32 x 64      1-based draw of the current draw run from which process i's state
//                         held >= SAFE_BITS (0 = not yet)
//  512 parent u16 x 64    bits in process i's parent generator (OpenSSL's master/primary DRBG)
//  640 cause u8 x 64      what last raised process i's bits
//  704 safe cause u8 x 64 process i's cause when it first held SAFE_BITS in the draw run
//  768 call clocks f64 x 2 x 16  virtual ns of the first two per-call inputs since restore of
//                         process i < 16 (what an attacker replaying the run from the snapshot
//                         knows: the same virtual time in every clone; not the clone's offset)
//
// The attacker model (docs/FIDELITY.md "The entropy ledger"): the attacker holds the snapshot, so
// every byte in it is known, and can observe the clones' outputs. An input of fewer than
// TRACKABLE_BITS unknown bits can be guessed as it arrives (each output tells the attacker which
// guess was right), so it adds nothing unless a pool gathers many before they are used. The
// kernel's input pool does gather: its content counts when a reseed extracts it. Counts follow
// the sources' own estimates where they give one (random.c credits an interrupt flush
// clamp(count/64, 1, 128) bits and a cycle-counter read nothing); a hardware RNG word counts 64,
// a fresh VMGenID 128, the agent's 32 bytes 256.

import { ledgerAddr } from '../memory/guest_memory';

export const L_POOL: usize = 0;
export const L_CRNG: usize = 2;
export const L_PROC: usize = 64;
export const L_CALL: usize = 192;
export const L_SAFE: usize = 256;
export const L_PARENT: usize = 512;
const L_CRNG_CAUSE: usize = 4;
const L_POOL_CAUSE: usize = 5;
const L_CAUSE: usize = 640;
const L_SAFE_CAUSE: usize = 704;
const L_CALL_CLOCK: usize = 768;
/** Processes whose first two per-call input times are kept. */
export const CALL_CLOCK_PROCS: u32 = 16;
/** Causes beside the EV_* event kinds: RDRAND/RDSEED words, the boot's own entropy. */
export const CAUSE_RDRAND: u32 = 100;
export const CAUSE_BOOT: u32 = 101;
/** Bits from which a generator counts as unpredictable (DESIGN.md "Verdicts"). */
export const SAFE_BITS: u32 = 128;
/** The most bits any generator state can hold (a 256-bit key). */
export const MAX_BITS: u32 = 256;
/** Inputs smaller than this are guessed as they arrive: they add nothing on their own. */
export const TRACKABLE_BITS: u32 = 32;

// @ts-ignore: decorator
@inline function cap(x: u32): u16 {
  return <u16>min<u32>(x, MAX_BITS);
}

/** Sets every count of the VM to `bits` (0 after a restore: the snapshot is known; 256 at boot). */
export function ledgerFill(vm: u32, bits: u32): void {
  const a = ledgerAddr(vm);
  if (a == 0) return;
  store<u16>(a + L_POOL, cap(bits));
  store<u16>(a + L_CRNG, cap(bits));
  const cause = <u8>(bits > 0 ? CAUSE_BOOT : 0);
  store<u8>(a + L_CRNG_CAUSE, cause);
  store<u8>(a + L_POOL_CAUSE, cause);
  for (let i: usize = 0; i < 64; i++) {
    store<u16>(a + L_PROC + (i << 1), cap(bits));
    store<u16>(a + L_CALL + (i << 1), 0);
    store<u32>(a + L_SAFE + (i << 2), 0);
    store<u16>(a + L_PARENT + (i << 1), cap(bits));
    store<u8>(a + L_CAUSE + i, cause);
    store<u8>(a + L_SAFE_CAUSE + i, 0);
  }
  memory.fill(a + L_CALL_CLOCK, 0, 256);
}

/** Fresh input mixed into the input pool (pooled: small inputs add up here); `cause` names it. */
export function ledgerPool(vm: u32, bits: u32, cause: u32): void {
  const a = ledgerAddr(vm);
  if (a == 0 || bits == 0) return;
  if (bits >= TRACKABLE_BITS || load<u8>(a + L_POOL_CAUSE) == 0) store<u8>(a + L_POOL_CAUSE, <u8>cause);
  store<u16>(a + L_POOL, cap(<u32>load<u16>(a + L_POOL) + bits));
}

/**
 * A CRNG reseed (`cause`: the event that ran it): the pool's bits and the hardware words' go into
 * the key at once, if together they are more than a guess's worth.
 */
export function ledgerReseed(vm: u32, archBits: u32, cause: u32): void {
  const a = ledgerAddr(vm);
  if (a == 0) return;
  const pool = <u32>load<u16>(a + L_POOL);
  const add = pool + archBits;
  if (add >= TRACKABLE_BITS) {
    store<u16>(a + L_CRNG, cap(<u32>load<u16>(a + L_CRNG) + add));
    store<u8>(a + L_CRNG_CAUSE, <u8>cause);
  }
  store<u16>(a + L_POOL, 0);
  store<u8>(a + L_POOL_CAUSE, 0);
}

/** Fresh input straight into the CRNG state (5.10's per-block RDRAND XOR). */
export function ledgerCrng(vm: u32, bits: u32, cause: u32): void {
  const a = ledgerAddr(vm);
  if (a == 0 || bits < TRACKABLE_BITS) return;
  store<u16>(a + L_CRNG, cap(<u32>load<u16>(a + L_CRNG) + bits));
  store<u8>(a + L_CRNG_CAUSE, <u8>cause);
}

/** What put the kernel CRNG's bits there. */
export function ledgerCrngCause(vm: u32): u32 {
  const a = ledgerAddr(vm);
  return a == 0 ? 0 : <u32>load<u8>(a + L_CRNG_CAUSE);
}

/** The bits in the kernel CRNG key now. */
export function ledgerCrngBits(vm: u32): u32 {
  const a = ledgerAddr(vm);
  return a == 0 ? 0 : <u32>load<u16>(a + L_CRNG);
}

/** Fresh input into process i's generator (an injection smaller than TRACKABLE_BITS adds nothing). */
export function ledgerProc(vm: u32, i: u32, bits: u32, cause: u32): void {
  const a = ledgerAddr(vm);
  if (a == 0 || i >= 64 || bits < TRACKABLE_BITS) return;
  const at = a + L_PROC + (<usize>i << 1);
  store<u16>(at, cap(<u32>load<u16>(at) + bits));
  store<u8>(a + L_CAUSE + i, <u8>cause);
}

/** Process i's generator bits. */
export function ledgerProcBits(vm: u32, i: u32): u32 {
  const a = ledgerAddr(vm);
  return a == 0 || i >= 64 ? 0 : <u32>load<u16>(a + L_PROC + (<usize>i << 1));
}

/** A forked child starts with its parent's bits. */
export function ledgerCopyProc(vm: u32, from: u32, to: u32): void {
  const a = ledgerAddr(vm);
  if (a == 0 || from >= 64 || to >= 64) return;
  store<u16>(a + L_PROC + (<usize>to << 1), load<u16>(a + L_PROC + (<usize>from << 1)));
  store<u16>(a + L_PARENT + (<usize>to << 1), load<u16>(a + L_PARENT + (<usize>from << 1)));
}

/** Records the unknown bits process i's last call mixed in by itself (0 for none). */
export function ledgerCallBits(vm: u32, i: u32, bits: u32): void {
  const a = ledgerAddr(vm);
  if (a != 0 && i < 64) store<u16>(a + L_CALL + (<usize>i << 1), cap(bits));
}

/** Sets process i's generator to `bits` (a fresh seed replaces what was there), raised by `cause`. */
export function ledgerSetProc(vm: u32, i: u32, bits: u32, cause: u32): void {
  const a = ledgerAddr(vm);
  if (a == 0 || i >= 64) return;
  const at = a + L_PROC + (<usize>i << 1);
  if (bits > <u32>load<u16>(at)) store<u8>(a + L_CAUSE + i, <u8>cause);
  store<u16>(at, cap(bits));
}

/** Starts a draw run: every process safe from draw 1 if its state already holds SAFE_BITS. */
export function ledgerDrawStart(vm: u32, n: u32): void {
  const a = ledgerAddr(vm);
  if (a == 0) return;
  for (let i: u32 = 0; i < n && i < 64; i++) {
    const bits = <u32>load<u16>(a + L_PROC + (<usize>i << 1));
    store<u32>(a + L_SAFE + (<usize>i << 2), bits >= SAFE_BITS ? 1 : 0);
    store<u8>(a + L_SAFE_CAUSE + i, bits >= SAFE_BITS ? load<u8>(a + L_CAUSE + i) : 0);
  }
}

/** After draw d (0-based) of process i: notes the first draw its state held SAFE_BITS. */
export function ledgerDrawDone(vm: u32, i: u32, d: u32): void {
  const a = ledgerAddr(vm);
  if (a == 0 || i >= 64) return;
  const at = a + L_SAFE + (<usize>i << 2);
  if (load<u32>(at) == 0 && <u32>load<u16>(a + L_PROC + (<usize>i << 1)) >= SAFE_BITS) {
    store<u32>(at, d + 1);
    store<u8>(a + L_SAFE_CAUSE + i, load<u8>(a + L_CAUSE + i));
  }
}

/**
 * A ledger field for the facade: 0 pool, 1 CRNG, 2 + i process i's bits, 66 + i process i's
 * per-call bits, 130 + i process i's safe-from draw, 194 CRNG cause, 195 + i process i's cause,
 * 259 + i process i's safe cause.
 */
export function ledgerRead(vm: u32, which: u32): u32 {
  const a = ledgerAddr(vm);
  if (a == 0) return 0;
  if (which == 0) return <u32>load<u16>(a + L_POOL);
  if (which == 1) return <u32>load<u16>(a + L_CRNG);
  if (which < 66) return <u32>load<u16>(a + L_PROC + (<usize>(which - 2) << 1));
  if (which < 130) return <u32>load<u16>(a + L_CALL + (<usize>(which - 66) << 1));
  if (which < 194) return load<u32>(a + L_SAFE + (<usize>(which - 130) << 2));
  if (which == 194) return <u32>load<u8>(a + L_CRNG_CAUSE);
  if (which < 259) return <u32>load<u8>(a + L_CAUSE + (which - 195));
  if (which < 323) return <u32>load<u8>(a + L_SAFE_CAUSE + (which - 259));
  return 0;
}

/** Process i's parent generator bits. */
export function ledgerParentBits(vm: u32, i: u32): u32 {
  const a = ledgerAddr(vm);
  return a == 0 || i >= 64 ? 0 : <u32>load<u16>(a + L_PARENT + (<usize>i << 1));
}

/** Sets process i's parent generator bits. */
export function ledgerSetParent(vm: u32, i: u32, bits: u32): void {
  const a = ledgerAddr(vm);
  if (a != 0 && i < 64) store<u16>(a + L_PARENT + (<usize>i << 1), cap(bits));
}

/** Notes when process i mixed in a per-call input (its first two since restore are kept). */
export function ledgerCallClock(vm: u32, i: u32, t: f64): void {
  const a = ledgerAddr(vm);
  if (a == 0 || i >= CALL_CLOCK_PROCS) return;
  const at = a + L_CALL_CLOCK + (<usize>i << 4);
  if (load<f64>(at) == 0) store<f64>(at, t);
  else if (load<f64>(at + 8) == 0) store<f64>(at + 8, t);
}

/** The virtual ns of process i's call k (0 or 1) per-call input since restore (0: none yet). */
export function ledgerCallClockNs(vm: u32, i: u32, k: u32): f64 {
  const a = ledgerAddr(vm);
  if (a == 0 || i >= CALL_CLOCK_PROCS || k > 1) return 0;
  return load<f64>(a + L_CALL_CLOCK + (<usize>i << 4) + (<usize>k << 3));
}
