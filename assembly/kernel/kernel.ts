// The guest kernel's life cycle and the VMM's restore path, as exports for the facade:
// boot (layout, image, CRNG seeded, devices), processes (spawn, fork), draws, and what the VMM
// does to each clone after restore (fresh VMGenID, vCPU resume, notification due after δ).
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
import { HE_BOOT, hostEntropy } from '../vmm/host_entropy';
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
import { libGenerate, libInit } from '../libs/libraries';
import { libraryPageFlags, LIB_COUNT, MAX_PROCS, newProcess, P_BYTES, P_LIBRARY, P_PID, P_STATE_PAGE, procCount, procR } from './process';
import { runDueEvents } from './events_due';

const IMAGE_KEY = memory.data(32, 16);
const NONCE = memory.data(12, 16);
const BOOT_BYTES = memory.data(32, 16);
const SCRATCH_OUT = memory.data(64, 16);

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
  hostEntropy(HE_BOOT, vm, 0, BOOT_BYTES, 32);
  store<u64>(vs(r, VS_HOST_CTR), 1);
  mixPoolBytes(r, BOOT_BYTES, 32);
  // the VMM gives the VM its first generation ID; the vmgenid driver (if any) adds it as device
  // randomness
  vmgenidNewId(r, vm);
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
function reserveForGuestOps(r: usize): bool {
  return reserveFrames(2 * (6 + procCount(r)));
}

/**
 * Starts a process running library `lib` that draws `bytes` per call: a pid, a state page with
 * the library's madvise flags, the library's init, and one warm-up call (the application's
 * initialisation uses its RNG before the snapshot). Returns the process index or an error.
 */
export function spawnProcess(vm: u32, lib: u32, bytes: u32): i32 {
  const r = vmRec(vm);
  if (r == 0) return fail(E_UNKNOWN_VM, vm);
  if (recState(r) != VM_RUNNING) return fail(E_VM_PAUSED, vm);
  if (lib >= LIB_COUNT || bytes == 0 || bytes > 64) return fail(E_INVALID_ARGUMENT, lib);
  if (procCount(r) >= MAX_PROCS) return fail(E_TOO_MANY_OBJECTS, MAX_PROCS);
  if (!reserveForGuestOps(r)) return fail(E_OUT_OF_GUEST_MEMORY, 2 * (6 + procCount(r)));
  const i = <u32>newProcess(r, lib, bytes, 0);
  const page = load<u32>(procR(r, i) + P_STATE_PAGE);
  vmSetRole(vm, page, 1, ROLE_LIBRARY_STATE);
  const flags = libraryPageFlags(lib);
  if (flags != 0) vmMadvise(vm, <f64>page * PAGE_SIZE, PAGE_SIZE, flags, 0);
  libInit(r, vm, i);
  libGenerate(r, vm, i, SCRATCH_OUT, bytes);
  return <i32>i;
}

/**
 * fork(2) of process i: the child gets a new pid and a copy of the parent's state page —
 * except that a MADV_WIPEONFORK page reads as zeros in the child. Returns the child's index.
 */
export function forkProcess(vm: u32, i: u32): i32 {
  const r = vmRec(vm);
  if (r == 0) return fail(E_UNKNOWN_VM, vm);
  if (recState(r) != VM_RUNNING) return fail(E_VM_PAUSED, vm);
  if (i >= procCount(r)) return fail(E_INVALID_ARGUMENT, i);
  if (procCount(r) >= MAX_PROCS) return fail(E_TOO_MANY_OBJECTS, MAX_PROCS);
  if (!reserveForGuestOps(r)) return fail(E_OUT_OF_GUEST_MEMORY, 2 * (6 + procCount(r)));
  const lib = load<u32>(procR(r, i) + P_LIBRARY);
  const c = <u32>newProcess(r, lib, load<u32>(procR(r, i) + P_BYTES), load<u32>(procR(r, i) + P_PID));
  const src = load<u32>(procR(r, i) + P_STATE_PAGE);
  const dst = load<u32>(procR(r, c) + P_STATE_PAGE);
  vmSetRole(vm, dst, 1, ROLE_LIBRARY_STATE);
  const flags = libraryPageFlags(lib);
  if (flags != 0) vmMadvise(vm, <f64>dst * PAGE_SIZE, PAGE_SIZE, flags, 0);
  if (flags & E_WIPEONFORK) memory.fill(pageForWrite(r, dst), 0, PAGE_SIZE);
  else memory.copy(pageForWrite(r, dst), pageForRead(r, src), PAGE_SIZE);
  logEvent(vm, EV_FORK, clockOf(r), c);
  return <i32>c;
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
  vmgenidNewId(r, vm);
  store<f64>(vs(r, VS_RESUME_AT), now);
  store<f64>(vs(r, VS_NOTIFY_AT), now + notifyDelayNs);
  store<f64>(vs(r, VS_AGENT_AT), hasFeature(r, FEAT_AGENT) ? now + load<f64>(vs(r, VS_AGENT_DELAY)) : NEVER);
  if (!resumed) logEvent(vm, EV_RESUME, now, 0);
  return 0;
}

/**
 * Every process of the VM makes `draws` calls, one per request, `intervalNs` of virtual time
 * apart. list (at listPtr) holds 4 u32 per process: output vector top, stride, bytes, uuid (1 =
 * set the RFC 9562 version and variant bits), listCount entries (the VM's process count); call d
 * of the VM with index `vmIndex` writes at output index vmIndex * draws + d.
 */
export function drawVm(vm: u32, draws: u32, intervalNs: f64, listPtr: usize, listCount: u32, vmIndex: u32): i32 {
  const r = vmRec(vm);
  if (r == 0) return fail(E_UNKNOWN_VM, vm);
  if (recState(r) != VM_RUNNING) return fail(E_VM_PAUSED, vm);
  if (listCount != procCount(r)) return fail(E_INVALID_ARGUMENT, listCount); // one entry per process
  if (!(intervalNs >= 0) || !isFinite(intervalNs)) return fail(E_INVALID_ARGUMENT, intervalNs);
  if (!reserveForGuestOps(r)) return fail(E_OUT_OF_GUEST_MEMORY, 2 * (6 + procCount(r)));
  const n = procCount(r);
  for (let d: u32 = 0; d < draws; d++) {
    runDueEvents(r, vm); // what fell due between rounds happens before this round starts
    logEvent(vm, EV_DRAW, clockOf(r), d);
    for (let i: u32 = 0; i < n; i++) {
      const e = listPtr + (<usize>i << 4);
      const stride = load<u32>(e + 4);
      const out = vecAddr(load<u32>(e), <u64>(vmIndex * draws + d) * stride);
      libGenerate(r, vm, i, out, load<u32>(e + 8));
      if (load<u32>(e + 12) != 0) {
        store<u8>(out + 6, (load<u8>(out + 6) & 0x0f) | 0x40);
        store<u8>(out + 8, (load<u8>(out + 8) & 0x3f) | 0x80);
      }
    }
    advance(r, intervalNs);
  }
  runDueEvents(r, vm);
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

