// SysGenId (LKML patch series v1-v8, 2020-2021; Amazon Linux kernels): /dev/sysgenid, a u32
// system generation counter that a VM bumps after it is restored from a snapshot, so software
// holding world-unique state (DRBGs, UUIDs, nonces) can tell it has been cloned.
//
// All driver state is guest bytes, in two guest pages whose numbers live in vmstate:
//   VS_SYSGENID_KPAGE  the driver page (role kernel): the driver's globals and its open files;
//   VS_SYSGENID_PAGE   the mmap page (role sysgenid-page): what userspace maps read-only.
// A snapshot therefore captures the driver with the rest of the guest, every clone starts from
// the same counter, and a bump in one clone copies its pages on write and changes no other clone.
//
// Driver page (little-endian):
//
//   0        4        8        12       16                    64
//   +--------+--------+--------+--------+---------------------+------------------------------+
//   |counter |tracked |outdated| open   | reserved (0)        | file table: 64 slots x 8 B   |
//   |  u32   |  u32   |  u32   |  u32   |                     | slot i = fd i, at 64 + 8*i   |
//   +--------+--------+--------+--------+---------------------+------------------------------+
//   slot:  +0 acked u32 (the counter value this file last acknowledged)
//          +4 flags u32: IN_USE 1 | TRACKED 2 | NONBLOCK 4 | OUTDATED 8
//   bytes 576..4095 are unused (0).
//
// mmap page: bytes 0..3 = the counter (LE), the rest 0. A library compares it on every call.
//
// Invariants (checked by the tests):
//   tracked  = slots with IN_USE and TRACKED;
//   outdated = slots with OUTDATED, and OUTDATED implies TRACKED (a watcher that has not
//              acknowledged the generation of the last bump it saw while tracked);
//   mmap page bytes 0..3 == driver page counter;
//   the device is set up iff the two page numbers in vmstate differ (both start at 0).
//
// As in the driver: open() records the current counter as acknowledged, so a new file reads only
// after the next bump; enabling tracking on an out-of-date file does not count it as outdated
// (only a bump does), and disabling or closing an outdated watcher releases it.
//
// Return convention of the syscall-like exports: >= 0 the result; -1..-99 an engine error (see
// assembly/errors.ts; nothing changed); -(1000 + errno) a Linux errno result; SG_BLOCKED (-2000):
// the call would sleep until the counter changes or the watchers catch up (the model cannot sleep).
// Checks run in this order: unknown VM, ENODEV (no driver, or not set up), VM paused, out of
// memory (calls that write), then the call's own errno checks (EBADF first).

import { E_INVALID_ARGUMENT, E_OUT_OF_GUEST_MEMORY, E_OUT_OF_RANGE, E_UNKNOWN_VM, E_VM_PAUSED, fail } from '../errors';
import { PAGE_SIZE, reserveFrames } from '../memory/frames';
import { pageForRead, pageForWrite, pagePeek, recPages, recState, VM_RUNNING, vmRec, vmSetRole } from '../memory/guest_memory';
import { ROLE_KERNEL, ROLE_SYSGENID } from '../memory/page_table';
import { EV_SYSGENID_BUMP, logEvent } from '../vmm/events';
import {
  advance,
  clockOf,
  FEAT_SYSGENID_OVERSEER,
  FEAT_SYSGENID_VMGENID,
  hasFeature,
  vs,
  VS_SYSGENID_KPAGE,
  VS_SYSGENID_PAGE,
} from '../vmm/vmstate';

// Linux errno values
export const EINTR: i32 = 4;
export const EBADF: i32 = 9;
export const EAGAIN: i32 = 11;
export const EACCES: i32 = 13;
export const ENODEV: i32 = 19;
export const EINVAL: i32 = 22;
export const EMFILE: i32 = 24;
export const ENOBUFS: i32 = 105;
export const ETIME: i32 = 62; // wait_event_interruptible_hrtimeout's timeout (not ETIMEDOUT)

export const SG_ERRNO_BASE: i32 = 1000;
export const SG_BLOCKED: i32 = -2000;

export const SYSGENID_MAX_FDS: u32 = 64;
export const SYSGENID_IOCTL_MAGIC: u32 = 0xe4; // v6-v8

// driver page
const D_COUNTER: usize = 0;
const D_TRACKED: usize = 4;
const D_OUTDATED: usize = 8;
const D_OPEN: usize = 12;
const D_FILES: usize = 64;
const SLOT_BYTES: usize = 8;
const S_ACKED: usize = 0;
const S_FLAGS: usize = 4;
const F_IN_USE: u32 = 1;
const F_TRACKED: u32 = 2;
const F_NONBLOCK: u32 = 4;
const F_OUTDATED: u32 = 8;

// mmap page
const M_COUNTER: usize = 0;

const NS_PER_MS: f64 = 1e6;

/** The return value for a Linux errno. */
// @ts-ignore: decorator
@inline function errno(e: i32): i32 {
  return -(SG_ERRNO_BASE + e);
}

// @ts-ignore: decorator
@inline function present(r: usize): bool {
  return hasFeature(r, FEAT_SYSGENID_VMGENID | FEAT_SYSGENID_OVERSEER);
}

// @ts-ignore: decorator
@inline function mmapPage(r: usize): u32 {
  return load<u32>(vs(r, VS_SYSGENID_PAGE));
}

// @ts-ignore: decorator
@inline function driverPage(r: usize): u32 {
  return load<u32>(vs(r, VS_SYSGENID_KPAGE));
}

/** True once sysgenidSetup has placed the driver (the two pages differ). */
// @ts-ignore: decorator
@inline function isSetUp(r: usize): bool {
  return mmapPage(r) != driverPage(r);
}

// @ts-ignore: decorator
@inline function slot(d: usize, fd: u32): usize {
  return d + D_FILES + <usize>fd * SLOT_BYTES;
}

let entryError: i32 = 0;

/**
 * The record of a VM whose driver is present and set up (and running, if asked), or 0 with the
 * error to return in entryError: an engine error, ENODEV, or the VM paused by a snapshot.
 */
function enter(vm: u32, running: bool): usize {
  const r = vmRec(vm);
  if (r == 0) entryError = fail(E_UNKNOWN_VM, vm);
  else if (!present(r) || !isSetUp(r)) entryError = errno(ENODEV);
  else if (running && recState(r) != VM_RUNNING) entryError = fail(E_VM_PAUSED, vm);
  else return r;
  return 0;
}

/** Flags of an open fd in the driver page at d, or 0 if fd is not open. */
// @ts-ignore: decorator
@inline function openFlags(d: usize, fd: u32): u32 {
  if (fd >= SYSGENID_MAX_FDS) return 0;
  const f = load<u32>(slot(d, fd) + S_FLAGS);
  return f & F_IN_USE ? f : 0;
}

/** Marks every tracked watcher outdated; returns how many there are. */
function markTrackedOutdated(d: usize): u32 {
  let n: u32 = 0;
  for (let fd: u32 = 0; fd < SYSGENID_MAX_FDS; fd++) {
    const s = slot(d, fd) + S_FLAGS;
    const f = load<u32>(s);
    if ((f & (F_IN_USE | F_TRACKED)) == (F_IN_USE | F_TRACKED)) {
      store<u32>(s, f | F_OUTDATED);
      n++;
    }
  }
  return n;
}

/**
 * Bumps the generation: counter = max(minGen, counter + 1) (u32, wrapping like the driver's),
 * stored in the driver page and copied into the mmap page; every tracked watcher becomes
 * outdated. For the guest kernel; returns 0, ENODEV if the driver is not set up, or an engine
 * error (nothing changed).
 */
export function sysgenidBump(r: usize, vm: u32, minGen: u32): i32 {
  if (!isSetUp(r)) return errno(ENODEV);
  if (!reserveFrames(4)) return fail(E_OUT_OF_GUEST_MEMORY, 4);
  const d = pageForWrite(r, driverPage(r));
  const counter = max<u32>(minGen, load<u32>(d + D_COUNTER) + 1);
  store<u32>(d + D_COUNTER, counter);
  store<u32>(pageForWrite(r, mmapPage(r)) + M_COUNTER, counter);
  const n = markTrackedOutdated(d);
  store<u32>(d + D_TRACKED, n);
  store<u32>(d + D_OUTDATED, n);
  logEvent(vm, EV_SYSGENID_BUMP, clockOf(r), counter);
  return 0;
}

/**
 * The VMGenID notification reached the guest kernel: bumps in the v1-v7 variant
 * (FEAT_SYSGENID_VMGENID); in v8 only the overseer bumps. Returns 1 if it bumped, 0 if not, or
 * an engine error (nothing changed).
 */
export function sysgenidOnVmgenid(r: usize, vm: u32): i32 {
  if (!hasFeature(r, FEAT_SYSGENID_VMGENID) || !isSetUp(r)) return 0;
  const e = sysgenidBump(r, vm, 0);
  return e < 0 ? e : 1;
}

/**
 * The guest kernel's vmgenid driver handled the VMGenID notification (sysgenidOnVmgenid through
 * the export surface, for tests and hosts without the guest kernel model): 1 if it bumped, 0 if
 * this variant does not bump on VMGenID, or an error.
 */
export function sysgenidVmgenidNotified(vm: u32): i32 {
  const r = enter(vm, true);
  if (r == 0) return entryError;
  return sysgenidOnVmgenid(r, vm);
}

/**
 * Places the driver: mmapPage becomes the read-only counter page (role sysgenid-page) and
 * driverPage holds the driver's state (role kernel); both are zeroed (counter 0, no open files).
 */
export function sysgenidSetup(vm: u32, mmapPg: u32, driverPg: u32): i32 {
  const r = vmRec(vm);
  if (r == 0) return fail(E_UNKNOWN_VM, vm);
  if (!present(r)) return errno(ENODEV);
  if (recState(r) != VM_RUNNING) return fail(E_VM_PAUSED, vm);
  const pages = recPages(r);
  if (mmapPg >= pages) return fail(E_OUT_OF_RANGE, <f64>mmapPg * PAGE_SIZE);
  if (driverPg >= pages) return fail(E_OUT_OF_RANGE, <f64>driverPg * PAGE_SIZE);
  if (mmapPg == driverPg) return fail(E_INVALID_ARGUMENT, driverPg);
  // two pages: at most two leaf copies (roles) and two page copies (the writes below)
  if (!reserveFrames(4)) return fail(E_OUT_OF_GUEST_MEMORY, 4);
  vmSetRole(vm, mmapPg, 1, ROLE_SYSGENID);
  vmSetRole(vm, driverPg, 1, ROLE_KERNEL);
  store<u32>(vs(r, VS_SYSGENID_PAGE), mmapPg);
  store<u32>(vs(r, VS_SYSGENID_KPAGE), driverPg);
  memory.fill(pageForWrite(r, mmapPg), 0, PAGE_SIZE);
  memory.fill(pageForWrite(r, driverPg), 0, PAGE_SIZE);
  return 0;
}

/** open("/dev/sysgenid", nonblock ? O_NONBLOCK : 0): the lowest free fd, or EMFILE. */
export function sysgenidOpen(vm: u32, nonblock: bool): i32 {
  const r = enter(vm, true);
  if (r == 0) return entryError;
  if (!reserveFrames(2)) return fail(E_OUT_OF_GUEST_MEMORY, 2);
  const d0 = pageForRead(r, driverPage(r));
  let fd: u32 = 0;
  while (fd < SYSGENID_MAX_FDS && load<u32>(slot(d0, fd) + S_FLAGS) & F_IN_USE) fd++;
  if (fd == SYSGENID_MAX_FDS) return errno(EMFILE);
  const d = pageForWrite(r, driverPage(r));
  store<u32>(slot(d, fd) + S_ACKED, load<u32>(d + D_COUNTER));
  store<u32>(slot(d, fd) + S_FLAGS, F_IN_USE | (nonblock ? F_NONBLOCK : 0));
  store<u32>(d + D_OPEN, load<u32>(d + D_OPEN) + 1);
  return <i32>fd;
}

/** close(fd): a tracked watcher stops being tracked (and stops being outdated). */
export function sysgenidClose(vm: u32, fd: u32): i32 {
  const r = enter(vm, true);
  if (r == 0) return entryError;
  if (!reserveFrames(2)) return fail(E_OUT_OF_GUEST_MEMORY, 2);
  const f = openFlags(pageForRead(r, driverPage(r)), fd);
  if (f == 0) return errno(EBADF);
  const d = pageForWrite(r, driverPage(r));
  if (f & F_TRACKED) store<u32>(d + D_TRACKED, load<u32>(d + D_TRACKED) - 1);
  if (f & F_OUTDATED) store<u32>(d + D_OUTDATED, load<u32>(d + D_OUTDATED) - 1);
  store<u64>(slot(d, fd), 0);
  store<u32>(d + D_OPEN, load<u32>(d + D_OPEN) - 1);
  return 0;
}

/**
 * read(fd, buf, bufLen) (v8 sysgenid_read): 0 for a 0-byte read, before anything else; EINVAL if
 * 0 < bufLen < 4; the counter if this fd has not acknowledged it (reading does not acknowledge);
 * if it has: EAGAIN (O_NONBLOCK) or SG_BLOCKED.
 */
export function sysgenidRead(vm: u32, fd: u32, bufLen: u32): f64 {
  const r = enter(vm, true);
  if (r == 0) return entryError;
  const d = pageForRead(r, driverPage(r));
  const f = openFlags(d, fd);
  if (f == 0) return errno(EBADF);
  if (bufLen == 0) return 0;
  if (bufLen < 4) return errno(EINVAL);
  const counter = load<u32>(d + D_COUNTER);
  if (load<u32>(slot(d, fd) + S_ACKED) == counter) return f & F_NONBLOCK ? errno(EAGAIN) : SG_BLOCKED;
  return <f64>counter;
}

/**
 * write(fd, &value, len): acknowledges the current counter; returns 4 (bytes written). ENOBUFS
 * if len != 4, EINVAL if value is not the current counter.
 */
export function sysgenidWrite(vm: u32, fd: u32, len: u32, value: u32): i32 {
  const r = enter(vm, true);
  if (r == 0) return entryError;
  if (!reserveFrames(2)) return fail(E_OUT_OF_GUEST_MEMORY, 2);
  const d0 = pageForRead(r, driverPage(r));
  const f = openFlags(d0, fd);
  if (f == 0) return errno(EBADF);
  if (len != 4) return errno(ENOBUFS);
  const counter = load<u32>(d0 + D_COUNTER);
  if (value != counter) return errno(EINVAL);
  if (load<u32>(slot(d0, fd) + S_ACKED) == counter) return 4; // already acknowledged
  const d = pageForWrite(r, driverPage(r));
  store<u32>(slot(d, fd) + S_ACKED, counter);
  if (f & F_OUTDATED) {
    store<u32>(slot(d, fd) + S_FLAGS, f & ~F_OUTDATED);
    store<u32>(d + D_OUTDATED, load<u32>(d + D_OUTDATED) - 1);
  }
  return 4;
}

/** poll(fd): 1 (readable) while the fd's acknowledged value differs from the counter, else 0. */
export function sysgenidPoll(vm: u32, fd: u32): i32 {
  const r = enter(vm, true);
  if (r == 0) return entryError;
  const d = pageForRead(r, driverPage(r));
  if (openFlags(d, fd) == 0) return errno(EBADF);
  return load<u32>(slot(d, fd) + S_ACKED) != load<u32>(d + D_COUNTER) ? 1 : 0;
}

/** ioctl(fd, SYSGENID_SET_WATCHER_TRACKING, on): adds or removes fd from the tracked watchers. */
export function sysgenidSetTracking(vm: u32, fd: u32, on: bool): i32 {
  const r = enter(vm, true);
  if (r == 0) return entryError;
  if (!reserveFrames(2)) return fail(E_OUT_OF_GUEST_MEMORY, 2);
  const f = openFlags(pageForRead(r, driverPage(r)), fd);
  if (f == 0) return errno(EBADF);
  if (((f & F_TRACKED) != 0) == on) return 0;
  const d = pageForWrite(r, driverPage(r));
  if (on) {
    store<u32>(slot(d, fd) + S_FLAGS, f | F_TRACKED);
    store<u32>(d + D_TRACKED, load<u32>(d + D_TRACKED) + 1);
  } else {
    store<u32>(slot(d, fd) + S_FLAGS, f & ~(F_TRACKED | F_OUTDATED));
    store<u32>(d + D_TRACKED, load<u32>(d + D_TRACKED) - 1);
    if (f & F_OUTDATED) store<u32>(d + D_OUTDATED, load<u32>(d + D_OUTDATED) - 1);
  }
  return 0;
}

/**
 * ioctl(fd, SYSGENID_WAIT_WATCHERS, timeoutMs) (v8 sysgenid_ioctl): 0 once no tracked watcher
 * is outdated; EINTR to ANY caller whose own fd has not acknowledged the counter, tracked or not
 * (the check is on the fd's acked generation). Otherwise the caller sleeps, and nothing else runs
 * in the model while it does: with a timeout the VM's clock advances by it and the call returns
 * ETIME (wait_event_interruptible_hrtimeout); with 0 (forever) it returns SG_BLOCKED.
 */
export function sysgenidWaitWatchers(vm: u32, fd: u32, timeoutMs: u32): i32 {
  const r = enter(vm, true);
  if (r == 0) return entryError;
  const d = pageForRead(r, driverPage(r));
  const f = openFlags(d, fd);
  if (f == 0) return errno(EBADF);
  if (load<u32>(slot(d, fd) + S_ACKED) != load<u32>(d + D_COUNTER)) return errno(EINTR);
  if (load<u32>(d + D_OUTDATED) == 0) return 0;
  if (timeoutMs == 0) return SG_BLOCKED;
  advance(r, <f64>timeoutMs * NS_PER_MS);
  return errno(ETIME);
}

/**
 * ioctl(fd, SYSGENID_TRIGGER_GEN_UPDATE, minGen): bumps to max(minGen, counter + 1). EACCES
 * unless the caller is privileged (CAP_CHECKPOINT_RESTORE or CAP_SYS_ADMIN). Works in both
 * variants.
 */
export function sysgenidTrigger(vm: u32, fd: u32, minGen: u32, privileged: bool): i32 {
  const r = enter(vm, true);
  if (r == 0) return entryError;
  if (!reserveFrames(4)) return fail(E_OUT_OF_GUEST_MEMORY, 4);
  if (openFlags(pageForRead(r, driverPage(r)), fd) == 0) return errno(EBADF);
  if (!privileged) return errno(EACCES);
  return sysgenidBump(r, vm, minGen);
}

/** The counter a process reads from its read-only mapping of the mmap page (0 if not set up). */
export function sysgenidCounterAt(r: usize): u32 {
  if (!present(r) || !isSetUp(r)) return 0;
  return load<u32>(pageForRead(r, mmapPage(r)) + M_COUNTER);
}

// The getters below observe for the lab's views: they read without counting lazy faults.
/** The generation counter (from the driver page), or an error. */
export function sysgenidCounter(vm: u32): f64 {
  const r = enter(vm, false);
  if (r == 0) return entryError;
  return <f64>load<u32>(pagePeek(r, driverPage(r)) + D_COUNTER);
}

/** Tracked watchers, or an error. */
export function sysgenidWatchers(vm: u32): i32 {
  const r = enter(vm, false);
  if (r == 0) return entryError;
  return <i32>load<u32>(pagePeek(r, driverPage(r)) + D_TRACKED);
}

/** Tracked watchers that have not acknowledged the last bump, or an error. */
export function sysgenidOutdated(vm: u32): i32 {
  const r = enter(vm, false);
  if (r == 0) return entryError;
  return <i32>load<u32>(pagePeek(r, driverPage(r)) + D_OUTDATED);
}

/** Open fds whose acknowledged value is the current counter, or an error. */
export function sysgenidAcked(vm: u32): i32 {
  const r = enter(vm, false);
  if (r == 0) return entryError;
  const d = pagePeek(r, driverPage(r));
  const counter = load<u32>(d + D_COUNTER);
  let n: i32 = 0;
  for (let fd: u32 = 0; fd < SYSGENID_MAX_FDS; fd++) {
    if (openFlags(d, fd) != 0 && load<u32>(slot(d, fd) + S_ACKED) == counter) n++;
  }
  return n;
}

/** Open fds, or an error. */
export function sysgenidOpenFiles(vm: u32): i32 {
  const r = enter(vm, false);
  if (r == 0) return entryError;
  return <i32>load<u32>(pagePeek(r, driverPage(r)) + D_OPEN);
}

/** The guest page userspace maps (bytes 0..3: the counter, LE), or an error. */
export function sysgenidCounterPage(vm: u32): i32 {
  const r = enter(vm, false);
  if (r == 0) return entryError;
  return <i32>mmapPage(r);
}
