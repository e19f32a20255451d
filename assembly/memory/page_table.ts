// Two-level page tables built from metadata frames; the same shape serves a VM's guest memory and
// a snapshot layer. Leaves are shared copy-on-write between tables, as frames are between leaves.
//
//   top frame: 1024 x u32 leaf frame indices (0 = no leaf)          refcounts (frames.ts):
//   leaf frame: 1024 x u32 entries, one per guest page:               leaf  = tables sharing it
//                                                                      frame = leaves mapping it
//   31   29 28    27      26        25             24          23       22                 0
//   +------+-----+-------+---------+--------------+-----------+--------+-------------------+
//   | role |WIPED| (0)   | DONTDUMP| WIPEONSUSPEND| WIPEONFORK| PRESENT|  frame index      |
//   +------+-----+-------+---------+--------------+-----------+--------+-------------------+
//
// PRESENT: the page is in this table (a VM and a full snapshot map every page; a diff layer
//   only its dirty pages).
// WIPED: zeroed at suspend by MADV_WIPEONSUSPEND and not written since (for the pictures).
// role: what the page holds, for the pictures (ROLE_*).
// Invariant: a table may change an entry only in a leaf it holds alone (leafForWrite).

import {
  allocMetaFrame,
  frameAddr,
  frameRef,
  frameUnref,
  freeMetaFrame,
  metaRef,
  metaUnrefIsLast,
  frameRefcount,
  PAGE_SIZE,
} from './frames';

export const LEAF_SHIFT: u32 = 10;
export const LEAF_ENTRIES: u32 = 1 << LEAF_SHIFT;
export const LEAF_MASK: u32 = LEAF_ENTRIES - 1;

export const E_FRAME_MASK: u32 = 0x007fffff;
export const E_PRESENT: u32 = 1 << 23;
export const E_WIPEONFORK: u32 = 1 << 24;
export const E_WIPEONSUSPEND: u32 = 1 << 25;
export const E_DONTDUMP: u32 = 1 << 26;
export const E_WIPED: u32 = 1 << 28;
export const E_ROLE_SHIFT: u32 = 29;
export const E_ROLE_MASK: u32 = 7 << 29;
export const E_FLAGS_MASK: u32 = E_WIPEONFORK | E_WIPEONSUSPEND | E_DONTDUMP;

export const ROLE_FREE: u32 = 0;
export const ROLE_KERNEL: u32 = 1;
export const ROLE_KERNEL_RNG: u32 = 2;
export const ROLE_LIBRARY_STATE: u32 = 3;
export const ROLE_SECRET: u32 = 4;
export const ROLE_SYSGENID: u32 = 5;
export const ROLE_VMGENID: u32 = 6;
export const ROLE_HEAP: u32 = 7;

/** Leaves needed for a table of `pages` pages. */
// @ts-ignore: decorator
@inline export function leavesFor(pages: u32): u32 {
  return (pages + LEAF_MASK) >> LEAF_SHIFT;
}

// @ts-ignore: decorator
@inline function slotAddr(top: u32, i: u32): usize {
  return frameAddr(top) + (<usize>i << 2);
}

/** Frame index of leaf i of a table (0 if absent). */
// @ts-ignore: decorator
@inline export function leafFrame(top: u32, i: u32): u32 {
  return load<u32>(slotAddr(top, i));
}

/** Address of leaf i of a table (0 if the leaf is absent). */
// @ts-ignore: decorator
@inline export function leafAddr(top: u32, i: u32): usize {
  const f = load<u32>(slotAddr(top, i));
  return f == 0 ? 0 : frameAddr(f);
}

/** The entry of page p (0 if its leaf is absent). */
// @ts-ignore: decorator
@inline export function readEntry(top: u32, p: u32): u32 {
  const f = load<u32>(slotAddr(top, p >> LEAF_SHIFT));
  return f == 0 ? 0 : load<u32>(frameAddr(f) + (<usize>(p & LEAF_MASK) << 2));
}

/** Adds a holder to every frame a leaf maps. */
function refLeafFrames(base: usize): void {
  for (let j: u32 = 0; j < LEAF_ENTRIES; j++) {
    const e = load<u32>(base + (<usize>j << 2));
    if (e & E_PRESENT) frameRef(e & E_FRAME_MASK);
  }
}

/** Drops one holder of leaf lf; the last holder drops its frames and frees it. */
export function leafUnref(lf: u32): void {
  if (!metaUnrefIsLast(lf)) return;
  const base = frameAddr(lf);
  for (let j: u32 = 0; j < LEAF_ENTRIES; j++) {
    const e = load<u32>(base + (<usize>j << 2));
    if (e & E_PRESENT) frameUnref(e & E_FRAME_MASK);
  }
  freeMetaFrame(lf);
}

/**
 * Address of leaf i, made private to this table first (copy-on-write of the leaf); an absent leaf
 * is created empty. Needs at most one reserved frame.
 */
export function leafForWrite(top: u32, i: u32): usize {
  const slot = slotAddr(top, i);
  const lf = load<u32>(slot);
  if (lf == 0) {
    const n = allocMetaFrame();
    store<u32>(slot, n);
    return frameAddr(n);
  }
  if (frameRefcount(lf) == 1) return frameAddr(lf);
  const n = allocMetaFrame();
  memory.copy(frameAddr(n), frameAddr(lf), PAGE_SIZE);
  refLeafFrames(frameAddr(n));
  metaUnrefIsLast(lf); // others still hold it
  store<u32>(slot, n);
  return frameAddr(n);
}

/** True if writing an entry in leaf i would first need a new leaf frame. */
export function leafNeedsCopy(top: u32, i: u32): bool {
  const lf = load<u32>(slotAddr(top, i));
  return lf == 0 || frameRefcount(lf) > 1;
}

/** A new table with every leaf present, all entries PRESENT on the zero page (reserve 1 + leaves). */
export function newFullTable(pages: u32): u32 {
  const top = allocMetaFrame();
  const n = leavesFor(pages);
  for (let i: u32 = 0; i < n; i++) {
    const lf = allocMetaFrame();
    store<u32>(slotAddr(top, i), lf);
    const base = frameAddr(lf);
    const end = min<u32>(LEAF_ENTRIES, pages - (i << LEAF_SHIFT));
    for (let j: u32 = 0; j < end; j++) store<u32>(base + (<usize>j << 2), E_PRESENT);
  }
  return top;
}

/** A new empty table (reserve 1). */
export function newEmptyTable(): u32 {
  return allocMetaFrame();
}

/** A new table sharing every leaf of src (reserve 1): a zero-copy capture. */
export function shareTable(src: u32, pages: u32): u32 {
  const top = allocMetaFrame();
  const n = leavesFor(pages);
  for (let i: u32 = 0; i < n; i++) {
    const lf = leafFrame(src, i);
    if (lf == 0) continue;
    metaRef(lf);
    store<u32>(slotAddr(top, i), lf);
  }
  return top;
}

/** Drops every leaf of a table and frees its top. */
export function freeTable(top: u32, pages: u32): void {
  const n = leavesFor(pages);
  for (let i: u32 = 0; i < n; i++) {
    const lf = leafFrame(top, i);
    if (lf != 0) leafUnref(lf);
  }
  freeMetaFrame(top);
}

/** Replaces leaf i of table top by lf (taking a holder of lf), dropping the old one. */
export function setLeafShared(top: u32, i: u32, lf: u32): void {
  metaRef(lf);
  const old = leafFrame(top, i);
  store<u32>(slotAddr(top, i), lf);
  if (old != 0) leafUnref(old);
}

/**
 * Writes every PRESENT entry of a layer's leaf i over the private leaf at dst (taking holders
 * of the new frames, dropping the replaced ones).
 */
export function overlayLeaf(dst: usize, layerTop: u32, i: u32): void {
  const src = leafAddr(layerTop, i);
  if (src == 0) return;
  for (let j: u32 = 0; j < LEAF_ENTRIES; j++) {
    const e = load<u32>(src + (<usize>j << 2));
    if (!(e & E_PRESENT)) continue;
    const a = dst + (<usize>j << 2);
    const old = load<u32>(a);
    frameRef(e & E_FRAME_MASK);
    if (old & E_PRESENT) frameUnref(old & E_FRAME_MASK);
    store<u32>(a, e);
  }
}
