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
import { E_OUT_OF_GUEST_MEMORY, E_UNKNOWN_VM, E_VM_PAUSED, E_INVALID_ARGUMENT, fail } from '../errors';
import { frameRefcount, reserveFrames, PAGE_SIZE } from '../memory/frames';
import { pageForWrite, recPages, recState, recTop, VM_RUNNING, vmRec, vmSetRole } from '../memory/guest_memory';
import { E_FRAME_MASK, LEAF_SHIFT, leafNeedsCopy, readEntry, ROLE_KERNEL, ROLE_KERNEL_RNG, ROLE_VMGENID } from '../memory/page_table';
import { sysgenidSetup } from '../devices/sysgenid';
import { vmgenidNewId, vmgenidIdAddr } from '../devices/vmgenid';
import { vmclockGeneration, vmclockInit, vmclockPostRestore } from '../devices/vmclock';
import { cost, COST_S3_RESUME, COST_S3_SUSPEND } from '../vmm/costs';
import { EV_PM_RESEED, EV_RESTORE, EV_RESUME, logEvent } from '../vmm/events';
import { HE_BOOT, vmHostEntropy } from '../vmm/host_entropy';
import { CAUSE_BOOT, ledgerFill, ledgerRead, MAX_BITS } from '../vmm/ledger';
import {
  clockOf,
  FEAT_AGENT,
  FEAT_CLOCK_SYNC,
  FEAT_GEN_510,
  FEAT_VMGENID,
  FEAT_SYSGENID_OVERSEER,
  FEAT_SYSGENID_VMGENID,
  FEAT_WIPEONSUSPEND,
  hasFeature,
  NEVER,
  vs,
  VS_AGENT_AT,
  VS_AGENT_DELAY,
  VS_HEAP_PAGE,
  VS_HEAP_PAGES,
  VS_HOST_CTR,
  VS_FEATURES,
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
import {
  advanceWallClock,
  armDelayedReseed,
  crngReseed,
  crngReseedAt,
  initPool,
  K_NEXT_PID,
  K_VMGENID_ID,
  kdataW,
  mixPoolBytes,
  wallClockNs,
} from './crng';
import { initCrng510 } from './crng510';
import { MAX_PROCS, P_ABORTS, P_CALLS, P_NS, P_RESEEDS, procCount, procR } from './process';
import { runDueEvents } from './events_due';
import { newTscOffset } from './timing';

const IMAGE_KEY = memory.data(32, 16);
const NONCE = memory.data(12, 16);
const BOOT_BYTES = memory.data(32, 16);
const STAMPS = memory.data(24, 8);

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
  vmclockInit(r);
  if (hasFeature(r, FEAT_VMGENID) && !hasFeature(r, FEAT_GEN_510)) {
    memory.copy(kdataW(r) + K_VMGENID_ID, vmgenidIdAddr(r), 16);
    mixPoolBytes(r, vmgenidIdAddr(r), 16);
  }
  if (hasFeature(r, FEAT_GEN_510)) initCrng510(r);
  crngReseedAt(r, vm, clockOf(r), CAUSE_BOOT);
  armDelayedReseed(r, clockOf(r));
  // the boot's entropy is the VM's own: nothing of it is known until a snapshot is taken
  ledgerFill(vm, MAX_BITS);
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

/**
 * Frames the guest's own operations can take in a VM running `procs` processes: a page and a
 * leaf copy for each page it can write (kdata, the process table, the VMGenID, SysGenId and
 * VMClock pages, each process's state page). Once written a page is private, so this also bounds
 * what a clone copies over its life (the fleet checks count it per clone).
 */
export function guestOpFrames(procs: u32): u32 {
  return 2 * (6 + procs);
}

const LEAVES_SEEN = memory.data(4 * 8);

/**
 * Frames the guest's own operations would still copy in the table `top` of a VM or snapshot
 * (rec: its record, whose vmstate says where the pages are): each page they write (kdata, the
 * process table, the VMGenID/VMClock page, the SysGenId pages where the device is, each
 * process's state page) that is shared or not backed yet, and each leaf holding one that is
 * shared. `shared`: count every one of them (a clone not made yet shares them all).
 */
export function writeSetFrames(rec: usize, top: u32, shared: bool): u32 {
  const k = load<u32>(vs(rec, VS_KDATA_PAGE));
  const sysgenid = (load<u32>(vs(rec, VS_FEATURES)) & (FEAT_SYSGENID_VMGENID | FEAT_SYSGENID_OVERSEER)) != 0;
  const nproc = min<u32>(load<u32>(vs(rec, VS_NPROC)), MAX_PROCS);
  let frames: u32 = 0;
  let leaves: u32 = 0;
  for (let i: u32 = 0; i < 5 + nproc; i++) {
    if ((i == 3 || i == 4) && !sysgenid) continue;
    // kdata, the process table and the device pages follow the kernel image; the state pages follow them
    const p = i < 5 ? k + i : load<u32>(vs(rec, VS_PROC_AREA_PAGE)) + (i - 5);
    const f = readEntry(top, p) & E_FRAME_MASK;
    if (shared || f == 0 || frameRefcount(f) > 1) frames++;
    const li = p >> LEAF_SHIFT;
    let seen = false;
    for (let j: u32 = 0; j < leaves; j++) if (load<u32>(LEAVES_SEEN + (<usize>j << 2)) == li) seen = true;
    if (seen || leaves == 8) continue;
    store<u32>(LEAVES_SEEN + (<usize>leaves << 2), li);
    leaves++;
    if (shared || leafNeedsCopy(top, li)) frames++;
  }
  return frames;
}

/** Frames a VM's guest operations (its next draw) would still copy: 0 once they made their pages private. */
export function vmGuestOpFrames(vm: u32): i32 {
  const r = vmRec(vm);
  if (r == 0) return fail(E_UNKNOWN_VM, vm);
  return <i32>writeSetFrames(r, recTop(r), false);
}

/** Frames a draw or spawn may need (guestOpFrames), reserved. */
export function reserveForGuestOps(r: usize): bool {
  return reserveFrames(guestOpFrames(procCount(r)));
}

/**
 * The guest's way into a snapshot (kernels with MADV_WIPEONSUSPEND: the VMM drives ACPI S3
 * first, the RFC's kernel/power/suspend.c wipes the flagged pages on the way in, the snapshot
 * engine does the wipe). random_pm_notification (Linux >= 5.19) mixes its timestamps on
 * PM_SUSPEND_PREPARE. Charges the S3 entry.
 */
export function kernelSuspend(vm: u32): i32 {
  const r = vmRec(vm);
  if (r == 0) return fail(E_UNKNOWN_VM, vm);
  if (recState(r) != VM_RUNNING) return fail(E_VM_PAUSED, vm);
  if (!hasFeature(r, FEAT_WIPEONSUSPEND)) return 0;
  if (!reserveFrames(4)) return fail(E_OUT_OF_GUEST_MEMORY, 4);
  if (!hasFeature(r, FEAT_GEN_510)) pmStamps(r);
  advance(r, cost(COST_S3_SUSPEND));
  return 0;
}

/** random_pm_notification's stamps: ktime_get, ktime_get_boottime, ktime_get_real, into the pool. */
function pmStamps(r: usize): void {
  const now = clockOf(r);
  store<f64>(STAMPS, now);
  store<f64>(STAMPS + 8, now);
  store<f64>(STAMPS + 16, wallClockNs(r));
  mixPoolBytes(r, STAMPS, 24);
}

/**
 * The VMM after loading a snapshot into a clone (resumed = false) or resuming the VM the
 * snapshot was taken of (resumed = true). Firecracker (vmm/src/devices/acpi/vmgenid.rs,
 * vmclock.rs; persist.rs) writes a fresh VMGenID and bumps VMClock only when a snapshot is
 * LOADED: the resumed original keeps its ID, gets no notification, and its agent is not woken.
 * A clone also runs on its own host timeline (a new TSC offset). Every generator's ledger starts
 * at 0: whoever holds the snapshot knows every byte. A kernel with MADV_WIPEONSUSPEND resumes
 * from S3, and from Linux 5.19 random_pm_notification reseeds the CRNG on PM_POST_SUSPEND. With
 * clock sync the guest's wall clock jumps forward by the snapshot's age.
 */
export function afterRestore(vm: u32, notifyDelayNs: f64, resumed: bool, snapshotAgeNs: f64): i32 {
  const r = vmRec(vm);
  if (r == 0) return fail(E_UNKNOWN_VM, vm);
  if (!(notifyDelayNs >= 0) || !isFinite(notifyDelayNs)) return fail(E_INVALID_ARGUMENT, notifyDelayNs);
  if (!(snapshotAgeNs >= 0) || !isFinite(snapshotAgeNs)) return fail(E_INVALID_ARGUMENT, snapshotAgeNs);
  if (!reserveFrames(8)) return fail(E_OUT_OF_GUEST_MEMORY, 8);
  const now = clockOf(r);
  ledgerFill(vm, 0);
  logEvent(vm, resumed ? EV_RESUME : EV_RESTORE, now, 0);
  store<f64>(vs(r, VS_RESUME_AT), now);
  if (resumed) {
    store<f64>(vs(r, VS_NOTIFY_AT), NEVER);
    store<f64>(vs(r, VS_AGENT_AT), NEVER);
  } else {
    vmgenidNewId(r);
    newTscOffset(r);
    vmclockPostRestore(r, vm);
    if (hasFeature(r, FEAT_CLOCK_SYNC)) advanceWallClock(r, snapshotAgeNs);
    store<f64>(vs(r, VS_NOTIFY_AT), now + notifyDelayNs);
    store<f64>(vs(r, VS_AGENT_AT), hasFeature(r, FEAT_AGENT) ? now + load<f64>(vs(r, VS_AGENT_DELAY)) : NEVER);
    logEvent(vm, EV_RESUME, now, 0);
  }
  if (hasFeature(r, FEAT_WIPEONSUSPEND)) {
    advance(r, cost(COST_S3_RESUME));
    if (!hasFeature(r, FEAT_GEN_510)) {
      pmStamps(r);
      crngReseed(r, vm, EV_PM_RESEED, clockOf(r));
    }
  }
  return 0;
}

/** The host's ledger of the VM: 0 kernel pool, 1 kernel CRNG, 2 + i process i's generator. */
export function ledgerBits(vm: u32, which: u32): i32 {
  if (vmRec(vm) == 0) return fail(E_UNKNOWN_VM, vm);
  return <i32>ledgerRead(vm, which);
}

/** The guest's wall clock in ns since the epoch (what time(NULL) reads, times 1e9). */
export function guestWallClockNs(vm: u32): f64 {
  const r = vmRec(vm);
  return r == 0 ? -1 : wallClockNs(r);
}

/** VMClock's vm_generation_counter as the guest reads it (0 without the device). */
export function vmclockCounter(vm: u32): f64 {
  const r = vmRec(vm);
  return r == 0 ? -1 : <f64>vmclockGeneration(r);
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
  if (r == 0 || offset > 124) return -1;
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

/** f64 values processFacts writes per process. */
export const PROCESS_FACTS: u32 = 9;

/**
 * The facts a draw reads of every process, in one call: for process i < n, PROCESS_FACTS f64 at
 * out + 8 * PROCESS_FACTS * i: calls, ns spent, reseeds, aborts, then the ledger's generator
 * bits, per-call bits, safe-from draw, cause and safe cause (ledgerBits 2, 66, 130, 195 and 259
 * + i). Reads the process table as processField does. Returns n or an error code.
 */
export function processFacts(vm: u32, n: u32, out: usize): i32 {
  const r = vmRec(vm);
  if (r == 0) return fail(E_UNKNOWN_VM, vm);
  if (n > procCount(r)) return fail(E_INVALID_ARGUMENT, n);
  for (let i: u32 = 0; i < n; i++) {
    const e = procR(r, i);
    const o = out + <usize>(i * PROCESS_FACTS) * 8;
    store<f64>(o, <f64>load<u64>(e + P_CALLS));
    store<f64>(o + 8, load<f64>(e + P_NS));
    store<f64>(o + 16, <f64>load<u32>(e + P_RESEEDS));
    store<f64>(o + 24, <f64>load<u32>(e + P_ABORTS));
    store<f64>(o + 32, <f64>ledgerRead(vm, 2 + i));
    store<f64>(o + 40, <f64>ledgerRead(vm, 66 + i));
    store<f64>(o + 48, <f64>ledgerRead(vm, 130 + i));
    store<f64>(o + 56, <f64>ledgerRead(vm, 195 + i));
    store<f64>(o + 64, <f64>ledgerRead(vm, 259 + i));
  }
  return <i32>n;
}

/** Number of processes in the VM. */
export function processCount(vm: u32): i32 {
  const r = vmRec(vm);
  return r == 0 ? fail(E_UNKNOWN_VM, vm) : <i32>procCount(r);
}

