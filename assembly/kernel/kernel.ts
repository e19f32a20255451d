// The guest kernel's life cycle and the VMM's restore path, as exports for the facade:
// boot (layout, image, CRNG seeded, devices) and what the VMM does to each clone after restore
// (fresh VMGenID, vCPU resume, notification due after δ). Processes and their library calls
// live one floor up, in guest/processes.ts (libraries sit on top of the kernel).
//
// Guest-physical layout (pages), fixed at boot and kept in vmstate:
//
//   0 .. K-1       kernel image (role kernel; the same bytes in every boot of the image)
//   K              kdata: CRNG, input pool, vDSO data, vmgenid driver (role kernel-rng)
//   K+1            process table (role kernel)
//   K+2            VMGenID (role vmgenid; device memory the VMM writes)
//   K+3, K+4       SysGenId counter page (role sysgenid-page) and driver page (role kernel)
//   K+5 ..         process area: one state page per process, up to MAX_PROCS (role library-state)
//   then           secrets and heap, placed by the facade from layoutNextFree()

import { chacha20KeystreamSimd } from '../crypto/chacha20';
import { E_OUT_OF_GUEST_MEMORY, E_UNKNOWN_VM, E_VM_PAUSED, E_INVALID_ARGUMENT, E_TOO_MANY_OBJECTS, fail } from '../errors';
import { reserveFrames, PAGE_SIZE } from '../memory/frames';
import { pageForRead, pageForWrite, recPages, recState, recTop, VM_RUNNING, vmRec, vmSetRole, vmMadvise } from '../memory/guest_memory';
import { ROLE_KERNEL, ROLE_KERNEL_RNG, ROLE_LIBRARY_STATE, ROLE_VMGENID, E_WIPEONFORK } from '../memory/page_table';
import { vecAddr } from '../memory/frame_vector';
import { sysgenidSetup } from '../devices/sysgenid';
import { vmgenidNewId, vmgenidIdAddr } from '../devices/vmgenid';
import { EV_DRAW, EV_RESTORE, EV_RESUME, EV_FORK, logEvent } from '../vmm/events';
import { HE_BOOT, vmHostEntropy } from '../vmm/host_entropy';
import {
  clockOf,
  FEAT_AGENT,
  FEAT_VMGENID,
  FEAT_SYSGENID_OVERSEER,
  FEAT_SYSGENID_VMGENID,
  hasFeature,
  NEVER,
  vs,
  VS_AGENT_AT,
  VS_AGENT_DELAY,
  VS_HEAP_PAGE,
  VS_HEAP_PAGES,
  VS_HOST_CTR,
  VS_KDATA_PAGE,
  VS_KERNEL_PAGES,
  VS_NOTIFY_AT,
  VS_NPROC,
  VS_PROC_AREA_PAGE,
  VS_PROC_AREA_PAGES,
  VS_PROC_PAGE,
  VS_RESUME_AT,
  VS_SECRET_PAGE,
  VS_SECRET_PAGES,
  VS_SYSGENID_KPAGE,
  VS_SYSGENID_PAGE,
  VS_VMGENID_PAGE,
  advance,
} from '../vmm/vmstate';
import { crngReseedAt, initPool, K_NEXT_PID, K_VMGENID_ID, kdataW, mixPoolBytes } from './crng';
import { MAX_PROCS, procCount, procR } from './process';
import { runDueEvents } from './events_due';

const IMAGE_KEY = memory.data(32, 16);
const NONCE = memory.data(12, 16);
const BOOT_BYTES = memory.data(32, 16);

/** Fills pages [first, first+count) with ChaCha20 keystream under a key made from tag (reserve first). */
function fillPages(r: usize, first: u32, count: u32, tag: u64): void {
  memory.fill(IMAGE_KEY, 0, 32);
  store<u64>(IMAGE_KEY, tag);
  store<u64>(IMAGE_KEY + 8, 0x6567616d69206c65); // "el image"
  for (let p = first; p < first + count; p++) {
    store<u32>(NONCE, p);
    chacha20KeystreamSimd(IMAGE_KEY, NONCE, 0, pageForWrite(r, p), PAGE_SIZE);
  }
}

/**
 * Boots the guest kernel in a VM just made by bootVm (its vmstate holds the feature bits):
 * lays out and fills the kernel image, seeds the CRNG from boot entropy and the VMGenID, sets
 * up SysGenId. Returns the first page free for secrets and heap, or an error code.
 */
export function kernelBoot(vm: u32, kernelPages: u32, agentDelayNs: f64): i32 {
  const r = vmRec(vm);
  if (r == 0) return fail(E_UNKNOWN_VM, vm);
  if (recState(r) != VM_RUNNING) return fail(E_VM_PAUSED, vm);
  const pages = recPages(r);
  const K = kernelPages;
  const areaPages = MAX_PROCS;
  if (K < 1 || K + 5 + areaPages + 1 > pages) return fail(E_INVALID_ARGUMENT, K);
  if (!(agentDelayNs >= 0)) return fail(E_INVALID_ARGUMENT, agentDelayNs);
  if (!reserveFrames(2 * (K + 16) + 8)) return fail(E_OUT_OF_GUEST_MEMORY, 2 * (K + 16) + 8);
  store<u32>(vs(r, VS_KERNEL_PAGES), K);
  store<u32>(vs(r, VS_KDATA_PAGE), K);
  store<u32>(vs(r, VS_PROC_PAGE), K + 1);
  store<u32>(vs(r, VS_VMGENID_PAGE), K + 2);
  store<u32>(vs(r, VS_SYSGENID_PAGE), K + 3);
  store<u32>(vs(r, VS_SYSGENID_KPAGE), K + 4);
  store<u32>(vs(r, VS_PROC_AREA_PAGE), K + 5);
  store<u32>(vs(r, VS_PROC_AREA_PAGES), areaPages);
  store<u32>(vs(r, VS_NPROC), 0);
  store<f64>(vs(r, VS_NOTIFY_AT), NEVER);
  store<f64>(vs(r, VS_AGENT_AT), NEVER);
  store<f64>(vs(r, VS_AGENT_DELAY), agentDelayNs);
  store<u64>(vs(r, VS_HOST_CTR), 0);
  vmSetRole(vm, 0, K, ROLE_KERNEL);
  vmSetRole(vm, K, 1, ROLE_KERNEL_RNG);
  vmSetRole(vm, K + 1, 1, ROLE_KERNEL);
  vmSetRole(vm, K + 2, 1, ROLE_VMGENID);
  fillPages(r, 0, K, 0x6b65726e656c); // "kernel": the image, the same in every boot

  // random_init: the pool takes boot entropy (RDSEED/virtio-rng/timings: host entropy here)
  initPool(r);
  store<u32>(kdataW(r) + K_NEXT_PID, 1);
  vmHostEntropy(r, HE_BOOT, BOOT_BYTES, 32);
  mixPoolBytes(r, BOOT_BYTES, 32);
  // the VMM gives the VM its first generation ID; the vmgenid driver (if any) adds it as device
  // randomness
  vmgenidNewId(r);
  if (hasFeature(r, FEAT_VMGENID)) {
    memory.copy(kdataW(r) + K_VMGENID_ID, vmgenidIdAddr(r), 16);
    mixPoolBytes(r, vmgenidIdAddr(r), 16);
  }
  crngReseedAt(r, vm, clockOf(r));
  if (hasFeature(r, FEAT_SYSGENID_VMGENID | FEAT_SYSGENID_OVERSEER)) {
    const e = sysgenidSetup(vm, K + 3, K + 4);
    if (e < 0) return e;
  }
  return <i32>(K + 5 + areaPages);
}

/** The first page after the kernel's structures (secrets and heap go from here). */
export function layoutNextFree(vm: u32): i32 {
  const r = vmRec(vm);
  if (r == 0) return fail(E_UNKNOWN_VM, vm);
  return <i32>(load<u32>(vs(r, VS_PROC_AREA_PAGE)) + load<u32>(vs(r, VS_PROC_AREA_PAGES)));
}

/** Records where the facade placed secrets and heap (for the pictures and the device view). */
export function layoutSetData(vm: u32, secretPage: u32, secretPages: u32, heapPage: u32, heapPages: u32): i32 {
  const r = vmRec(vm);
  if (r == 0) return fail(E_UNKNOWN_VM, vm);
  store<u32>(vs(r, VS_SECRET_PAGE), secretPage);
  store<u32>(vs(r, VS_SECRET_PAGES), secretPages);
  store<u32>(vs(r, VS_HEAP_PAGE), heapPage);
  store<u32>(vs(r, VS_HEAP_PAGES), heapPages);
  return 0;
}

/** Fills pages with deterministic bytes from tag (the application's initialised heap). */
export function fillGuestPages(vm: u32, first: u32, count: u32, tag: f64): i32 {
  const r = vmRec(vm);
  if (r == 0) return fail(E_UNKNOWN_VM, vm);
  if (recState(r) != VM_RUNNING) return fail(E_VM_PAUSED, vm);
  if (<u64>first + <u64>count > <u64>recPages(r)) return fail(E_INVALID_ARGUMENT, first);
  if (!reserveFrames(2 * count + 2)) return fail(E_OUT_OF_GUEST_MEMORY, 2 * count + 2);
  fillPages(r, first, count, <u64>tag);
  return 0;
}

/** Frames a draw or spawn may need: a page and a leaf copy for each page it can write. */
export function reserveForGuestOps(r: usize): bool {
  return reserveFrames(2 * (6 + procCount(r)));
}

/**
 * The VMM after restoring a clone (or resuming the original): a fresh VMGenID from host
 * entropy written before the vCPUs resume, the notification due δ later, the agent's reseed
 * due after its delay.
 */
export function afterRestore(vm: u32, notifyDelayNs: f64, resumed: bool): i32 {
  const r = vmRec(vm);
  if (r == 0) return fail(E_UNKNOWN_VM, vm);
  if (!(notifyDelayNs >= 0) || !isFinite(notifyDelayNs)) return fail(E_INVALID_ARGUMENT, notifyDelayNs);
  if (!reserveFrames(4)) return fail(E_OUT_OF_GUEST_MEMORY, 4);
  const now = clockOf(r);
  logEvent(vm, resumed ? EV_RESUME : EV_RESTORE, now, 0);
  vmgenidNewId(r);
  store<f64>(vs(r, VS_RESUME_AT), now);
  store<f64>(vs(r, VS_NOTIFY_AT), now + notifyDelayNs);
  store<f64>(vs(r, VS_AGENT_AT), hasFeature(r, FEAT_AGENT) ? now + load<f64>(vs(r, VS_AGENT_DELAY)) : NEVER);
  if (!resumed) logEvent(vm, EV_RESUME, now, 0);
  return 0;
}

/** Lets virtual time pass in a VM (handling what falls due), e.g. to cross δ without drawing. */
export function idleVm(vm: u32, ns: f64): i32 {
  const r = vmRec(vm);
  if (r == 0) return fail(E_UNKNOWN_VM, vm);
  if (!(ns >= 0) || !isFinite(ns)) return fail(E_INVALID_ARGUMENT, ns);
  if (!reserveForGuestOps(r)) return fail(E_OUT_OF_GUEST_MEMORY, 2 * (6 + procCount(r)));
  advance(r, ns);
  runDueEvents(r, vm);
  return 0;
}

/** A vmstate field of a VM by byte offset (u32 fields as numbers; f64 fields with asF64). */
export function vmStateField(vm: u32, offset: u32, asF64: bool): f64 {
  const r = vmRec(vm);
  if (r == 0 || offset > 120) return -1;
  return asF64 ? load<f64>(vs(r, offset)) : <f64>load<u32>(vs(r, offset));
}

/** Process facts by field offset of its table entry (u32 fields; calls and ns as f64). */
export function processField(vm: u32, i: u32, offset: u32): f64 {
  const r = vmRec(vm);
  if (r == 0 || i >= procCount(r)) return -1;
  const e = procR(r, i);
  if (offset == 16) return <f64>load<u64>(e + 16);
  if (offset == 24 || offset == 48) return load<f64>(e + offset);
  return <f64>load<u32>(e + offset);
}

/** Number of processes in the VM. */
export function processCount(vm: u32): i32 {
  const r = vmRec(vm);
  return r == 0 ? fail(E_UNKNOWN_VM, vm) : <i32>procCount(r);
}

