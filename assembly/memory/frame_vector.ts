// A frame vector: a large byte array made of 4 KiB frames from the pool, addressed through a
// page-table-shaped index (page_table.ts), so it needs no contiguous memory and frees cleanly.
// Used for draw outputs and collision-detection tables (host-side data, not guest memory).
//
//   top (meta frame) -> leaves (meta frames, 1024 entries: E_PRESENT | frame) -> data frames
//   byte offset o lives in data frame (o >> 12) at (o & 4095)

import { allocGuestFrame, frameAddr, PAGE_SIZE, reserveFrames } from './frames';
import { E_FRAME_MASK, E_PRESENT, freeTable, leafForWrite, LEAF_MASK, LEAF_SHIFT, leavesFor, newEmptyTable, readEntry } from './page_table';

/** Frames a vector of `bytes` bytes needs (data + leaves + top). */
export function vectorFrames(bytes: f64): u32 {
  const pages = <u32>Math.ceil(bytes / <f64>PAGE_SIZE);
  return pages + leavesFor(pages) + 1;
}

/** Creates a zero-filled vector of `bytes` bytes; returns its top frame, or 0 if memory is short. */
export function newVector(bytes: f64): u32 {
  const pages = <u32>Math.ceil(bytes / <f64>PAGE_SIZE);
  if (!reserveFrames(vectorFrames(bytes))) return 0;
  const top = newEmptyTable();
  for (let p: u32 = 0; p < pages; p++) {
    const f = allocGuestFrame();
    memory.fill(frameAddr(f), 0, PAGE_SIZE);
    const leaf = leafForWrite(top, p >> LEAF_SHIFT);
    store<u32>(leaf + (<usize>(p & LEAF_MASK) << 2), E_PRESENT | f);
  }
  return top;
}

/** Frees a vector of `bytes` bytes. */
export function freeVector(top: u32, bytes: f64): void {
  freeTable(top, <u32>Math.ceil(bytes / <f64>PAGE_SIZE));
}

/** Host address of byte offset o (an element must not cross a 4 KiB boundary). */
// @ts-ignore: decorator
@inline export function vecAddr(top: u32, o: u64): usize {
  const e = readEntry(top, <u32>(o >> 12));
  return frameAddr(e & E_FRAME_MASK) + <usize>(o & 4095);
}
