// Time as the guest kernel reads it: the cycle counter (random_get_entropy(), the TSC on x86), the
// hardware RNG instructions the vCPU offers, and the wall clock.
//
// The cycle counter is the VM's virtual clock at CYCLES_PER_NS, plus the VM's TSC offset (vmstate
// VS_TSC_OFFSET: where in the host's timeline this clone was restored; 0 for a booted VM) plus a
// small per-read jitter (scheduling noise). Both come from host entropy keyed by the clone's place
// in the lineage, so runs are reproducible and clones differ as real clones do. With timing
// entropy off (FEAT_JITTER clear) both are 0 and every clone reads the same cycle counts.
//
// Model estimates (docs/FIDELITY.md "Timing"): a restore moment known to within 2^16 cycles
// (~22 us at 3 GHz) and 2^4 cycles of noise per read.

import { HE_JITTER, HE_RDRAND, vmHostEntropy } from '../vmm/host_entropy';
import {
  clockOf,
  FEAT_CPU_RDRAND,
  FEAT_CPU_RDSEED,
  FEAT_JITTER,
  hasFeature,
  vs,
  VS_TSC_OFFSET,
} from '../vmm/vmstate';

export const CYCLES_PER_NS: f64 = 3; // a 3 GHz vCPU
export const TSC_OFFSET_BITS: u32 = 16;
export const READ_JITTER_BITS: u32 = 4;
/** Bits the kernel credits one interrupt fast-pool flush (random.c: clamp(count/64, 1, 128) at ~64 interrupts). */
export const FLUSH_CREDIT_BITS: u32 = 1;
/** The fast pool is flushed at least once a second (random.c add_interrupt_randomness: HZ). */
export const FLUSH_INTERVAL_NS: f64 = 1e9;

const SCRATCH = memory.data(16, 16);

/** A fresh TSC offset for a restored clone (0 without timing entropy). */
export function newTscOffset(r: usize): void {
  let off: u32 = 0;
  if (hasFeature(r, FEAT_JITTER)) {
    vmHostEntropy(r, HE_JITTER, SCRATCH, 4);
    off = load<u32>(SCRATCH) & ((1 << TSC_OFFSET_BITS) - 1);
  }
  store<u32>(vs(r, VS_TSC_OFFSET), off);
}

/** random_get_entropy(): the cycle counter now, as the guest reads it. */
export function randomGetEntropy(r: usize): u64 {
  let c = <u64>(clockOf(r) * CYCLES_PER_NS) + <u64>load<u32>(vs(r, VS_TSC_OFFSET));
  if (hasFeature(r, FEAT_JITTER)) {
    vmHostEntropy(r, HE_JITTER, SCRATCH, 1);
    c += <u64>(load<u8>(SCRATCH) & ((1 << READ_JITTER_BITS) - 1));
  }
  return c;
}

/** RDSEED: one 64-bit word at out, if the vCPU has it (the hardware's entropy: host entropy here). */
export function archSeedLong(r: usize, out: usize): bool {
  if (!hasFeature(r, FEAT_CPU_RDSEED)) return false;
  vmHostEntropy(r, HE_RDRAND, out, 8);
  return true;
}

/** RDRAND: one 64-bit word at out, if the vCPU has it. */
export function archLong(r: usize, out: usize): bool {
  if (!hasFeature(r, FEAT_CPU_RDRAND)) return false;
  vmHostEntropy(r, HE_RDRAND, out, 8);
  return true;
}
