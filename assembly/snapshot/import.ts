// Loading a snapshot layer from a file: the facade passes the layer's pages in through the io
// buffer, in chunks, and gets a snapshot id back. A loaded snapshot is made by the same code as a
// taken one: the pages are written into a scratch VM, captured by snapshotVm (full: the layer
// shares the scratch VM's leaves; diff: the listed pages are the dirty ones, on the parent named at
// begin), and the scratch VM is destroyed. Its id stays the snapshot's source VM, a VM id no live
// VM will ever have (ids are never reused), under which the facade keeps the guest's metadata.
//
//   importBegin(pages, type, parent, dataPages) -> token   reserves every frame the layer needs
//   importPages(token, ptr, bytes)              -> records  any number of times, pages ascending
//   importCommit(token, vmstatePtr, wiped)      -> snapshot id (the pending import ends)
//   importAbort(token)                          frees everything the import took
//
// A record in the buffer (little-endian), back to back:
//
//   0        4        8                          8 + 4096
//   +--------+--------+--------------------------+
//   | page   | entry  | page bytes (only if      |
//   |  u32   |  u32   |  entry & IMPORT_DATA)    |
//   +--------+--------+--------------------------+
//   entry: a page-table entry (page_table.ts) with PRESENT set, any flags, role and WIPED, and a
//   frame field of 0 (the zero page) or IMPORT_DATA (the bytes follow; the page gets a frame).
//   A full layer's unlisted pages are zero pages with no flags; a diff layer holds only its listed
//   pages.
//
// Pending imports live in a static table of MAX_PENDING slots (32 bytes each):
//   0 token u32 (0 = free)   4 scratch VM u32   8 type u32   12 next page u32 (the lowest page
//   the next record may name)   16 pages u32   20 records u32
// A token is (serial << 3) | slot, so a stale token never names a later import.
// Invariants: every export that fails has changed nothing (a failed importPages or importCommit
// leaves the import pending, for importAbort); no existing VM or snapshot changes before commit.

import { E_INVALID_ARGUMENT, E_INVALID_GUEST_SIZE, E_NO_PARENT_SNAPSHOT, E_OUT_OF_GUEST_MEMORY, E_OUT_OF_RANGE, E_TOO_MANY_OBJECTS, E_UNKNOWN_VM, fail } from '../errors';
import { allocGuestFrame, frameAddr, PAGE_SIZE, reserveFrames } from '../memory/frames';
import { bootVm, destroyVm, ensureInit, markDirty, recSetParent, recSetState, recTop, reserveVms, validGuestPages, VM_PAUSED, vmFramesNeeded, vmRec, VMSTATE_BYTES } from '../memory/guest_memory';
import { E_FRAME_MASK, E_PRESENT, LEAF_MASK, LEAF_SHIFT, leafForWrite, leavesFor } from '../memory/page_table';
import { SNAP_DIFF, SNAP_FULL, snapshotInfo, snapshotStateAddr, snapshotVm } from './snapshot';

/** Entry bit of an import record: the page's 4096 bytes follow the record header. */
export const IMPORT_DATA: u32 = 1;
/** Entry bits a record may carry: flags, WIPED, role, PRESENT and IMPORT_DATA (bit 27 and frame bits 1..22 are not). */
const ENTRY_ALLOWED: u32 = 0xf7800001;
const RECORD_HEADER: u32 = 8;

const MAX_PENDING: u32 = 8;
const SLOT_BYTES: u32 = 32;
const I_TOKEN: usize = 0;
const I_VM: usize = 4;
const I_TYPE: usize = 8;
const I_NEXT: usize = 12;
const I_PAGES: usize = 16;
const I_RECORDS: usize = 20;
const slots = memory.data(MAX_PENDING * SLOT_BYTES, 16);
let serial: u32 = 0;

// @ts-ignore: decorator
@inline function slotAddr(i: u32): usize {
  return slots + <usize>(i * SLOT_BYTES);
}

/** The slot of a live token, or 0. */
function slotOf(token: i32): usize {
  if (token <= 0) return 0;
  const s = slotAddr(<u32>token & (MAX_PENDING - 1));
  return load<u32>(s + I_TOKEN) == <u32>token ? s : 0;
}

/** True if [ptr, ptr+len) lies inside wasm memory. */
function inMemory(ptr: usize, len: u32): bool {
  return <u64>ptr + <u64>len <= (<u64>memory.size() << 16);
}

/**
 * Starts importing a layer of a guest of `pages` pages: type 0 full, 1 diff (on snapshot
 * `parent`, which must be live and of the same size; ignored for a full layer); `dataPages` is
 * how many records will carry bytes. Reserves everything up front. Returns a token or an error.
 */
export function importBegin(pages: u32, type: u32, parent: i32, dataPages: u32): i32 {
  ensureInit();
  if (!validGuestPages(pages)) return fail(E_INVALID_GUEST_SIZE, pages);
  if (type != SNAP_FULL && type != SNAP_DIFF) return fail(E_INVALID_ARGUMENT, type);
  if (dataPages > pages) return fail(E_INVALID_ARGUMENT, dataPages);
  if (type == SNAP_DIFF && (parent < 0 || snapshotInfo(<u32>parent, 0) != 1 || snapshotInfo(<u32>parent, 3) != pages)) {
    return fail(E_NO_PARENT_SNAPSHOT, parent);
  }
  let slot: u32 = MAX_PENDING;
  for (let i: u32 = 0; i < MAX_PENDING; i++) {
    if (load<u32>(slotAddr(i) + I_TOKEN) == 0) {
      slot = i;
      break;
    }
  }
  if (slot == MAX_PENDING) return fail(E_TOO_MANY_OBJECTS, MAX_PENDING);
  // the scratch VM, the data frames, and what the capture takes: a top, a leaf per touched leaf
  // (diff), the snapshot's record frame
  const need = vmFramesNeeded(pages, false) + dataPages + leavesFor(pages) + 2;
  // frames first: reserveVms would call a shortage of the frame for a new record page "too many
  // objects"; +1 is that record page
  if (!reserveFrames(need + 1)) return fail(E_OUT_OF_GUEST_MEMORY, need + 1);
  const err = reserveVms(1, vmFramesNeeded(pages, false), dataPages + leavesFor(pages) + 2);
  if (err < 0) return err;
  const vm = bootVm(pages, 0);
  if (vm < 0) return vm;
  const r = vmRec(<u32>vm);
  recSetState(r, VM_PAUSED); // no guest runs in it
  if (type == SNAP_DIFF) recSetParent(r, <u32>parent);
  serial = (serial + 1) & 0x0fffffff;
  if (serial == 0) serial = 1;
  const token = (serial << 3) | slot;
  const s = slotAddr(slot);
  store<u32>(s + I_TOKEN, token);
  store<u32>(s + I_VM, <u32>vm);
  store<u32>(s + I_TYPE, type);
  store<u32>(s + I_NEXT, 0);
  store<u32>(s + I_PAGES, pages);
  store<u32>(s + I_RECORDS, 0);
  return <i32>token;
}

/**
 * Adds the records in [ptr, ptr+bytes) to a pending import. Pages must ascend strictly across
 * calls and lie in the guest; entries must carry PRESENT and only the allowed bits; the buffer
 * must end on a record boundary. Returns the number of records taken, or an error (then none was).
 */
export function importPages(token: i32, ptr: usize, bytes: u32): i32 {
  const s = slotOf(token);
  if (s == 0) return fail(E_INVALID_ARGUMENT, token);
  const r = vmRec(load<u32>(s + I_VM));
  if (r == 0) return fail(E_UNKNOWN_VM, load<u32>(s + I_VM));
  if (!inMemory(ptr, bytes)) return fail(E_OUT_OF_RANGE, <f64>ptr);
  const pages = load<u32>(s + I_PAGES);
  // pass 1: check every record and count the frames they need; nothing changes yet
  let next = load<u32>(s + I_NEXT);
  let at: u32 = 0;
  let count: u32 = 0;
  let need: u32 = 0;
  while (at < bytes) {
    if (bytes - at < RECORD_HEADER) return fail(E_INVALID_ARGUMENT, at);
    const p = load<u32>(ptr + at);
    const e = load<u32>(ptr + at + 4);
    if (p >= pages) return fail(E_OUT_OF_RANGE, <f64>p * PAGE_SIZE);
    if (p < next) return fail(E_INVALID_ARGUMENT, p);
    if (!(e & E_PRESENT) || (e & ~ENTRY_ALLOWED) != 0) return fail(E_INVALID_ARGUMENT, e);
    at += RECORD_HEADER;
    if (e & IMPORT_DATA) {
      if (bytes - at < PAGE_SIZE) return fail(E_INVALID_ARGUMENT, at);
      at += PAGE_SIZE;
      need++;
    }
    next = p + 1;
    count++;
  }
  if (!reserveFrames(need)) return fail(E_OUT_OF_GUEST_MEMORY, need);
  // pass 2: write the entries (the scratch VM's leaves are its own: no leaf copy) and the bytes
  const top = recTop(r);
  at = 0;
  while (at < bytes) {
    const p = load<u32>(ptr + at);
    const e = load<u32>(ptr + at + 4);
    at += RECORD_HEADER;
    let f: u32 = 0; // the zero page
    if (e & IMPORT_DATA) {
      f = allocGuestFrame();
      memory.copy(frameAddr(f), ptr + at, PAGE_SIZE);
      at += PAGE_SIZE;
    }
    store<u32>(leafForWrite(top, p >> LEAF_SHIFT) + (<usize>(p & LEAF_MASK) << 2), (e & ~E_FRAME_MASK) | f);
    markDirty(r, p); // a diff capture takes exactly the dirty pages
  }
  store<u32>(s + I_NEXT, next);
  store<u32>(s + I_RECORDS, load<u32>(s + I_RECORDS) + count);
  return <i32>count;
}

// The snapshot record's wiped-pages field, as snapshot.ts's header lays the record out: the
// record starts R_VMSTATE (128) bytes before the vmstate, and "24 wiped pages u32".
const RECORD_WIPED_FROM_VMSTATE: isize = 24 - 128;

/**
 * Ends a pending import: captures the layer as a snapshot whose vmstate is the VMSTATE_BYTES at
 * vmstatePtr and whose wiped-page count (what the original suspend zeroed) is `wiped`, and frees
 * the scratch VM. Returns the snapshot id, or an error (the import stays pending: abort it).
 */
export function importCommit(token: i32, vmstatePtr: usize, wiped: u32): i32 {
  const s = slotOf(token);
  if (s == 0) return fail(E_INVALID_ARGUMENT, token);
  const vm = load<u32>(s + I_VM);
  if (vmRec(vm) == 0) return fail(E_UNKNOWN_VM, vm);
  if (!inMemory(vmstatePtr, VMSTATE_BYTES)) return fail(E_OUT_OF_RANGE, <f64>vmstatePtr);
  // the scratch VM has no kernel features, so the capture wipes nothing: the file's pages are
  // already what the original suspend left
  const snap = snapshotVm(vm, load<u32>(s + I_TYPE));
  if (snap < 0) return snap;
  const state = snapshotStateAddr(<u32>snap);
  memory.copy(state, vmstatePtr, VMSTATE_BYTES);
  store<u32>(<usize>(<isize>state + RECORD_WIPED_FROM_VMSTATE), wiped);
  destroyVm(vm);
  store<u32>(s + I_TOKEN, 0);
  return snap;
}

/** Abandons a pending import, freeing every frame it took. */
export function importAbort(token: i32): i32 {
  const s = slotOf(token);
  if (s == 0) return fail(E_INVALID_ARGUMENT, token);
  destroyVm(load<u32>(s + I_VM));
  store<u32>(s + I_TOKEN, 0);
  return 0;
}

/** Imports in progress (tests check that none is left behind). */
export function importsPending(): u32 {
  let n: u32 = 0;
  for (let i: u32 = 0; i < MAX_PENDING; i++) if (load<u32>(slotAddr(i) + I_TOKEN) != 0) n++;
  return n;
}
