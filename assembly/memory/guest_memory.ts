// MicroVm guest memory: records, reads and writes by guest address (copy-on-write), dirty
// tracking, madvise flags, roles, lazy-restore fault counting.
//
// VM record (256 bytes, in a RecordTable):
//   0 state u32 (0 free, 1 running, 2 paused)   4 pages u32        8 table top u32
//  12 dirty count u32                          16 dirty bitmap frames u32 x 8 (1 bit per page)
//  48 faults u32                               52 lazy u32 (1 = count first-touch faults)
//  56 parent snapshot u32 (NONE)               60 CoW copies u32
//  64 touched bitmap frames u32 x 8 (lazy only: pages touched since restore)
//  96 reserved
// 128 vmstate: 128 bytes of saved device/kernel state, captured into snapshots and restored
//     into clones (VS_* offsets; the guest kernel and devices own the layout past VS_CLOCK).
//
// Guest addresses are byte offsets into guest-physical memory; a VM of n pages spans [0, n*4096).

import {
  E_INVALID_ARGUMENT,
  E_INVALID_GUEST_SIZE,
  E_OUT_OF_GUEST_MEMORY,
  E_OUT_OF_RANGE,
  E_TOO_MANY_OBJECTS,
  E_UNKNOWN_VM,
  E_VM_PAUSED,
  fail,
} from '../errors';
import {
  allocGuestFrame,
  allocMetaFrame,
  frameAddr,
  frameRefcount,
  frameUnref,
  freeMetaFrame,
  initFrames,
  PAGE_SHIFT,
  PAGE_SIZE,
  reserveFrames,
} from './frames';
import {
  E_FLAGS_MASK,
  E_FRAME_MASK,
  E_PRESENT,
  E_ROLE_MASK,
  E_ROLE_SHIFT,
  E_WIPED,
  LEAF_MASK,
  LEAF_SHIFT,
  leafAddr,
  leafForWrite,
  leafFrame,
  leafNeedsCopy,
  leavesFor,
  newFullTable,
  freeTable,
  readEntry,
} from './page_table';
import { allocRecord, initRecordTable, RecordTable, recordAddr, recordFramesNeeded, recordsFit, reserveRecords } from './records';

export const NONE: u32 = 0xffffffff;
export const VM_FREE: u32 = 0;
export const VM_RUNNING: u32 = 1;
export const VM_PAUSED: u32 = 2;

export const MIN_PAGES: u32 = 4096; // 16 MiB
export const MAX_PAGES: u32 = 262144; // 1 GiB
export const BITMAP_PAGES_PER_FRAME: u32 = PAGE_SIZE * 8;

export const VM_RECORD_SIZE: u32 = 256;
const R_STATE: usize = 0;
const R_PAGES: usize = 4;
const R_TOP: usize = 8;
const R_DIRTY_COUNT: usize = 12;
const R_DIRTY: usize = 16;
const R_FAULTS: usize = 48;
const R_LAZY: usize = 52;
const R_PARENT: usize = 56;
const R_COW: usize = 60;
const R_TOUCHED: usize = 64;
export const R_VMSTATE: usize = 128;
export const VMSTATE_BYTES: u32 = 128;

// vmstate fields the engine itself knows (others belong to the kernel and devices)
export const VS_FEATURES: usize = 0; // u32 guest kernel feature bits
export const VS_CLOCK: usize = 8; // u64 virtual time, ns
export const VS_LINEAGE: usize = 112; // u64 the VM's place in the lineage (host entropy is keyed by it)
export const VS_SNAPSHOTS_TAKEN: usize = 120; // u32 snapshots taken of this VM so far
export const FEAT_WIPEONSUSPEND: u32 = 1; // the guest kernel supports MADV_WIPEONSUSPEND

/** The lineage key of every booted VM: a boot is the root of its lineage. */
export const LINEAGE_BOOT: u64 = 0x626f6f74; // "boot"

/**
 * The lineage key of the `ordinal`-th child (a snapshot of a VM, a clone of a snapshot) of the
 * object whose key is `parent`: a 64-bit mix (SplitMix64's finaliser) of both. It names a place
 * in the lineage, not a secret: host entropy stays ChaCha20 under the seed's key.
 */
export function lineageChild(parent: u64, ordinal: u32): u64 {
  let z = parent ^ ((<u64>ordinal + 1) * 0x9e3779b97f4a7c15);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
  z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
  return z ^ (z >> 31);
}

const vmDir = memory.data(4096);
const vms = new RecordTable(); // unmanaged: a static instance, no runtime allocation

/**
 * The entropy ledger of each VM (host-side: what the lab knows about where the VM's generators'
 * unpredictability came from; the guest never reads it), one record per VM id, allocated with
 * the VM record and in step with it (vmm/ledger.ts owns the layout).
 */
export const LEDGER_RECORD_SIZE: u32 = 1024;
const LEDGER_DIR_ENTRIES: u32 = 4096; // as many ledgers as VM records (1024 frames x 16 per frame)
const ledgerDir = memory.data(LEDGER_DIR_ENTRIES * 4);
const ledgers = new RecordTable();

let ready = false;

/** Initialises the engine once (frame pool, record tables). */
export function ensureInit(): void {
  if (ready) return;
  initFrames();
  initRecordTable(vms, vmDir, VM_RECORD_SIZE);
  initRecordTable(ledgers, ledgerDir, LEDGER_RECORD_SIZE, LEDGER_DIR_ENTRIES);
  ready = true;
}

/** Address of a live VM's record, or 0. */
export function vmRec(vm: u32): usize {
  ensureInit();
  const r = recordAddr(vms, vm);
  if (r == 0 || load<u32>(r + R_STATE) == VM_FREE) return 0;
  return r;
}

// @ts-ignore: decorator
@inline export function recPages(r: usize): u32 {
  return load<u32>(r + R_PAGES);
}
// @ts-ignore: decorator
@inline export function recTop(r: usize): u32 {
  return load<u32>(r + R_TOP);
}
// @ts-ignore: decorator
@inline export function recState(r: usize): u32 {
  return load<u32>(r + R_STATE);
}
export function recSetState(r: usize, s: u32): void {
  store<u32>(r + R_STATE, s);
}
export function recParent(r: usize): u32 {
  return load<u32>(r + R_PARENT);
}
export function recSetParent(r: usize, s: u32): void {
  store<u32>(r + R_PARENT, s);
}

/** Bitmap frames for a guest of `pages` pages. */
export function bitmapFrames(pages: u32): u32 {
  return (pages + BITMAP_PAGES_PER_FRAME - 1) / BITMAP_PAGES_PER_FRAME;
}

// @ts-ignore: decorator
@inline function bitAddr(r: usize, field: usize, p: u32): usize {
  const f = load<u32>(r + field + (<usize>(p / BITMAP_PAGES_PER_FRAME) << 2));
  return frameAddr(f) + <usize>((p % BITMAP_PAGES_PER_FRAME) >> 3);
}

/** Marks page p dirty (since the last snapshot). */
export function markDirty(r: usize, p: u32): void {
  const a = bitAddr(r, R_DIRTY, p);
  const bit = <u8>(1 << <u8>(p & 7));
  const b = load<u8>(a);
  if (!(b & bit)) {
    store<u8>(a, b | bit);
    store<u32>(r + R_DIRTY_COUNT, load<u32>(r + R_DIRTY_COUNT) + 1);
  }
}

/** The 64 dirty bits of pages [64w, 64w+64). */
export function dirtyWord(r: usize, w: u32): u64 {
  const f = load<u32>(r + R_DIRTY + (<usize>(w >> 9) << 2));
  return load<u64>(frameAddr(f) + (<usize>(w & 511) << 3));
}

/** True if page p is dirty. */
export function isDirty(r: usize, p: u32): bool {
  return (load<u8>(bitAddr(r, R_DIRTY, p)) & (1 << (p & 7))) != 0;
}

/** Clears the dirty bitmap (only after a snapshot capture succeeded). */
export function resetDirty(r: usize): void {
  const n = bitmapFrames(recPages(r));
  for (let i: u32 = 0; i < n; i++) memory.fill(frameAddr(load<u32>(r + R_DIRTY + (<usize>i << 2))), 0, PAGE_SIZE);
  store<u32>(r + R_DIRTY_COUNT, 0);
}

/** Counts a first-touch fault of page p on a lazily restored VM. */
// @ts-ignore: decorator
@inline function touch(r: usize, p: u32): void {
  if (load<u32>(r + R_LAZY) == 0) return;
  const a = bitAddr(r, R_TOUCHED, p);
  const bit = <u8>(1 << <u8>(p & 7));
  const b = load<u8>(a);
  if (!(b & bit)) {
    store<u8>(a, b | bit);
    store<u32>(r + R_FAULTS, load<u32>(r + R_FAULTS) + 1);
  }
}

/** Frames a new VM record needs (top, leaves, bitmaps); lazy adds the touched bitmap. */
export function vmFramesNeeded(pages: u32, lazy: bool): u32 {
  return 1 + leavesFor(pages) + bitmapFrames(pages) * (lazy ? 2 : 1);
}

/** True if pages is a supported guest size (16 MiB..1 GiB, whole MiB). */
export function validGuestPages(pages: u32): bool {
  return pages >= MIN_PAGES && pages <= MAX_PAGES && (pages & 255) == 0;
}

/** Reserves frames for `count` new VMs plus `extra`; false if memory or ids run out (nothing changes). */
export function reserveVms(count: u32, framesEach: u32, extra: u32): i32 {
  if (!recordsFit(vms, count) || !recordsFit(ledgers, count)) return fail(E_TOO_MANY_OBJECTS, count);
  const need = count * framesEach + extra + recordFramesNeeded(ledgers, count);
  if (!reserveRecords(vms, count, need)) return fail(E_OUT_OF_GUEST_MEMORY, need);
  return 0;
}

/** The frames reserveVms(count, framesEach, extra) reserves, without reserving anything. */
export function vmsFramesNeeded(count: u32, framesEach: u32, extra: u32): f64 {
  return (
    <f64>count * <f64>framesEach +
    <f64>extra +
    <f64>recordFramesNeeded(ledgers, count) +
    <f64>recordFramesNeeded(vms, count)
  );
}

/**
 * Creates a VM record with its bitmaps; `top` is its page table (already built, or NONE to build
 * an all-zero table). Frames must be reserved.
 */
export function newVmRecord(pages: u32, top: u32, lazy: bool): u32 {
  const id = allocRecord(vms);
  const r = recordAddr(vms, id);
  memory.fill(r, 0, VM_RECORD_SIZE);
  const lid = allocRecord(ledgers); // in step with the VM table: lid == id
  memory.fill(recordAddr(ledgers, lid), 0, LEDGER_RECORD_SIZE);
  store<u32>(r + R_STATE, VM_RUNNING);
  store<u32>(r + R_PAGES, pages);
  store<u32>(r + R_TOP, top == NONE ? newFullTable(pages) : top);
  store<u32>(r + R_PARENT, NONE);
  store<u32>(r + R_LAZY, lazy ? 1 : 0);
  const n = bitmapFrames(pages);
  for (let i: u32 = 0; i < n; i++) {
    store<u32>(r + R_DIRTY + (<usize>i << 2), allocMetaFrame());
    if (lazy) store<u32>(r + R_TOUCHED + (<usize>i << 2), allocMetaFrame());
  }
  return id;
}

/** Boots a VM of `pages` pages, all zero, running; returns its id or an error code. */
export function bootVm(pages: u32, features: u32): i32 {
  ensureInit();
  if (!validGuestPages(pages)) return fail(E_INVALID_GUEST_SIZE, pages);
  const err = reserveVms(1, vmFramesNeeded(pages, false), 0);
  if (err < 0) return err;
  const id = newVmRecord(pages, NONE, false);
  store<u32>(vmRec(id) + R_VMSTATE + VS_FEATURES, features);
  store<u64>(vmRec(id) + R_VMSTATE + VS_LINEAGE, LINEAGE_BOOT);
  return <i32>id;
}

/** Destroys a VM: drops its page table (freeing private frames) and bitmaps. */
export function destroyVm(vm: u32): i32 {
  const r = vmRec(vm);
  if (r == 0) return fail(E_UNKNOWN_VM, vm);
  freeTable(recTop(r), recPages(r));
  const n = bitmapFrames(recPages(r));
  const lazy = load<u32>(r + R_LAZY) != 0;
  for (let i: u32 = 0; i < n; i++) {
    freeMetaFrame(load<u32>(r + R_DIRTY + (<usize>i << 2)));
    if (lazy) freeMetaFrame(load<u32>(r + R_TOUCHED + (<usize>i << 2)));
  }
  store<u32>(r + R_STATE, VM_FREE);
  return 0;
}

/** Checks [addr, addr+len) lies in the VM; returns 0 or an error code. */
function checkRange(r: usize, addr: f64, len: f64): i32 {
  const limit = <f64>recPages(r) * <f64>PAGE_SIZE;
  if (addr < 0 || len < 0 || addr + len > limit || addr != Math.floor(addr) || len != Math.floor(len)) {
    return fail(E_OUT_OF_RANGE, addr);
  }
  return 0;
}

/** Frames a write to pages [p0, p1] may need: one per page to copy, one per leaf to copy. */
function framesForWrite(r: usize, p0: u32, p1: u32): u32 {
  const top = recTop(r);
  let need: u32 = 0;
  let lastLeaf: u32 = NONE;
  for (let p = p0; p <= p1; p++) {
    const li = p >> LEAF_SHIFT;
    if (li != lastLeaf) {
      lastLeaf = li;
      if (leafNeedsCopy(top, li)) need++;
    }
    const f = readEntry(top, p) & E_FRAME_MASK;
    if (f == 0 || frameRefcount(f) > 1 || leafNeedsCopy(top, li)) need++;
  }
  return need;
}

/**
 * Host address of page p's frame, made private and writable (leaf and frame copy-on-write),
 * marking the page dirty and clearing WIPED. Frames must be reserved (framesForWrite).
 */
// @ts-ignore: decorator
@inline export function pageForWrite(r: usize, p: u32): usize {
  const slot = <usize>(p & (CALL_CACHE_SLOTS - 1)) << 2;
  if (r == cacheRec && load<u32>(cacheKey + slot) == (((p + 1) << 1) | 1)) return load<u32>(cacheAddr + slot);
  return pageForWriteSlow(r, p);
}

/** pageForWrite's path past the call cache. */
function pageForWriteSlow(r: usize, p: u32): usize {
  const slot = <usize>(p & (CALL_CACHE_SLOTS - 1)) << 2;
  touch(r, p);
  const leaf = leafForWrite(recTop(r), p >> LEAF_SHIFT);
  const ea = leaf + (<usize>(p & LEAF_MASK) << 2);
  const e = load<u32>(ea);
  const f = e & E_FRAME_MASK;
  let nf = f;
  if (f == 0) {
    nf = allocGuestFrame();
    memory.fill(frameAddr(nf), 0, PAGE_SIZE);
  } else if (frameRefcount(f) > 1) {
    nf = allocGuestFrame();
    memory.copy(frameAddr(nf), frameAddr(f), PAGE_SIZE);
    frameUnref(f);
  }
  if (nf != f) store<u32>(r + R_COW, load<u32>(r + R_COW) + 1);
  store<u32>(ea, ((e & ~E_FRAME_MASK) & ~E_WIPED) | nf | E_PRESENT);
  markDirty(r, p);
  const a = frameAddr(nf);
  if (r == cacheRec) {
    store<u32>(cacheKey + slot, ((p + 1) << 1) | 1);
    store<u32>(cacheAddr + slot, <u32>a);
  }
  return a;
}

/** Host address of page p's frame for reading (counts a lazy first-touch fault). */
// @ts-ignore: decorator
@inline export function pageForRead(r: usize, p: u32): usize {
  const slot = <usize>(p & (CALL_CACHE_SLOTS - 1)) << 2;
  if (r == cacheRec && load<u32>(cacheKey + slot) >> 1 == p + 1) return load<u32>(cacheAddr + slot);
  return pageForReadSlow(r, p);
}

/** pageForRead's path past the call cache. */
function pageForReadSlow(r: usize, p: u32): usize {
  touch(r, p);
  const a = frameAddr(readEntry(recTop(r), p) & E_FRAME_MASK);
  if (r == cacheRec) {
    const slot = <usize>(p & (CALL_CACHE_SLOTS - 1)) << 2;
    store<u32>(cacheKey + slot, (p + 1) << 1);
    store<u32>(cacheAddr + slot, <u32>a);
  }
  return a;
}

/** Host address of page p's frame for an observer (the lab's views): no fault is counted. */
export function pagePeek(r: usize, p: u32): usize {
  return frameAddr(readEntry(recTop(r), p) & E_FRAME_MASK);
}

/** Reserves what writing [addr, addr+len) needs; 0 or an error code. */
export function reserveWrite(r: usize, addr: u32, len: u32): i32 {
  if (len == 0) return 0;
  const need = framesForWrite(r, addr >> PAGE_SHIFT, (addr + len - 1) >> PAGE_SHIFT);
  if (!reserveFrames(need)) return fail(E_OUT_OF_GUEST_MEMORY, need);
  return 0;
}

/** Copies len bytes from host src into guest memory at addr; the range must be reserved. */
export function writeGuest(r: usize, addr: u32, src: usize, len: u32): void {
  let done: u32 = 0;
  while (done < len) {
    const a = addr + done;
    const off = a & (PAGE_SIZE - 1);
    const n = min<u32>(PAGE_SIZE - off, len - done);
    memory.copy(pageForWrite(r, a >> PAGE_SHIFT) + off, src + done, n);
    done += n;
  }
}

/** Copies len guest bytes at addr to host dst. */
export function readGuest(r: usize, addr: u32, dst: usize, len: u32): void {
  let done: u32 = 0;
  while (done < len) {
    const a = addr + done;
    const off = a & (PAGE_SIZE - 1);
    const n = min<u32>(PAGE_SIZE - off, len - done);
    memory.copy(dst + done, pageForRead(r, a >> PAGE_SHIFT) + off, n);
    done += n;
  }
}

/** Writes len bytes from host memory at src to guest address addr of a running VM. */
export function vmWrite(vm: u32, addr: f64, src: usize, len: u32): i32 {
  const r = vmRec(vm);
  if (r == 0) return fail(E_UNKNOWN_VM, vm);
  let err = checkRange(r, addr, len);
  if (err < 0) return err;
  if (recState(r) != VM_RUNNING) return fail(E_VM_PAUSED, vm);
  err = reserveWrite(r, <u32>addr, len);
  if (err < 0) return err;
  writeGuest(r, <u32>addr, src, len);
  return 0;
}

/** Reads len guest bytes at addr into host memory at dst. */
export function vmRead(vm: u32, addr: f64, dst: usize, len: u32): i32 {
  const r = vmRec(vm);
  if (r == 0) return fail(E_UNKNOWN_VM, vm);
  const err = checkRange(r, addr, len);
  if (err < 0) return err;
  readGuest(r, <u32>addr, dst, len);
  return 0;
}

/** Rewrites the entries of pages [p0, p0+count): clear `clear` bits, set `set` bits. Reserves first. */
function rewriteEntries(r: usize, p0: u32, count: u32, clear: u32, set: u32): i32 {
  if (count == 0) return 0;
  const top = recTop(r);
  const l0 = p0 >> LEAF_SHIFT;
  const l1 = (p0 + count - 1) >> LEAF_SHIFT;
  let need: u32 = 0;
  for (let li = l0; li <= l1; li++) if (leafNeedsCopy(top, li)) need++;
  if (!reserveFrames(need)) return fail(E_OUT_OF_GUEST_MEMORY, need);
  for (let p = p0; p < p0 + count; p++) {
    const ea = leafForWrite(top, p >> LEAF_SHIFT) + (<usize>(p & LEAF_MASK) << 2);
    store<u32>(ea, (load<u32>(ea) & ~clear) | set);
  }
  return 0;
}

/**
 * madvise(2) on [addr, addr+len): addr must be page aligned, len is rounded up to pages.
 * Sets the `set` flag bits and clears the `clear` bits (E_WIPEONFORK, E_WIPEONSUSPEND, E_DONTDUMP).
 */
export function vmMadvise(vm: u32, addr: f64, len: f64, set: u32, clear: u32): i32 {
  const r = vmRec(vm);
  if (r == 0) return fail(E_UNKNOWN_VM, vm);
  if ((set | clear) & ~E_FLAGS_MASK || (set & clear) != 0) return fail(E_INVALID_ARGUMENT, set | clear);
  if (addr % <f64>PAGE_SIZE != 0) return fail(E_INVALID_ARGUMENT, addr);
  const pages = Math.ceil(len / <f64>PAGE_SIZE);
  const err = checkRange(r, addr, pages * <f64>PAGE_SIZE);
  if (err < 0) return err;
  return rewriteEntries(r, <u32>(addr / <f64>PAGE_SIZE), <u32>pages, clear, set);
}

/** Sets the picture role of pages [firstPage, firstPage+count). */
export function vmSetRole(vm: u32, firstPage: u32, count: u32, role: u32): i32 {
  const r = vmRec(vm);
  if (r == 0) return fail(E_UNKNOWN_VM, vm);
  if (role > 7) return fail(E_INVALID_ARGUMENT, role);
  if (<u64>firstPage + <u64>count > <u64>recPages(r)) return fail(E_OUT_OF_RANGE, <f64>firstPage * PAGE_SIZE);
  return rewriteEntries(r, firstPage, count, E_ROLE_MASK, role << E_ROLE_SHIFT);
}

/** The page-table entry of page p of a VM (bit layout in page_table.ts), or an error code. */
export function vmPageEntry(vm: u32, p: u32): f64 {
  const r = vmRec(vm);
  if (r == 0) return fail(E_UNKNOWN_VM, vm);
  if (p >= recPages(r)) return fail(E_OUT_OF_RANGE, <f64>p * PAGE_SIZE);
  return <f64>readEntry(recTop(r), p);
}

/** Address of leaf i of a VM's page table (1024 u32 entries), 0 if absent or unknown. */
export function vmLeafAddr(vm: u32, i: u32): usize {
  const r = vmRec(vm);
  if (r == 0 || i >= leavesFor(recPages(r))) return 0;
  return leafAddr(recTop(r), i);
}

/** Frame index of leaf i of a VM's page table (for sharing counts), 0 if absent. */
export function vmLeafFrame(vm: u32, i: u32): u32 {
  const r = vmRec(vm);
  if (r == 0 || i >= leavesFor(recPages(r))) return 0;
  return leafFrame(recTop(r), i);
}

/** VM state: 0 gone, 1 running, 2 paused. */
export function vmState(vm: u32): u32 {
  const r = vmRec(vm);
  return r == 0 ? VM_FREE : recState(r);
}

/** Pages of a VM (0 if unknown). */
export function vmPages(vm: u32): u32 {
  const r = vmRec(vm);
  return r == 0 ? 0 : recPages(r);
}

/** Pages dirtied since the VM's last snapshot (or restore). */
export function vmDirtyCount(vm: u32): u32 {
  const r = vmRec(vm);
  return r == 0 ? 0 : load<u32>(r + R_DIRTY_COUNT);
}

/** 1 if page p of the VM is dirty. */
export function vmIsDirty(vm: u32, p: u32): u32 {
  const r = vmRec(vm);
  if (r == 0 || p >= recPages(r)) return 0;
  return isDirty(r, p) ? 1 : 0;
}

/** First-touch faults counted since a lazy restore. */
export function vmFaults(vm: u32): u32 {
  const r = vmRec(vm);
  return r == 0 ? 0 : load<u32>(r + R_FAULTS);
}

/** Pages copied on write (or first written from the zero page) by this VM. */
export function vmCowCopies(vm: u32): u32 {
  const r = vmRec(vm);
  return r == 0 ? 0 : load<u32>(r + R_COW);
}

/** The snapshot this VM was restored from or last captured into (NONE if none). */
export function vmParentSnapshot(vm: u32): u32 {
  const r = vmRec(vm);
  return r == 0 ? NONE : recParent(r);
}

/** Address of the VM's vmstate bytes (VMSTATE_BYTES), 0 if unknown. */
export function vmStateAddr(vm: u32): usize {
  const r = vmRec(vm);
  return r == 0 ? 0 : r + R_VMSTATE;
}

/** Number of VM ids handed out so far (ids are 0..n-1; destroyed ones report state 0). */
export function vmIdsIssued(): u32 {
  ensureInit();
  return vms.next;
}

/** True if any VM record is live (running or paused). */
export function anyVmLive(): bool {
  ensureInit();
  for (let id: u32 = 0; id < vms.next; id++) {
    if (load<u32>(recordAddr(vms, id) + R_STATE) != VM_FREE) return true;
  }
  return false;
}

/** Hands out VM ids from 0 again; only when no VM is live (records are zeroed when reused). */
export function resetVmIds(): void {
  vms.next = 0;
  ledgers.next = 0;
}

/** Address of VM id's ledger record (0 if the id was never handed out). */
export function ledgerAddr(vm: u32): usize {
  if (vm == cacheVm) return cacheLedger;
  ensureInit();
  return recordAddr(ledgers, vm);
}

// The call cache of one VM's draw (guest/processes.ts drawVm), between beginCallCache and
// endCallCache: the host address of each guest page the draw has read or written, and the VM's
// ledger record. Inside one core call nothing but the draw runs on the VM (no snapshot, restore,
// madvise or destroy), so a page's frame changes only when the draw itself first writes it.
// - An entry made by a write is "writable": every effect of pageForWrite (the lazy first-touch
//   fault, the copy-on-write, the dirty bit, WIPED cleared) happened then, so later writes and
//   reads of the page get its address straight from the cache.
// - An entry made by a read answers reads only (its lazy fault was counted then); the page's
//   first write takes the full path (it may copy the frame) and makes the entry writable.
const CALL_CACHE_SLOTS: u32 = 32;
/** By page % slots: (page + 1) << 1 | 1 if writable (0 = empty); and the page's host address. */
const cacheKey = memory.data(CALL_CACHE_SLOTS * 4);
const cacheAddr = memory.data(CALL_CACHE_SLOTS * 4);
let cacheRec: usize = 0;
let cacheVm: u32 = NONE;
let cacheLedger: usize = 0;
let cacheEpoch: u32 = 0;

/**
 * The call cache in effect for record r: a number that changes with every beginCallCache (what
 * others key their own per-call caches by), or 0 if r is not the cached VM.
 */
// @ts-ignore: decorator
@inline export function callCacheEpoch(r: usize): u32 {
  return r == cacheRec ? cacheEpoch : 0;
}

/** Starts the call cache for VM vm (record r): nothing cached yet. */
export function beginCallCache(r: usize, vm: u32): void {
  memory.fill(cacheKey, 0, CALL_CACHE_SLOTS * 4);
  cacheLedger = recordAddr(ledgers, vm);
  cacheVm = vm;
  cacheRec = r;
  cacheEpoch = cacheEpoch == 0xffffffff ? 1 : cacheEpoch + 1;
}

/** Ends the call cache (before the core call returns). */
export function endCallCache(): void {
  cacheRec = 0;
  cacheVm = NONE;
  cacheLedger = 0;
}

/** Host bytes this VM holds alone: private leaves, private frames, its top, bitmaps, record. */
export function vmPrivateBytes(vm: u32): f64 {
  const r = vmRec(vm);
  if (r == 0) return 0;
  const pages = recPages(r);
  const top = recTop(r);
  let frames: u32 = 1 + bitmapFrames(pages) * (load<u32>(r + R_LAZY) ? 2 : 1);
  const n = leavesFor(pages);
  for (let i: u32 = 0; i < n; i++) {
    const lf = leafFrame(top, i);
    if (lf == 0 || frameRefcount(lf) > 1) continue;
    frames++;
    const base = frameAddr(lf);
    for (let j: u32 = 0; j < LEAF_MASK + 1; j++) {
      const e = load<u32>(base + (<usize>j << 2));
      const f = e & E_FRAME_MASK;
      if (e & E_PRESENT && f != 0 && frameRefcount(f) == 1) frames++;
    }
  }
  return <f64>frames * PAGE_SIZE + VM_RECORD_SIZE + LEDGER_RECORD_SIZE;
}

/** Reserves what writing [addr, addr+len) to a running VM needs, so the write cannot fail. */
export function vmReserveWrite(vm: u32, addr: f64, len: f64): i32 {
  const r = vmRec(vm);
  if (r == 0) return fail(E_UNKNOWN_VM, vm);
  const err = checkRange(r, addr, len);
  if (err < 0) return err;
  if (recState(r) != VM_RUNNING) return fail(E_VM_PAUSED, vm);
  return reserveWrite(r, <u32>addr, <u32>len);
}
