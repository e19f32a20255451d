// Snapshots: pause -> suspend (MADV_WIPEONSUSPEND) -> capture; restore clones; merge; delete.
//
// Snapshot record (256 bytes, in a RecordTable):
//   0 state u32 (0 free, 1 live)     4 type u32 (0 full, 1 diff)    8 parent u32 (NONE for full)
//  12 pages u32                     16 table top u32               20 present pages u32
//  24 wiped pages u32               28 children u32 (diff layers on top of this one)
//  32 source VM u32                 36 clones u32 (VMs restored or resumed from it)
//  40 depth u32 (0 for a full snapshot)
// 128 vmstate (VMSTATE_BYTES), copied from the VM at capture, into each clone at restore.
//
// A full snapshot shares every page-table leaf of the VM (zero copy: the VM copies a leaf the
// next time it writes into it). A diff snapshot is a sparse table of the pages dirtied since its
// parent. Restoring resolves the chain once: leaves no diff layer touches are shared with the
// base, touched leaves are merged once and shared by every clone of the batch.
// Invariants: on error nothing changed; dirty bits reset only after capture succeeded.

import { cost, COST_PAGE_WIPE } from '../vmm/costs';
import { writeSetFrames } from '../kernel/kernel';
import {
  E_INVALID_ARGUMENT,
  E_NO_PARENT_SNAPSHOT,
  E_OUT_OF_GUEST_MEMORY,
  E_SNAPSHOT_HAS_CHILDREN,
  E_TOO_MANY_OBJECTS,
  E_UNKNOWN_SNAPSHOT,
  E_UNKNOWN_VM,
  E_VM_RUNNING,
  fail,
} from '../errors';
import { allocMetaFrame, frameAddr, frameRef, frameUnref, freeMetaFrame, PAGE_SIZE, reserveFrames } from '../memory/frames';
import {
  ensureInit,
  FEAT_WIPEONSUSPEND,
  VS_CLOCK,
  dirtyWord,
  markDirty,
  NONE,
  newVmRecord,
  R_VMSTATE,
  recPages,
  recParent,
  recSetParent,
  recSetState,
  recState,
  recTop,
  reserveVms,
  vmsFramesNeeded,
  resetDirty,
  VM_PAUSED,
  VM_RUNNING,
  vmFramesNeeded,
  VMSTATE_BYTES,
  vmRec,
  VS_FEATURES,
  VS_LINEAGE,
  VS_SNAPSHOTS_TAKEN,
  lineageChild,
  anyVmLive,
  resetVmIds,
} from '../memory/guest_memory';
import {
  E_FRAME_MASK,
  E_PRESENT,
  E_WIPED,
  E_WIPEONSUSPEND,
  freeTable,
  LEAF_ENTRIES,
  LEAF_MASK,
  LEAF_SHIFT,
  leafAddr,
  leafForWrite,
  leafFrame,
  leafNeedsCopy,
  leavesFor,
  newEmptyTable,
  overlayLeaf,
  readEntry,
  setLeafShared,
  shareTable,
} from '../memory/page_table';
import { allocRecord, initRecordTable, RecordTable, recordAddr, recordsFit, reserveRecords } from '../memory/records';

export const SNAP_FULL: u32 = 0;
export const SNAP_DIFF: u32 = 1;
const SNAP_RECORD_SIZE: u32 = 256;
const S_STATE: usize = 0;
const S_TYPE: usize = 4;
const S_PARENT: usize = 8;
const S_PAGES: usize = 12;
const S_TOP: usize = 16;
const S_PRESENT: usize = 20;
const S_WIPED: usize = 24;
const S_CHILDREN: usize = 28;
const S_SOURCE: usize = 32;
const S_CLONES: usize = 36;
const S_DEPTH: usize = 40;
const MAX_CHAIN: u32 = 1024;
const MAX_CLONES_PER_RESTORE: u32 = 100000;

const snapDir = memory.data(4096);
const snaps = new RecordTable();
const chainBuf = memory.data(MAX_CHAIN * 4);
let snapReady = false;

function snapInit(): void {
  if (snapReady) return;
  ensureInit();
  initRecordTable(snaps, snapDir, SNAP_RECORD_SIZE);
  snapReady = true;
}

/** Address of a live snapshot's record, or 0. */
function snapRec(s: u32): usize {
  snapInit();
  const r = recordAddr(snaps, s);
  if (r == 0 || load<u32>(r + S_STATE) == 0) return 0;
  return r;
}

/** Pages of the VM that suspend will zero: flagged WIPEONSUSPEND and not already the zero page. */
function wipeTargetsLeaves(r: usize): u32 {
  const top = recTop(r);
  const n = leavesFor(recPages(r));
  let leaves: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const base = leafAddr(top, i);
    for (let j: u32 = 0; j < LEAF_ENTRIES; j++) {
      const e = load<u32>(base + (<usize>j << 2));
      if (e & E_WIPEONSUSPEND && !(e & E_WIPED && (e & E_FRAME_MASK) == 0)) {
        if (leafNeedsCopy(top, i)) leaves++;
        break;
      }
    }
  }
  return leaves;
}

/**
 * Suspend (S0 -> S3): the guest kernel zeroes every WIPEONSUSPEND page (maps the zero page),
 * marking it dirty and WIPED. Returns the number of flagged pages. Frames must be reserved.
 */
function suspendWipe(r: usize): u32 {
  const top = recTop(r);
  const pages = recPages(r);
  let flagged: u32 = 0;
  for (let p: u32 = 0; p < pages; p++) {
    const e = readEntry(top, p);
    if (!(e & E_WIPEONSUSPEND)) continue;
    flagged++;
    if ((e & E_FRAME_MASK) == 0 && e & E_WIPED) continue;
    const ea = leafForWrite(top, p >> LEAF_SHIFT) + (<usize>(p & LEAF_MASK) << 2);
    const cur = load<u32>(ea);
    const f = cur & E_FRAME_MASK;
    store<u32>(ea, (cur & ~E_FRAME_MASK) | E_WIPED);
    if (f != 0) {
      frameUnref(f);
      markDirty(r, p);
    }
  }
  return flagged;
}

/** True if leaf i of the VM holds a dirty page (16 bitmap words per 1024-page leaf). */
function leafDirty(r: usize, i: u32): bool {
  for (let w: u32 = i << 4; w < (i + 1) << 4; w++) if (dirtyWord(r, w) != 0) return true;
  return false;
}

/** True if leaf i of the VM holds a WIPEONSUSPEND-flagged page. */
function leafFlagged(top: u32, i: u32): bool {
  const base = leafAddr(top, i);
  for (let j: u32 = 0; j < LEAF_ENTRIES; j++) if (load<u32>(base + (<usize>j << 2)) & E_WIPEONSUSPEND) return true;
  return false;
}

/** Leaves holding at least one dirty page (or, with wipes, a page suspend may dirty). */
function dirtyLeaves(r: usize, includeWipes: bool): u32 {
  const top = recTop(r);
  const n = leavesFor(recPages(r));
  let count: u32 = 0;
  for (let i: u32 = 0; i < n; i++) if (leafDirty(r, i) || (includeWipes && leafFlagged(top, i))) count++;
  return count;
}

/**
 * Snapshots a VM: pauses it, lets the guest kernel wipe WIPEONSUSPEND pages (if it supports it),
 * captures a full or diff snapshot. Returns the snapshot id or an error code.
 */
export function snapshotVm(vm: u32, type: u32): i32 {
  snapInit();
  const r = vmRec(vm);
  if (r == 0) return fail(E_UNKNOWN_VM, vm);
  if (type != SNAP_FULL && type != SNAP_DIFF) return fail(E_INVALID_ARGUMENT, type);
  const pages = recPages(r);
  let parent: usize = 0;
  if (type == SNAP_DIFF) {
    const ps = recParent(r);
    parent = ps == NONE ? 0 : snapRec(ps);
    if (parent == 0 || load<u32>(parent + S_PAGES) != pages) return fail(E_NO_PARENT_SNAPSHOT, vm);
    if (load<u32>(parent + S_DEPTH) + 1 >= MAX_CHAIN) return fail(E_TOO_MANY_OBJECTS, MAX_CHAIN);
  }
  const wipes = (load<u32>(r + R_VMSTATE + VS_FEATURES) & FEAT_WIPEONSUSPEND) != 0;
  // reserve everything first: suspend's leaf copies, the new table, the record
  let need: u32 = 1 + (wipes ? wipeTargetsLeaves(r) : 0);
  if (type == SNAP_DIFF) need += dirtyLeaves(r, wipes);
  if (!recordsFit(snaps, 1)) return fail(E_TOO_MANY_OBJECTS, 1);
  if (!reserveRecords(snaps, 1, need)) return fail(E_OUT_OF_GUEST_MEMORY, need);

  recSetState(r, VM_PAUSED);
  const wiped = wipes ? suspendWipe(r) : 0;
  // the guest kernel's clear_page of each flagged page, charged to the VM's clock before capture
  if (wiped > 0) store<f64>(r + R_VMSTATE + VS_CLOCK, load<f64>(r + R_VMSTATE + VS_CLOCK) + <f64>wiped * cost(COST_PAGE_WIPE));
  const top = recTop(r);
  let table: u32;
  let present: u32 = 0;
  if (type == SNAP_FULL) {
    table = shareTable(top, pages);
    present = pages;
  } else {
    table = newEmptyTable();
    const n = leavesFor(pages);
    // walk the dirty bitmap a word at a time: cost follows the dirty pages, not the guest size
    const words = (pages + 63) >> 6;
    for (let w: u32 = 0; w < words; w++) {
      let bits = dirtyWord(r, w);
      while (bits != 0) {
        const p = (w << 6) + <u32>ctz(bits);
        bits &= bits - 1;
        const i = p >> LEAF_SHIFT;
        const j = p & LEAF_MASK;
        const dst = leafForWrite(table, i); // creates the layer's leaf on first use
        const e = load<u32>(leafAddr(top, i) + (<usize>j << 2));
        frameRef(e & E_FRAME_MASK);
        store<u32>(dst + (<usize>j << 2), e);
        present++;
      }
    }
    void n;
  }
  const id = allocRecord(snaps);
  const s = recordAddr(snaps, id);
  memory.fill(s, 0, SNAP_RECORD_SIZE);
  store<u32>(s + S_STATE, 1);
  store<u32>(s + S_TYPE, type);
  store<u32>(s + S_PARENT, type == SNAP_DIFF ? recParent(r) : NONE);
  store<u32>(s + S_PAGES, pages);
  store<u32>(s + S_TOP, table);
  store<u32>(s + S_PRESENT, present);
  store<u32>(s + S_WIPED, wiped);
  store<u32>(s + S_SOURCE, vm);
  store<u32>(s + S_DEPTH, type == SNAP_DIFF ? load<u32>(parent + S_DEPTH) + 1 : 0);
  memory.copy(s + R_VMSTATE, r + R_VMSTATE, VMSTATE_BYTES);
  // the snapshot's place in the lineage: the VM's key and how many snapshots it took before
  const taken = load<u32>(r + R_VMSTATE + VS_SNAPSHOTS_TAKEN);
  store<u64>(s + R_VMSTATE + VS_LINEAGE, lineageChild(load<u64>(r + R_VMSTATE + VS_LINEAGE), taken));
  store<u32>(s + R_VMSTATE + VS_SNAPSHOTS_TAKEN, 0);
  store<u32>(r + R_VMSTATE + VS_SNAPSHOTS_TAKEN, taken + 1);
  if (type == SNAP_DIFF) store<u32>(parent + S_CHILDREN, load<u32>(parent + S_CHILDREN) + 1);
  resetDirty(r);
  recSetParent(r, id);
  return <i32>id;
}

/** Resumes a VM paused by a snapshot: it runs on, and counts as one more clone of that snapshot. */
export function resumeVm(vm: u32): i32 {
  const r = vmRec(vm);
  if (r == 0) return fail(E_UNKNOWN_VM, vm);
  if (recState(r) == VM_RUNNING) return fail(E_VM_RUNNING, vm);
  recSetState(r, VM_RUNNING);
  const s = snapRec(recParent(r));
  if (s != 0) {
    // from here on the original lives on as one more clone of the snapshot: its next place
    const ordinal = load<u32>(s + S_CLONES);
    store<u64>(r + R_VMSTATE + VS_LINEAGE, lineageChild(load<u64>(s + R_VMSTATE + VS_LINEAGE), ordinal));
    store<u32>(s + S_CLONES, ordinal + 1);
  }
  return 0;
}

/** Fills chainBuf with the chain base..s; returns its length (0 if broken). */
function resolveChain(s: u32): u32 {
  let len: u32 = 0;
  let cur = s;
  while (true) {
    const r = snapRec(cur);
    if (r == 0 || len >= MAX_CHAIN) return 0;
    store<u32>(chainBuf + (<usize>len << 2), cur);
    len++;
    if (load<u32>(r + S_TYPE) == SNAP_FULL) break;
    cur = load<u32>(r + S_PARENT);
  }
  // reverse: base first
  for (let i: u32 = 0; i < len / 2; i++) {
    const a = chainBuf + (<usize>i << 2);
    const b = chainBuf + (<usize>(len - 1 - i) << 2);
    const t = load<u32>(a);
    store<u32>(a, load<u32>(b));
    store<u32>(b, t);
  }
  return len;
}

// @ts-ignore: decorator
@inline function recTopOf(s: usize): u32 {
  return load<u32>(s + S_TOP);
}

/** Leaves some diff layer of the chain touches (each needs one merged leaf). */
function mergedLeavesNeeded(len: u32, pages: u32): u32 {
  const n = leavesFor(pages);
  let count: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    for (let k: u32 = 1; k < len; k++) {
      if (leafFrame(recTopOf(snapRec(load<u32>(chainBuf + (<usize>k << 2)))), i) != 0) {
        count++;
        break;
      }
    }
  }
  return count;
}

/** A new table holding the resolved chain (reserve 1 + mergedLeavesNeeded). */
function buildResolvedTable(len: u32, pages: u32): u32 {
  const base = recTopOf(snapRec(load<u32>(chainBuf)));
  const table = shareTable(base, pages);
  const n = leavesFor(pages);
  for (let i: u32 = 0; i < n; i++) {
    let dst: usize = 0;
    for (let k: u32 = 1; k < len; k++) {
      const layer = recTopOf(snapRec(load<u32>(chainBuf + (<usize>k << 2))));
      if (leafFrame(layer, i) == 0) continue;
      if (dst == 0) dst = leafForWrite(table, i);
      overlayLeaf(dst, layer, i);
    }
  }
  return table;
}

/**
 * Restores `count` clones from snapshot s (resolving its diff chain); lazy clones count
 * first-touch faults. Returns the first clone's id (ids are consecutive) or an error code;
 * on error no clone exists.
 */
export function restoreClones(s: u32, count: u32, lazy: bool): i32 {
  snapInit();
  const sr = snapRec(s);
  if (sr == 0) return fail(E_UNKNOWN_SNAPSHOT, s);
  if (count == 0 || count > MAX_CLONES_PER_RESTORE) return fail(E_INVALID_ARGUMENT, count);
  const pages = load<u32>(sr + S_PAGES);
  const len = resolveChain(s);
  if (len == 0) return fail(E_UNKNOWN_SNAPSHOT, s);
  const merged = len > 1 ? 1 + mergedLeavesNeeded(len, pages) : 0;
  const each = vmFramesNeeded(pages, lazy) - leavesFor(pages); // clones share leaves: top + bitmaps
  const err = reserveVms(count, each, merged);
  if (err < 0) return err;

  let resolved: u32 = len > 1 ? buildResolvedTable(len, pages) : recTopOf(snapRec(load<u32>(chainBuf)));
  let first: u32 = NONE;
  for (let c: u32 = 0; c < count; c++) {
    // newVmRecord builds a fresh all-zero table we do not want: pass a shared table instead
    const id = newVmRecord(pages, shareTable(resolved, pages), lazy);
    if (first == NONE) first = id;
    const vr = vmRec(id);
    memory.copy(vr + R_VMSTATE, sr + R_VMSTATE, VMSTATE_BYTES);
    // host entropy is keyed by this place: the snapshot's key and the clone's ordinal
    const ordinal = load<u32>(sr + S_CLONES) + c;
    store<u64>(vr + R_VMSTATE + VS_LINEAGE, lineageChild(load<u64>(sr + R_VMSTATE + VS_LINEAGE), ordinal));
    recSetParent(vr, s);
  }
  if (len > 1) freeTable(resolved, pages); // the clones hold the merged leaves now
  store<u32>(sr + S_CLONES, load<u32>(sr + S_CLONES) + count);
  return <i32>first;
}

/** Frames each clone of s copies when its guest first runs (every page it writes is shared then). */
export function snapshotGuestOpFrames(s: u32): i32 {
  snapInit();
  const sr = snapRec(s);
  if (sr == 0) return fail(E_UNKNOWN_SNAPSHOT, s);
  return <i32>writeSetFrames(sr, recTopOf(sr), true);
}

/**
 * The frames a restore of `count` clones of s takes (what restoreFits reserves), without
 * reserving them: the fleet checks ask before anything grows. An error code if s is unknown.
 */
export function restoreFramesNeeded(s: u32, count: u32, lazy: bool): f64 {
  snapInit();
  if (!restoreNeeds(s, lazy)) return fail(E_UNKNOWN_SNAPSHOT, s);
  return vmsFramesNeeded(count, needEach, needMerged);
}

/** What a restore of s takes, set by restoreNeeds: frames per clone, and the merged chain's frames. */
let needEach: u32 = 0;
let needMerged: u32 = 0;

/** Sets needEach and needMerged for clones of s; false if s (or its chain) is unknown. */
function restoreNeeds(s: u32, lazy: bool): bool {
  const sr = snapRec(s);
  if (sr == 0) return false;
  const pages = load<u32>(sr + S_PAGES);
  const len = resolveChain(s);
  if (len == 0) return false;
  needMerged = len > 1 ? 1 + mergedLeavesNeeded(len, pages) : 0;
  needEach = vmFramesNeeded(pages, lazy) - leavesFor(pages);
  return true;
}

/**
 * Whether `count` clones of s fit, reserving the frames they need (memory may grow; no VM or
 * snapshot changes): lets a caller that restores in batches fail before the first batch.
 * Returns 0 or the error restoreClones would return.
 */
export function restoreFits(s: u32, count: u32, lazy: bool): i32 {
  snapInit();
  if (snapRec(s) == 0) return fail(E_UNKNOWN_SNAPSHOT, s);
  if (count == 0 || count > MAX_CLONES_PER_RESTORE) return fail(E_INVALID_ARGUMENT, count);
  if (!restoreNeeds(s, lazy)) return fail(E_UNKNOWN_SNAPSHOT, s);
  return reserveVms(count, needEach, needMerged);
}

/** Merges the chain ending at s into one new full snapshot; returns its id or an error code. */
export function mergeSnapshot(s: u32): i32 {
  snapInit();
  const sr = snapRec(s);
  if (sr == 0) return fail(E_UNKNOWN_SNAPSHOT, s);
  const pages = load<u32>(sr + S_PAGES);
  const len = resolveChain(s);
  if (len == 0) return fail(E_UNKNOWN_SNAPSHOT, s);
  if (!recordsFit(snaps, 1)) return fail(E_TOO_MANY_OBJECTS, 1);
  const need: u32 = 1 + (len > 1 ? mergedLeavesNeeded(len, pages) : 0);
  if (!reserveRecords(snaps, 1, need)) return fail(E_OUT_OF_GUEST_MEMORY, need);
  const table = len > 1 ? buildResolvedTable(len, pages) : shareTable(recTopOf(sr), pages);
  const id = allocRecord(snaps);
  const m = recordAddr(snaps, id);
  memory.fill(m, 0, SNAP_RECORD_SIZE);
  store<u32>(m + S_STATE, 1);
  store<u32>(m + S_TYPE, SNAP_FULL);
  store<u32>(m + S_PARENT, NONE);
  store<u32>(m + S_PAGES, pages);
  store<u32>(m + S_TOP, table);
  store<u32>(m + S_PRESENT, pages);
  store<u32>(m + S_WIPED, load<u32>(sr + S_WIPED));
  store<u32>(m + S_SOURCE, load<u32>(sr + S_SOURCE));
  memory.copy(m + R_VMSTATE, sr + R_VMSTATE, VMSTATE_BYTES);
  return <i32>id;
}

/** Deletes a snapshot with no diff layers on top; frees every frame nothing else holds. */
export function deleteSnapshot(s: u32): i32 {
  const sr = snapRec(s);
  if (sr == 0) return fail(E_UNKNOWN_SNAPSHOT, s);
  if (load<u32>(sr + S_CHILDREN) != 0) return fail(E_SNAPSHOT_HAS_CHILDREN, load<u32>(sr + S_CHILDREN));
  freeTable(load<u32>(sr + S_TOP), load<u32>(sr + S_PAGES));
  if (load<u32>(sr + S_TYPE) == SNAP_DIFF) {
    const pr = snapRec(load<u32>(sr + S_PARENT));
    if (pr != 0) store<u32>(pr + S_CHILDREN, load<u32>(pr + S_CHILDREN) - 1);
  }
  store<u32>(sr + S_STATE, 0);
  return 0;
}

/** Snapshot facts by field index: 0 live, 1 type, 2 parent, 3 pages, 4 present pages,
 *  5 wiped pages, 6 children, 7 source VM, 8 clones, 9 depth. */
export function snapshotInfo(s: u32, field: u32): f64 {
  const sr = snapRec(s);
  if (sr == 0) return field == 0 ? 0 : -1;
  switch (field) {
    case 0: return 1;
    case 1: return load<u32>(sr + S_TYPE);
    case 2: { const p = load<u32>(sr + S_PARENT); return p == NONE ? -1 : p; }
    case 3: return load<u32>(sr + S_PAGES);
    case 4: return load<u32>(sr + S_PRESENT);
    case 5: return load<u32>(sr + S_WIPED);
    case 6: return load<u32>(sr + S_CHILDREN);
    case 7: return load<u32>(sr + S_SOURCE);
    case 8: return load<u32>(sr + S_CLONES);
    case 9: return load<u32>(sr + S_DEPTH);
    default: return -1;
  }
}

/** The entry of page p in snapshot s's own layer (0 if the layer does not hold it). */
export function snapshotPageEntry(s: u32, p: u32): u32 {
  const sr = snapRec(s);
  if (sr == 0 || p >= load<u32>(sr + S_PAGES)) return 0;
  return readEntry(load<u32>(sr + S_TOP), p);
}

/** Address of leaf i of snapshot s's own layer (0 if absent). */
export function snapshotLeafAddr(s: u32, i: u32): usize {
  const sr = snapRec(s);
  if (sr == 0 || i >= leavesFor(load<u32>(sr + S_PAGES))) return 0;
  return leafAddr(load<u32>(sr + S_TOP), i);
}

/** Frame index of leaf i of snapshot s's layer (0 if absent). */
export function snapshotLeafFrame(s: u32, i: u32): u32 {
  const sr = snapRec(s);
  if (sr == 0 || i >= leavesFor(load<u32>(sr + S_PAGES))) return 0;
  return leafFrame(load<u32>(sr + S_TOP), i);
}

/** Address of snapshot s's vmstate bytes, 0 if unknown. */
export function snapshotStateAddr(s: u32): usize {
  const sr = snapRec(s);
  return sr == 0 ? 0 : sr + R_VMSTATE;
}

/** Number of snapshot ids handed out so far. */
export function snapshotIdsIssued(): u32 {
  snapInit();
  return snaps.next;
}

/**
 * Hands out VM and snapshot ids from 0 again, as after a fresh start: only when no VM and no
 * snapshot is live (else E_TOO_MANY_OBJECTS). A lab reset does this, so a replayed action log
 * names the same ids as the original run.
 */
export function resetIds(): i32 {
  snapInit();
  if (anyVmLive()) return fail(E_TOO_MANY_OBJECTS, 1);
  for (let id: u32 = 0; id < snaps.next; id++) {
    if (load<u32>(recordAddr(snaps, id) + S_STATE) != 0) return fail(E_TOO_MANY_OBJECTS, 2);
  }
  snaps.next = 0;
  resetVmIds();
  return 0;
}

let listNext: u32 = 0;

/**
 * Lists the pages snapshot s's own layer holds, from page `from` on: writes (page u32, frame
 * address u32) pairs at out, at most max pairs, and returns how many; listNextPage() then says
 * where to continue (the snapshot's page count when done). Lets an export skip absent pages.
 */
export function snapshotListPages(s: u32, from: u32, out: usize, max: u32): i32 {
  const sr = snapRec(s);
  if (sr == 0) return fail(E_UNKNOWN_SNAPSHOT, s);
  const pages = load<u32>(sr + S_PAGES);
  const top = load<u32>(sr + S_TOP);
  let count: u32 = 0;
  let p = from;
  while (p < pages && count < max) {
    const base = leafAddr(top, p >> LEAF_SHIFT);
    if (base == 0) {
      p = ((p >> LEAF_SHIFT) + 1) << LEAF_SHIFT;
      continue;
    }
    const e = load<u32>(base + (<usize>(p & LEAF_MASK) << 2));
    if (e & E_PRESENT) {
      store<u32>(out + (<usize>count << 3), p);
      store<u32>(out + (<usize>count << 3) + 4, <u32>frameAddr(e & E_FRAME_MASK));
      count++;
    }
    p++;
  }
  listNext = min<u32>(p, pages);
  return <i32>count;
}

/** Where the last snapshotListPages call stopped. */
export function listNextPage(): u32 {
  return listNext;
}
