// The per-VM saved state the engine carries in each VM record and snapshot (VMSTATE_BYTES = 128,
// at R_VMSTATE): captured into a snapshot, copied into every clone. It holds what is not guest
// memory: kernel feature bits, the virtual clock, where the guest's structures live, and the
// VMM's pending device events. Guest-visible state (CRNG, library DRBGs, counters, the VMGenID
// bytes) is never here: it is in guest pages.
//
//   0 features u32 (FEAT_*)            4 TSC offset u32 (cycles: this VM's restore moment, host side)
//   8 clock f64 (virtual ns)          16 notifyAt f64 (VMGenID notification due; NEVER = none)
//  24 agentAt f64 (agent reseed due)  32 resumeAt f64 (last vCPU resume)
//  40 kdata page u32                  44 process table page u32
//  48 process count u32               52 vmgenid page u32
//  56 sysgenid mmap page u32          60 sysgenid driver page u32
//  64 heap first page u32             68 heap pages u32
//  72 agent delay f64 (ns)            80 host entropy counter u64
//  88 process area first page u32     92 process area pages u32
//  96 secret first page u32          100 secret pages u32
// 104 kernel image pages u32         108 (reserved)
// 112 lineage key u64 (memory/guest_memory.ts VS_LINEAGE: host entropy is keyed by it)
// 120 snapshots taken of this VM u32 124 (reserved)

import { FEAT_WIPEONSUSPEND, R_VMSTATE, VS_CLOCK, VS_FEATURES } from '../memory/guest_memory';

export { VS_CLOCK, VS_FEATURES };
export const VS_TSC_OFFSET: usize = 4;
export const VS_NOTIFY_AT: usize = 16;
export const VS_AGENT_AT: usize = 24;
export const VS_RESUME_AT: usize = 32;
export const VS_KDATA_PAGE: usize = 40;
export const VS_PROC_PAGE: usize = 44;
export const VS_NPROC: usize = 48;
export const VS_VMGENID_PAGE: usize = 52;
export const VS_SYSGENID_PAGE: usize = 56;
export const VS_SYSGENID_KPAGE: usize = 60;
export const VS_HEAP_PAGE: usize = 64;
export const VS_HEAP_PAGES: usize = 68;
export const VS_AGENT_DELAY: usize = 72;
export const VS_HOST_CTR: usize = 80;
export const VS_PROC_AREA_PAGE: usize = 88;
export const VS_PROC_AREA_PAGES: usize = 92;
export const VS_SECRET_PAGE: usize = 96;
export const VS_SECRET_PAGES: usize = 100;
export const VS_KERNEL_PAGES: usize = 104;

export const NEVER: f64 = Infinity;

// guest kernel feature bits (VS_FEATURES); bit 0 is the engine's FEAT_WIPEONSUSPEND
export { FEAT_WIPEONSUSPEND };
export const FEAT_VMGENID: u32 = 2; // the vmgenid driver (Linux >= 5.18)
export const FEAT_SYSGENID_VMGENID: u32 = 4; // SysGenId bumped by the VMGenID notification (v1-v7)
export const FEAT_SYSGENID_OVERSEER: u32 = 8; // SysGenId bumped only by TRIGGER_GEN_UPDATE (v8)
export const FEAT_VDSO: u32 = 16; // vDSO getrandom (Linux >= 6.11)
export const FEAT_JITTER: u32 = 32; // per-clone timing-jitter entropy
export const FEAT_AGENT: u32 = 64; // guest agent reseeds after restore
export const FEAT_RDRAND_EXITS: u32 = 128; // (retired: KVM never exits on an exposed RDRAND; kept so old files load)
export const FEAT_GEN_510: u32 = 256; // random.c before 5.17 (else 6.1: 5.18-6.1.y)
export const FEAT_GEN_611: u32 = 512; // random.c from 6.2 (delayed-work reseed) with vDSO getrandom
export const FEAT_CPU_RDRAND: u32 = 1024; // the vCPU has RDRAND
export const FEAT_CPU_RDSEED: u32 = 2048; // the vCPU has RDSEED
export const FEAT_CPU_INTEL: u32 = 4096; // the vCPU says GenuineIntel (BoringSSL's "fast RDRAND")
export const FEAT_VMCLOCK: u32 = 8192; // Firecracker's VMClock device
export const FEAT_UEVENT: u32 = 16384; // the vmgenid driver emits NEW_VMGENID=1 (Linux 6.8)
export const FEAT_CLOCK_SYNC: u32 = 32768; // the guest's wall clock is moved to the host's after restore

/** Address of a VM record's vmstate field. */
// @ts-ignore: decorator
@inline export function vs(r: usize, field: usize): usize {
  return r + R_VMSTATE + field;
}

/** The VM's virtual clock, ns. */
// @ts-ignore: decorator
@inline export function clockOf(r: usize): f64 {
  return load<f64>(vs(r, VS_CLOCK));
}

/** Advances the VM's virtual clock by ns. */
// @ts-ignore: decorator
@inline export function advance(r: usize, ns: f64): void {
  store<f64>(vs(r, VS_CLOCK), load<f64>(vs(r, VS_CLOCK)) + ns);
}

/** True if the VM's kernel has feature f. */
// @ts-ignore: decorator
@inline export function hasFeature(r: usize, f: u32): bool {
  return (load<u32>(vs(r, VS_FEATURES)) & f) != 0;
}
