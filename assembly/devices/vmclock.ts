// VMClock (Firecracker src/vmm/src/devices/acpi/vmclock.rs, vmclock_abi.rs; since 1.14/1.15): a
// page of struct vmclock_abi the guest may map. Firecracker keeps its contents in the snapshot
// and, when a snapshot is loaded, bumps disruption_marker and vm_generation_counter by one inside
// a seq_count write section (do_post_restore). Every clone of one snapshot therefore reads the
// SAME new counter (saved + 1): it says "you were restored", not "you are unique". The original
// VM that resumes after taking the snapshot is not bumped.
//
// The model places struct vmclock_abi (112 bytes) at VMCLOCK_OFFSET of the VMGenID device page
// (Firecracker gives it a page of its own; the placement decides nothing). Layout (LE):
//     0 magic u32 (0x4B4C4356 "VCLK")   4 size u32 (0x1000)   8 version u16 (1)
//    10 counter_id u8 (255 invalid)    11 time_type u8       12 seq_count u32
//    16 disruption_marker u64          24 flags u64 (VM_GEN_COUNTER_PRESENT 1<<8 | NOTIFICATION_PRESENT 1<<9)
//    34 clock_status u8 (0 unknown) ... 104 vm_generation_counter u64

import { pageForRead, pageForWrite } from '../memory/guest_memory';
import { EV_VMCLOCK_BUMP, logEvent } from '../vmm/events';
import { clockOf, FEAT_VMCLOCK, hasFeature, vs, VS_VMGENID_PAGE } from '../vmm/vmstate';

export const VMCLOCK_OFFSET: usize = 2048;
export const VC_MAGIC: usize = 0;
export const VC_SEQ: usize = 12;
export const VC_DISRUPTION: usize = 16;
export const VC_FLAGS: usize = 24;
export const VC_GENERATION: usize = 104;
const MAGIC: u32 = 0x4b4c4356;

/** activate(): the initial vmclock_abi, if the VM has the device. */
export function vmclockInit(r: usize): void {
  if (!hasFeature(r, FEAT_VMCLOCK)) return;
  const p = pageForWrite(r, load<u32>(vs(r, VS_VMGENID_PAGE))) + VMCLOCK_OFFSET;
  memory.fill(p, 0, 112);
  store<u32>(p + VC_MAGIC, MAGIC);
  store<u32>(p + 4, 0x1000);
  store<u16>(p + 8, 1);
  store<u8>(p + 10, 255);
  store<u64>(p + VC_FLAGS, (1 << 8) | (1 << 9));
}

/** do_post_restore(): bumps disruption_marker and vm_generation_counter inside a seq_count section. */
export function vmclockPostRestore(r: usize, vm: u32): void {
  if (!hasFeature(r, FEAT_VMCLOCK)) return;
  const p = pageForWrite(r, load<u32>(vs(r, VS_VMGENID_PAGE))) + VMCLOCK_OFFSET;
  const seq = load<u32>(p + VC_SEQ);
  store<u32>(p + VC_SEQ, seq | 1);
  store<u64>(p + VC_DISRUPTION, load<u64>(p + VC_DISRUPTION) + 1);
  const gen = load<u64>(p + VC_GENERATION) + 1;
  store<u64>(p + VC_GENERATION, gen);
  store<u32>(p + VC_SEQ, (seq | 1) + 1);
  logEvent(vm, EV_VMCLOCK_BUMP, clockOf(r), <u32>gen);
}

/** The vm_generation_counter a guest reads now (0 without the device). */
export function vmclockGeneration(r: usize): u64 {
  if (!hasFeature(r, FEAT_VMCLOCK)) return 0;
  return load<u64>(pageForRead(r, load<u32>(vs(r, VS_VMGENID_PAGE))) + VMCLOCK_OFFSET + VC_GENERATION);
}
